using System.Diagnostics;
using System.Globalization;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>A throw-away MINIKUBE_HOME, and minictl run in-process against it with an environment the test controls.</summary>
public sealed class TempHome : IDisposable
{
    private readonly Dictionary<string, string?> _variables = new(StringComparer.Ordinal);

    public TempHome()
    {
        var root = Environment.GetEnvironmentVariable(EtcdServer.TempRootVariable) is { Length: > 0 } r ? r : Path.GetTempPath();
        Directory = Path.Combine(root, "minikube-home-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        _variables["MINIKUBE_HOME"] = Directory;
        _variables["MINIKUBE_SERVER"] = null;
        _variables["MINIKUBE_CONFIG"] = null;
        // cluster up adds the cluster to kubectl's kubeconfig: never the real ~/.kube/config.
        _variables["KUBECONFIG"] = Path.Combine(Directory, "kubeconfig");
    }

    public string Directory { get; }

    public ClusterHome Home => ClusterHome.From(Variable);

    /// <summary>Overrides an environment variable for minictl (null hides the real one).</summary>
    public TempHome With(string name, string? value)
    {
        _variables[name] = value;
        return this;
    }

    public string? Variable(string name) => _variables.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);

    public async Task<CliResult> MinictlAsync(params string[] args)
    {
        var output = new ConcurrentStringWriter();
        var error = new ConcurrentStringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await new MinictlApp(output, error, Variable).RunAsync(args, timeout.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The real kubectl with the kubeconfig of this home (as <c>cluster up</c> wrote it); fails the test unless it exits 0.</summary>
    public async Task<ProgramOutput> KubectlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl");
        start.Environment.Clear();
        start.Environment["HOME"] = Path.Combine(Directory, "kubectl-home");
        start.Environment["KUBECONFIG"] = Variable("KUBECONFIG");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var result = await ProgramRunner.RunAsync(start, "kubectl " + string.Join(' ', args), TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {result.ExitCode.ToString(CultureInfo.InvariantCulture)}\n{result.StandardError}");
        return result;
    }

    /// <summary>A host program (curl, etcdctl), bounded to 30 s.</summary>
    public static Task<ProgramOutput> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return ProgramRunner.RunAsync(start, program + " " + string.Join(' ', args), TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// After a test that ran <c>cluster up</c>: <c>down --purge</c>, and whatever that left (a failed test's processes, the
    /// containers of node <paramref name="node"/>) killed and removed.
    /// </summary>
    public async Task TearDownClusterAsync(string node)
    {
        try
        {
            await MinictlAsync("cluster", "down", "--purge");
        }
        finally
        {
            if (new ClusterStateStore(Home).Load() is { } state)
            {
                foreach (var c in state.Components)
                {
                    DetachedProcess.KillNow(c.Pid, c.StartTicks);
                }
            }
            await DockerCli.RemoveContainersWithLabelAsync($"{DockerEngine.NodeLabel}={node}");
        }
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
