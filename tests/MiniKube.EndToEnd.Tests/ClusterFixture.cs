using MiniKube.Cli;
using MiniKube.Cluster;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>The result of one in-process minictl run.</summary>
public sealed record MinictlResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// A real cluster for a test collection (or, through a subclass, a test class): <c>minictl cluster up --nodes 3</c> (run in-process, the components as real
/// processes from this test's build output) in a temporary MINIKUBE_HOME under a unique cluster name, and
/// <c>cluster down --purge</c> at the end — with a fallback that kills whatever the state still names and removes the
/// nodes' containers, also when bring-up failed half-way.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly IReadOnlyList<string> _upArguments;
    private MiniKubeClient? _client;

    public ClusterFixture()
        : this(3, [])
    {
    }

    /// <summary>A cluster of <paramref name="nodeCount"/> nodes, brought up with these extra <c>cluster up</c> arguments.</summary>
    protected ClusterFixture(int nodeCount, IReadOnlyList<string> upArguments)
    {
        var root = Environment.GetEnvironmentVariable(EtcdServer.TempRootVariable) is { Length: > 0 } r ? r : Path.GetTempPath();
        var id = Guid.NewGuid().ToString("N")[..8];
        Home = Path.Combine(root, "minikube-e2e-" + id);
        Name = "e2e-" + id;
        NodeCount = nodeCount;
        _upArguments = upArguments;
    }

    public int NodeCount { get; }

    /// <summary>The MINIKUBE_HOME of this cluster.</summary>
    public string Home { get; }

    /// <summary>The cluster name; nodes are <c>&lt;name&gt;-node-1</c> …</summary>
    public string Name { get; }

    /// <summary>Whether Docker is here at all (tests are <see cref="DockerFactAttribute"/>s and skip otherwise).</summary>
    public bool Available => DockerCli.IsAvailable || Environment.GetEnvironmentVariable(DockerCli.RequireDockerVariable) == "1";

    public string UpOutput { get; private set; } = "";

    public ClusterState State => new ClusterStateStore(ClusterHome).Load() ?? throw new InvalidOperationException("no cluster state in " + Home);

    public ClusterHome ClusterHome => new(Home, Path.Combine(Home, "config"));

    /// <summary>The admin's credentials from the cluster's PKI (the API servers serve TLS and authenticate).</summary>
    public ClientCredentials AdminCredentials => ClusterHome.Pki.AdminCredentials();

    public MiniKubeClient Client => _client ?? throw new InvalidOperationException("the cluster is not up");

    public IReadOnlyList<string> NodeNames => [.. Enumerable.Range(1, NodeCount).Select(i => $"{Name}-node-{i}")];

    public async Task InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        var up = await MinictlAsync(["cluster", "up", "--nodes", NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", Name, "--wait", "3m",
            .. _upArguments]).ConfigureAwait(false);
        if (up.ExitCode != 0)
        {
            var logs = LogTails();
            await TearDownAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"minictl cluster up failed: {up}\n{logs}");
        }
        UpOutput = up.Output;
        _client = new MiniKubeClient(State.ServerUrl, AdminCredentials);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (Available)
        {
            await TearDownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs minictl in-process against this cluster's MINIKUBE_HOME.</summary>
    public async Task<MinictlResult> MinictlAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new MinictlApp(TextWriter.Synchronized(output), TextWriter.Synchronized(error), Variable);
        using var timeout = new CancellationTokenSource(CommandTimeout);
        var code = await app.RunAsync(args, timeout.Token).ConfigureAwait(false);
        return new MinictlResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The last lines of every component's log, for failure messages.</summary>
    public string LogTails()
    {
        var logs = Path.Combine(Home, "logs");
        if (!Directory.Exists(logs))
        {
            return "(no logs)";
        }
        return string.Join('\n', Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal)
            .Select(f => $"--- {Path.GetFileName(f)}\n{LogTail.LastLines(f, 0, 20)}"));
    }

    private string? Variable(string name) => name switch
    {
        "MINIKUBE_HOME" => Home,
        "MINIKUBE_SERVER" or "MINIKUBE_CONFIG" => null,
        // cluster up adds the cluster to kubectl's kubeconfig: never the real ~/.kube/config.
        "KUBECONFIG" => Path.Combine(Home, "kubeconfig"),
        _ => Environment.GetEnvironmentVariable(name),
    };

    private async Task TearDownAsync()
    {
        try
        {
            await MinictlAsync("cluster", "down", "--purge").ConfigureAwait(false);
        }
        finally
        {
            // Whatever survived a failed down: the processes the state names, and the nodes' containers.
            if (new ClusterStateStore(ClusterHome).Load() is { } state)
            {
                foreach (var component in state.Components)
                {
                    DetachedProcess.KillNow(component.Pid, component.StartTicks);
                }
            }
            foreach (var node in NodeNames)
            {
                await DockerCli.RemoveContainersWithLabelAsync($"{DockerEngine.NodeLabel}={node}").ConfigureAwait(false);
            }
            if (Directory.Exists(Home))
            {
                Directory.Delete(Home, recursive: true);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
