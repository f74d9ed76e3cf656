using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Api;

namespace MiniKube.Cluster;

/// <summary>What a component list is made from: the cluster's settings, its files and where the programs are.</summary>
/// <param name="DockerEndpoint">The Docker engine <c>cluster up</c> checked (<c>DOCKER_HOST</c> or the default socket): the kubelets drive the same one.</param>
public sealed record ClusterLayout(ClusterState State, ClusterHome Home, ComponentBinaries Binaries, string EtcdExecutable,
    string DockerEndpoint = DockerEngine.DefaultEndpoint);

/// <summary>
/// The processes of a local cluster, in start order. Each entry of <see cref="Catalog"/> turns the layout into zero or more
/// components, so a new kind of component (a proxy or DNS per node, …) is one more entry.
/// </summary>
public static partial class ClusterComponents
{
    public const string Etcd = "etcd";
    public const string ApiServer = "apiserver";
    public const string Scheduler = "scheduler";
    public const string ControllerManager = "controller-manager";
    public const string Kubelet = "kubelet";
    public const string Proxy = "proxy";
    public const string Dashboard = "dashboard";

    public const string ApiServerAssembly = "minikube-apiserver";
    public const string SchedulerAssembly = "minikube-scheduler";
    public const string ControllerManagerAssembly = "minikube-controller-manager";
    public const string KubeletAssembly = "minikube-kubelet";
    public const string ProxyAssembly = "minikube-proxy";
    public const string DashboardAssembly = "minikube-dashboard";

    /// <summary>The .NET components' assemblies, which must be in the bin directory.</summary>
    public static readonly IReadOnlyList<string> Assemblies = [ApiServerAssembly, SchedulerAssembly, ControllerManagerAssembly, KubeletAssembly, ProxyAssembly, DashboardAssembly];

