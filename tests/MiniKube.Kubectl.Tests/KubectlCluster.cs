using System.Diagnostics;
using System.Text;
using MiniKube.Api;
using MiniKube.Controllers;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// A real API server over real etcd with the real controllers in-process; pods are bound and reported Running by the
/// test doubles <see cref="FakeScheduler"/> and <see cref="FakeKubelet"/> (node <c>node-1</c>). kubectl runs with a fresh
/// HOME (it caches discovery there) and a kubeconfig pointing at the server's HTTP/1.1 port. Metrics are scraped every
/// 2 s and autoscalers synced every 2 s, so tests with a real kubelet see <c>kubectl top</c> and HPA decisions in seconds.
/// </summary>
public sealed class KubectlCluster : IAsyncLifetime
{
    public const string Node = "node-1";

    public static readonly TimeSpan MetricResolution = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private Task? _manager;
    private FakeScheduler? _scheduler;
    private FakeKubelet? _kubelet;

    public TestApiServer Server { get; private set; } = null!;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "minikube-kubectl-" + Guid.NewGuid().ToString("N")[..8]);

    public string Kubeconfig => Path.Combine(Home, "kubeconfig");

    public async Task InitializeAsync()
    {
        // Scrape kubelets every 2 s, so kubectl top has metrics (two samples) within seconds of a pod starting.
        Server = await TestApiServer.StartAsync(configure: o => o.MetricResolution = MetricResolution);
        var manager = new ControllerManager(new ControllerManagerOptions
        {
            Server = Server.GrpcAddress,
            LeaderElection = new() { LeaderElect = false },
            HorizontalPodAutoscalerSyncPeriod = TimeSpan.FromSeconds(2),
        });
        _manager = Task.Run(() => manager.RunAsync(_stop.Token));
        _scheduler = await FakeScheduler.StartAsync(Server.NewClient());
        _kubelet = await FakeKubelet.StartAsync(Server.NewClient(), [Node]);
        Directory.CreateDirectory(Home);
        await File.WriteAllTextAsync(Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {Server.HttpAddress}
            users:
            - name: test
              user:
                # MiniKube does not authenticate; the .NET client refuses a user without credentials.
                token: minikube
            contexts:
            - name: test
              context:
                cluster: test
                user: test
                namespace: default
            current-context: test
            """);
    }

    /// <summary>A namespace of the test's own, so tests do not see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..8];
        await Server.Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Home, Guid.NewGuid().ToString("N")[..6] + "-" + name);
        File.WriteAllText(path, text);
        return path;
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = Home;
        start.Environment["KUBECONFIG"] = Kubeconfig;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return start;
    }

    /// <summary>Runs kubectl to completion (bounded); the result carries exit code, stdout and stderr.</summary>
    public Task<KubectlResult> RunAsync(string[] args, string? stdin = null, IDictionary<string, string>? environment = null) =>
        RunAsync(StartInfo(args, environment), args, stdin);

    /// <summary>Runs another program (one that runs kubectl, such as script(1)) with kubectl's environment, to completion (bounded).</summary>
    public Task<KubectlResult> RunProgramAsync(string program, string[] args, string? stdin = null)
    {
        var start = StartInfo(args);
        start.FileName = program;
        return RunAsync(start, [program, .. args], stdin);
    }

    private static async Task<KubectlResult> RunAsync(ProcessStartInfo start, string[] args, string? stdin)
    {
        var output = await ProgramRunner.RunAsync(start, "kubectl " + string.Join(' ', args), TimeSpan.FromSeconds(90), stdin);
        return new KubectlResult(args, output.ExitCode, output.StandardOutput, output.StandardError);
    }

    /// <summary>Runs kubectl and asserts it exited 0.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.Describe());
        return result.Stdout;
    }

    public async Task DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }
        if (_scheduler is not null)
        {
            await _scheduler.DisposeAsync();
        }
        await _stop.CancelAsync();
        if (_manager is not null)
        {
            try
            {
                await _manager.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
        await Server.DisposeAsync();
        Directory.Delete(Home, recursive: true);
    }
}

public sealed record KubectlResult(string[] Args, int ExitCode, string Stdout, string Stderr)
{
    public string Describe() => new StringBuilder()
        .Append("kubectl ").AppendJoin(' ', Args).Append(" exited ").Append(ExitCode).AppendLine()
        .Append("stdout: ").AppendLine(Stdout)
        .Append("stderr: ").AppendLine(Stderr).ToString();
}
