using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// A cluster of real processes for fault tests: a private etcd, minikube-apiserver on fixed free ports (so a restarted one
/// is at the same address), minikube-controller-manager, minikube-scheduler and one minikube-kubelet running hollow nodes
/// (the simulated runtime). With three control planes, etcd is a three-member cluster and there are three API servers,
/// each on all members, and every client is given all three servers (one controller-manager and one scheduler still:
/// leader election has its own tests). Each process can be killed with SIGKILL and restarted. The caller's build output
/// must hold the component programs (reference MiniKube.Cli, whose output carries them all).
/// </summary>
public sealed partial class ProcessControlPlane : IAsyncDisposable
{
    private readonly string _rootDir;

    private ProcessControlPlane(IReadOnlyList<EtcdServer> etcd, string grpcAddress, string rootDir)
    {
        EtcdMembers = etcd;
        GrpcAddress = grpcAddress;
        _rootDir = rootDir;
        Client = new MiniKubeClient(grpcAddress);
    }

    /// <summary>The first etcd member (the only one of a one-control-plane cluster).</summary>
    public EtcdServer Etcd => EtcdMembers[0];

    public IReadOnlyList<EtcdServer> EtcdMembers { get; }

    /// <summary>Every member's client URL, comma-separated (as <c>--etcd-servers</c> takes them).</summary>
    public string EtcdEndpoints => string.Join(',', EtcdMembers.Select(m => m.ClientUrl));

    /// <summary>The API servers' gRPC URLs, comma-separated (as <c>--server</c> takes them).</summary>
    public string GrpcAddress { get; }

    public MiniKubeClient Client { get; }

    /// <summary>The first API server (the only one of a one-control-plane cluster).</summary>
    public RestartableComponent ApiServer => ApiServers[0];

    public IReadOnlyList<RestartableComponent> ApiServers { get; private set; } = [];

    public RestartableComponent ControllerManager { get; private set; } = null!;

    public RestartableComponent Scheduler { get; private set; } = null!;

    public RestartableComponent Kubelet { get; private set; } = null!;

    /// <summary>The Docker node's name, when the kubelet runs one.</summary>
    public string? DockerNode { get; private init; }

    /// <summary>The nodes' names: <c>hollow-0</c> …, or the Docker node's.</summary>
    public IReadOnlyList<string> NodeNames { get; private set; } = [];

    /// <summary>Every process of the control plane and the node agent but etcd, in start order.</summary>
    public IReadOnlyList<RestartableComponent> Components => [.. ApiServers, ControllerManager, Scheduler, Kubelet];

    /// <param name="dockerNode">Instead of <paramref name="nodes"/> hollow nodes, one node of that name on the real Docker
    /// engine (its containers are removed again on dispose).</param>
    public static async Task<ProcessControlPlane> StartAsync(int nodes = 3, IReadOnlyList<string>? controllerManagerArguments = null,
        int controlPlanes = 1, string? dockerNode = null, CancellationToken cancellationToken = default)
    {
        if (controlPlanes is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(controlPlanes), controlPlanes, "1 or 3 control planes");
        }
        var etcd = await EtcdServer.StartClusterAsync(controlPlanes, [], cancellationToken).ConfigureAwait(false);
        var root = Path.Combine(Environment.GetEnvironmentVariable(EtcdServer.TempRootVariable) is { Length: > 0 } r ? r : Path.GetTempPath(),
            "minikube-faults-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var ports = Enumerable.Range(0, controlPlanes).Select(_ => (Grpc: FreePort.Get(), Http: FreePort.Get())).ToList();
        var server = string.Join(',', ports.Select(p => $"http://127.0.0.1:{Invariant(p.Grpc)}"));
        var plane = new ProcessControlPlane(etcd, server, root) { DockerNode = dockerNode };
        try
        {
            var apiServers = new List<RestartableComponent>();
            foreach (var (port, index) in ports.Select((p, i) => (p, i)))
            {
                apiServers.Add(await RestartableComponent.StartAsync(controlPlanes == 1 ? "apiserver" : "apiserver-" + Invariant(index + 1), "minikube-apiserver",
                    ["--etcd-servers", plane.EtcdEndpoints, "--port", Invariant(port.Http), "--grpc-port", Invariant(port.Grpc), "--etcd-startup-timeout", "30"],
                    ApiServerReady(), cancellationToken).ConfigureAwait(false));
                plane.ApiServers = apiServers;
            }
            plane.ControllerManager = await RestartableComponent.StartAsync("controller-manager", "minikube-controller-manager",
                ["--server", server, "--leader-elect=false", .. controllerManagerArguments ?? []], ControllersRunning(), cancellationToken).ConfigureAwait(false);
            plane.Scheduler = await RestartableComponent.StartAsync("scheduler", "minikube-scheduler",
                ["--server", server, "--leader-elect=false"], SchedulerStarted(), cancellationToken).ConfigureAwait(false);
            string[] node = dockerNode is null
                ? ["--node-name", "hollow", "--runtime", "simulated", "--simulate-nodes", Invariant(nodes), "--simulated-start-delay", "20ms"]
                : ["--node-name", dockerNode];
            plane.Kubelet = await RestartableComponent.StartAsync("kubelet", "minikube-kubelet",
                ["--server", server, .. node, "--port", "0", "--root-dir", Path.Combine(root, "kubelet")],
                KubeletRunning(), cancellationToken).ConfigureAwait(false);
            plane.NodeNames = dockerNode is null ? [.. Enumerable.Range(0, nodes).Select(i => "hollow-" + Invariant(i))] : [dockerNode];
            return plane;
        }
        catch
        {
            await plane.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A failure message's tail: every component's recent output.</summary>
    public string RecentOutput() => string.Join('\n', Components.Where(c => c is not null).Select(c => $"--- {c.Name}\n{c.RecentOutput}"));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var component in new[] { Kubelet, Scheduler, ControllerManager }.Concat(ApiServers))
        {
            if (component is not null)
            {
                await component.DisposeAsync().ConfigureAwait(false);
            }
        }
        foreach (var member in EtcdMembers)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }
        if (DockerNode is not null)
        {
            await DockerCli.RemoveContainersWithLabelAsync("io.minikube.node=" + DockerNode).ConfigureAwait(false);
        }
        try
        {
            Directory.Delete(_rootDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the run directory's sweep removes it.
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"serving gRPC on (https?://\S+),")]
    private static partial Regex ApiServerReady();

    [GeneratedRegex(@"is leading; running controllers")]
    private static partial Regex ControllersRunning();

    [GeneratedRegex(@"minikube-scheduler: using API server")]
    private static partial Regex SchedulerStarted();

    [GeneratedRegex(@"Kubelet running for node\(s\)")]
    private static partial Regex KubeletRunning();
}