    /// <summary>
    /// Runtime settings for every .NET component: workstation GC (one small heap instead of one per core; the API server,
    /// controller-manager and kubelet default to server GC), non-concurrent GC (no background GC thread), memory
    /// conservation and no tiered-PGO instrumentation — a local cluster's processes idle most of the time, so footprint
    /// matters more than throughput. <c>MALLOC_ARENA_MAX=2</c> keeps glibc from giving each thread that mallocs (the runtime's
    /// own native allocations) an arena of its own: about 2 MiB less per process. bench/cluster measures what they bring
    /// (docs/benchmarks.md).
    /// A variable already set in minictl's environment wins over these.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DotnetEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_gcConcurrent"] = "0",
        ["DOTNET_GCConserveMemory"] = "5",
        ["DOTNET_TieredPGO"] = "0",
        ["MALLOC_ARENA_MAX"] = "2",
    };

    private static readonly Func<ClusterLayout, IEnumerable<ComponentSpec>>[] Catalog =
    [
        EtcdComponent,
        ApiServerComponent,
        SchedulerComponent,
        ControllerManagerComponent,
        ProxyComponent,
        Kubelets,
        DashboardComponent,
    ];

    public static IReadOnlyList<ComponentSpec> For(ClusterLayout layout) => [.. Catalog.SelectMany(entry => entry(layout))];

    /// <summary>The kubelet component's name for <paramref name="node"/>.</summary>
    public static string KubeletName(string node) => Kubelet + "-" + node;

    private static IEnumerable<ComponentSpec> EtcdComponent(ClusterLayout layout)
    {
        var state = layout.State;
        if (!state.ManagedEtcd)
        {
            yield break;
        }
        var client = ClusterState.Loopback(state.EtcdClientPort);
        var peer = ClusterState.Loopback(state.EtcdPeerPort);
        yield return new ComponentSpec
        {
            Name = Etcd,
            Role = Etcd,
            Command =
            [
                layout.EtcdExecutable,
                "--name", state.Name,
                "--data-dir", layout.Home.EtcdDataDirectory,
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", state.Name + "=" + peer,
                "--initial-cluster-state", "new",
                // Nothing else compacts this etcd: keep an hour of history. Fewer raft entries in memory than 3.4's default.
                "--auto-compaction-mode", "periodic",
                "--auto-compaction-retention", "1h",
                "--snapshot-count", "10000",
                "--logger", "zap",
                "--log-outputs", "stderr",
            ],
            LogFile = layout.Home.LogFile(Etcd),
            Ports = [new(state.EtcdClientPort, "etcd client"), new(state.EtcdPeerPort, "etcd peer")],
            Readiness = new HttpCheck(client + "/health"),
            Health = new HttpCheck(client + "/health"),
            Endpoint = client,
            StopWave = 3,
            DataDirectories = [layout.Home.EtcdDataDirectory],
        };
    }

    private static IEnumerable<ComponentSpec> ApiServerComponent(ClusterLayout layout)
    {
        var state = layout.State;
        var readyz = new HttpCheck(state.ApiHttpUrl + "/readyz");
        yield return new ComponentSpec
        {
            Name = ApiServer,
            Role = ApiServer,
            // The API server waits for etcd itself (--etcd-startup-timeout), so both start at once.
            Command = DotnetCommand(layout, ApiServerAssembly, ApiServer,
                "--etcd-servers", state.EtcdEndpoints,
                "--port", Invariant(state.ApiHttpPort),
                "--grpc-port", Invariant(state.ApiGrpcPort),
                "--etcd-startup-timeout", "30"),
            Environment = DotnetEnvironment,
            LogFile = layout.Home.LogFile(ApiServer),
            Ports = [new(state.ApiGrpcPort, "API server gRPC"), new(state.ApiHttpPort, "API server HTTP")],
            Readiness = readyz,
            Health = readyz,
            Endpoint = $"{state.ServerUrl} (gRPC), {state.ApiHttpUrl} (HTTP)",
            StopWave = 2,
        };
    }

    private static IEnumerable<ComponentSpec> SchedulerComponent(ClusterLayout layout)
    {
        yield return ControlLoop(layout, Scheduler, SchedulerAssembly, new LogLineCheck(SchedulerStarted(), "it serves"));
    }

    private static IEnumerable<ComponentSpec> ControllerManagerComponent(ClusterLayout layout)
    {
        yield return ControlLoop(layout, ControllerManager, ControllerManagerAssembly, new LogLineCheck(ControllersRunning(), "its controllers run"));
    }

    /// <summary>The scheduler or the controller manager: a client of the API server, ready once its log says so.</summary>
    private static ComponentSpec ControlLoop(ClusterLayout layout, string name, string assembly, LogLineCheck readiness) => new()
    {
        Name = name,
        Role = name,
        // One instance: no leader election, so a restarted component works at once instead of waiting out the old lease.
        Command = DotnetCommand(layout, assembly, name, "--server", layout.State.ServerUrl, "--leader-elect=false"),
        Environment = DotnetEnvironment,
        LogFile = layout.Home.LogFile(name),
        After = [ApiServer],
        Readiness = readiness,
        Health = RunningCheck.Instance,
        StopWave = 1,
    };

    /// <summary>
    /// One minikube-proxy for the host (it serves every kubelet here: they share the Docker bridge and iptables). It runs as
    /// the first node, needs root (iptables, a bridge, a route), and publishes kube-system/kube-dns.
    /// </summary>
    private static IEnumerable<ComponentSpec> ProxyComponent(ClusterLayout layout)
    {
        var proxy = ProxyIdentity.For(layout.State.Name);
        yield return new ComponentSpec
        {
            Name = Proxy,
            Role = Proxy,
            Command = DotnetCommand(layout, ProxyAssembly, Proxy, [.. proxy.Flags(layout.State.ServerUrl, layout.State.NodeName(1))]),
            Environment = DotnetEnvironment,
            LogFile = layout.Home.LogFile(Proxy),
            After = [ApiServer],
            Readiness = new LogLineCheck(ProxyRunning(), "its first iptables sync"),
            Health = RunningCheck.Instance,
            // After the kubelets, with the controllers; `cluster down` then removes its rules (minikube-proxy --cleanup).
            StopWave = 1,
        };
    }

    private static IEnumerable<ComponentSpec> Kubelets(ClusterLayout layout)
    {
        var proxy = ProxyIdentity.For(layout.State.Name);
        foreach (var node in layout.State.NodeNames)
        {
            var root = layout.Home.KubeletRootDirectory(node);
            var ready = new NodeReadyCheck(node);
            yield return new ComponentSpec
            {
                Name = KubeletName(node),
                Role = Kubelet,
                Node = node,
                Command = DotnetCommand(layout, KubeletAssembly, Kubelet,
                    "--server", layout.State.ServerUrl,
                    "--node-name", node,
                    "--port", "0",
                    "--root-dir", root,
                    "--docker-endpoint", layout.DockerEndpoint,
                    "--cluster-dns", proxy.ClusterDnsIP,
                    "--cluster-domain", WellKnownDns.ClusterDomain),
                Environment = DotnetEnvironment,
                LogFile = layout.Home.LogFile(KubeletName(node)),
                After = [ApiServer],
                Readiness = ready,
                Health = ready,
                StopWave = 0,
                DataDirectories = [root],
            };
        }
    }

    /// <summary>The web UI on 127.0.0.1, a client of the API server like the others.</summary>
    private static IEnumerable<ComponentSpec> DashboardComponent(ClusterLayout layout)
    {
        var state = layout.State;
        var healthz = new HttpCheck(state.DashboardUrl + "/healthz");
        yield return new ComponentSpec
        {
            Name = Dashboard,
            Role = Dashboard,
            Command = DotnetCommand(layout, DashboardAssembly, Dashboard,
                "--server", state.ServerUrl,
                "--listen", "127.0.0.1:" + Invariant(state.DashboardPort)),
            Environment = DotnetEnvironment,
            LogFile = layout.Home.LogFile(Dashboard),
            Ports = [new(state.DashboardPort, "dashboard")],
            After = [ApiServer],
            Readiness = healthz,
            Health = healthz,
            Endpoint = state.DashboardUrl,
            StopWave = 1,
        };
    }

    /// <summary>A .NET component's command line: its program, minictl's flags, then the user's --extra-config for its role.</summary>
    private static IReadOnlyList<string> DotnetCommand(ClusterLayout layout, string assembly, string role, params string[] flags) =>
        ExtraConfig.Apply([.. layout.Binaries.Command(assembly), .. flags], role, layout.State.ExtraConfig);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"minikube-scheduler: using API server")]
    private static partial Regex SchedulerStarted();

    [GeneratedRegex(@"minikube-proxy running for node")]
    private static partial Regex ProxyRunning();

    [GeneratedRegex(@"is leading; running controllers")]
    private static partial Regex ControllersRunning();
}
