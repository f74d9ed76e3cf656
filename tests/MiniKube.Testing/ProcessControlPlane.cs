using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// A one-control-plane cluster of real processes for fault tests: a private etcd, minikube-apiserver on fixed free ports
/// (so a restarted one is at the same address), minikube-controller-manager, minikube-scheduler and one minikube-kubelet
/// running hollow nodes (the simulated runtime). Each can be killed with SIGKILL and restarted. The caller's build output
/// must hold the component programs (reference MiniKube.Cli, whose output carries them all).
/// </summary>
public sealed partial class ProcessControlPlane : IAsyncDisposable
{
    private readonly string _rootDir;

    private ProcessControlPlane(EtcdServer etcd, string grpcAddress, string rootDir)
    {
        Etcd = etcd;
        GrpcAddress = grpcAddress;
        _rootDir = rootDir;
        Client = new MiniKubeClient(grpcAddress);
    }

    public EtcdServer Etcd { get; }

    public string GrpcAddress { get; }

    public MiniKubeClient Client { get; }

    public RestartableComponent ApiServer { get; private set; } = null!;

    public RestartableComponent ControllerManager { get; private set; } = null!;

    public RestartableComponent Scheduler { get; private set; } = null!;

    public RestartableComponent Kubelet { get; private set; } = null!;

    /// <summary>The hollow nodes' names: <c>hollow-0</c> … </summary>
    public IReadOnlyList<string> NodeNames { get; private set; } = [];

    /// <summary>Every process of the control plane and the node agent, in start order.</summary>
    public IReadOnlyList<RestartableComponent> Components => [ApiServer, ControllerManager, Scheduler, Kubelet];

    public static async Task<ProcessControlPlane> StartAsync(int nodes = 3, IReadOnlyList<string>? controllerManagerArguments = null,
        CancellationToken cancellationToken = default)
    {
        var etcd = await EtcdServer.StartAsync(cancellationToken).ConfigureAwait(false);
        var root = Path.Combine(Environment.GetEnvironmentVariable(EtcdServer.TempRootVariable) is { Length: > 0 } r ? r : Path.GetTempPath(),
            "minikube-faults-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var grpcPort = FreePort.Get();
        var httpPort = FreePort.Get();
        var server = $"http://127.0.0.1:{Invariant(grpcPort)}";
        var plane = new ProcessControlPlane(etcd, server, root);
        try
        {
            plane.ApiServer = await RestartableComponent.StartAsync("apiserver", "minikube-apiserver",
                ["--etcd-servers", etcd.ClientUrl, "--port", Invariant(httpPort), "--grpc-port", Invariant(grpcPort), "--etcd-startup-timeout", "30"],
                ApiServerReady(), cancellationToken).ConfigureAwait(false);
            plane.ControllerManager = await RestartableComponent.StartAsync("controller-manager", "minikube-controller-manager",
                ["--server", server, "--leader-elect=false", .. controllerManagerArguments ?? []], ControllersRunning(), cancellationToken).ConfigureAwait(false);
            plane.Scheduler = await RestartableComponent.StartAsync("scheduler", "minikube-scheduler",
                ["--server", server, "--leader-elect=false"], SchedulerStarted(), cancellationToken).ConfigureAwait(false);
            plane.Kubelet = await RestartableComponent.StartAsync("kubelet", "minikube-kubelet",
                ["--server", server, "--node-name", "hollow", "--runtime", "simulated", "--simulate-nodes", Invariant(nodes), "--port", "0",
                 "--root-dir", Path.Combine(root, "kubelet"), "--simulated-start-delay", "20ms"],
                KubeletRunning(), cancellationToken).ConfigureAwait(false);
            plane.NodeNames = [.. Enumerable.Range(0, nodes).Select(i => "hollow-" + Invariant(i))];
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
        foreach (var component in new[] { Kubelet, Scheduler, ControllerManager, ApiServer })
        {
            if (component is not null)
            {
                await component.DisposeAsync().ConfigureAwait(false);
            }
        }
        await Etcd.DisposeAsync().ConfigureAwait(false);
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

    [GeneratedRegex(@"serving gRPC on (http://\S+),")]
    private static partial Regex ApiServerReady();

    [GeneratedRegex(@"is leading; running controllers")]
    private static partial Regex ControllersRunning();

    [GeneratedRegex(@"minikube-scheduler: using API server")]
    private static partial Regex SchedulerStarted();

    [GeneratedRegex(@"Kubelet running for node\(s\)")]
    private static partial Regex KubeletRunning();
}
