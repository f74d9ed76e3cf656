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
    /// Environment for every .NET component. The runtime's own settings (workstation non-concurrent GC, memory conservation,
    /// no tiered PGO) ship in each component's runtimeconfig.json (Directory.Build.targets), so
    /// they hold however a component is started; what is left here is glibc's: <c>MALLOC_ARENA_MAX=2</c> keeps it from giving
    /// each thread that mallocs (the runtime's own native allocations) an arena of its own: about 2 MiB less per process.
    /// bench/cluster measures what they bring (docs/benchmarks.md).
    /// A variable already set in minictl's environment wins over these (and DOTNET_… variables over the runtimeconfig).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DotnetEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
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

    /// <summary>The API servers' <c>--authorization-mode</c>: kubelets get their rights from the Node authorizer (system:node is unbound, as in Kubernetes).</summary>
    public const string AuthorizationMode = "Node,RBAC";

    public static IReadOnlyList<ComponentSpec> For(ClusterLayout layout) => [.. Catalog.SelectMany(entry => entry(layout))];

    /// <summary>The kubelet component's name for <paramref name="node"/>.</summary>
    public static string KubeletName(string node) => Kubelet + "-" + node;

    /// <summary>
    /// One etcd member per control plane. Several members form one Raft cluster: each knows all peers
    /// (<c>--initial-cluster</c>) and they start together, since none is healthy before a majority runs.
    /// </summary>
    private static IEnumerable<ComponentSpec> EtcdComponent(ClusterLayout layout)
    {
        var state = layout.State;
        if (!state.ManagedEtcd)
        {
            yield break;
        }
        var members = state.ControlPlaneMembers;
        var pki = layout.Home.Pki;
        var initialCluster = string.Join(',', members.Select((m, i) => EtcdMemberName(state, i + 1) + "=" + ClusterState.SecureLoopback(m.EtcdPeerPort)));
        for (var index = 1; index <= members.Count; index++)
        {
            var member = members[index - 1];
            var name = ClusterState.MemberName(Etcd, index);
            var client = ClusterState.SecureLoopback(member.EtcdClientPort);
            var peer = ClusterState.SecureLoopback(member.EtcdPeerPort);
            var dataDirectory = layout.Home.EtcdMemberDataDirectory(index);
            yield return new ComponentSpec
            {
                Name = name,
                Role = Etcd,
                Command =
                [
                    layout.EtcdExecutable,
                    "--name", EtcdMemberName(state, index),
                    "--data-dir", dataDirectory,
                    "--listen-client-urls", client,
                    "--advertise-client-urls", client,
                    "--listen-peer-urls", peer,
                    "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-state", "new",
                    "--initial-cluster-token", state.Name,
                    // TLS on both ports, and only certificates of the cluster CA get in (the API servers', the peers').
                    "--cert-file", pki.EtcdServer.Certificate,
                    "--key-file", pki.EtcdServer.Key,
                    "--trusted-ca-file", pki.CaCertificate,
                    "--client-cert-auth",
                    "--peer-cert-file", pki.EtcdPeer.Certificate,
                    "--peer-key-file", pki.EtcdPeer.Key,
                    "--peer-trusted-ca-file", pki.CaCertificate,
                    "--peer-client-cert-auth",
                    // Nothing else compacts this etcd: keep an hour of history. Fewer raft entries in memory than 3.4's default.
                    "--auto-compaction-mode", "periodic",
                    "--auto-compaction-retention", "1h",
                    "--snapshot-count", "10000",
                    "--logger", "zap",
                    "--log-outputs", "stderr",
                ],
                LogFile = layout.Home.LogFile(name),
                Ports = [new(member.EtcdClientPort, "etcd client"), new(member.EtcdPeerPort, "etcd peer")],
                Readiness = new HttpCheck(client + "/health"),
                Health = new EtcdMemberCheck(client),
                Endpoint = client,
                StopWave = 3,
                DataDirectories = [dataDirectory],
            };
        }
    }

    /// <summary>Member 1 keeps the cluster's name (as before there were several); the others are <c>name-M</c>.</summary>
    private static string EtcdMemberName(ClusterState state, int member) => ClusterState.MemberName(state.Name, member);

    /// <summary>One API server per control plane, each over every etcd member (it fails over between them).</summary>
    private static IEnumerable<ComponentSpec> ApiServerComponent(ClusterLayout layout)
    {
        var state = layout.State;
        var pki = layout.Home.Pki;
        var members = state.ControlPlaneMembers;
        for (var index = 1; index <= members.Count; index++)
        {
            var member = members[index - 1];
            var name = ClusterState.MemberName(ApiServer, index);
            var http = ClusterState.SecureLoopback(member.ApiHttpPort);
            var readyz = new HttpCheck(http + "/readyz");
            yield return new ComponentSpec
            {
                Name = name,
                Role = ApiServer,
                // The API server waits for etcd itself (--etcd-startup-timeout), so both start at once.
                Command = DotnetCommand(layout, ApiServerAssembly, ApiServer,
                [
                    "--etcd-servers", state.EtcdEndpoints,
                    // A managed etcd serves TLS and wants a client certificate; an external one (--etcd-servers) is the user's.
                    .. state.ManagedEtcd
                        ? ["--etcd-cafile", pki.CaCertificate, "--etcd-certfile", pki.ApiServerEtcdClient.Certificate, "--etcd-keyfile", pki.ApiServerEtcdClient.Key]
                        : Array.Empty<string>(),
                    "--port", Invariant(member.ApiHttpPort),
                    "--grpc-port", Invariant(member.ApiGrpcPort),
                    // Pods reach the API through the kubernetes Service, whose endpoint is this address (docs/security.md).
                    .. PodGateway.ApiServerFlags(),
                    "--service-cluster-ip-range", ProxyIdentity.For(state.Name).ApiServerServiceRange,
                    "--etcd-startup-timeout", "30",
                    "--encryption-provider-config", layout.Home.EncryptionConfigFile,
                    // TLS on both ports, client certificates of the cluster CA, RBAC: no request without credentials
                    // gets further than /livez, /readyz, /healthz and /version.
                    "--tls-cert-file", pki.ApiServer.Certificate,
                    "--tls-private-key-file", pki.ApiServer.Key,
                    "--client-ca-file", pki.CaCertificate,
                    "--authorization-mode", AuthorizationMode,
                    "--kubelet-client-certificate", pki.ApiServerKubeletClient.Certificate,
                    "--kubelet-client-key", pki.ApiServerKubeletClient.Key,
                    "--kubelet-certificate-authority", pki.CaCertificate,
                    .. ServiceAccountKeyFiles.ApiServerFlags(layout.Home),
                ]),
                Environment = DotnetEnvironment,
                LogFile = layout.Home.LogFile(name),
                Ports = [new(member.ApiGrpcPort, "API server gRPC"), new(member.ApiHttpPort, "API server HTTP")],
                Readiness = readyz,
                Health = readyz,
                Endpoint = $"{ClusterState.SecureLoopback(member.ApiGrpcPort)} (gRPC), {http} (HTTP)",
                StopWave = 2,
            };
        }
    }

    private static IEnumerable<ComponentSpec> SchedulerComponent(ClusterLayout layout) =>
        ControlLoops(layout, Scheduler, SchedulerAssembly, layout.Home.Pki.Scheduler, new LogLineCheck(SchedulerStarted(), "it serves"));

    private static IEnumerable<ComponentSpec> ControllerManagerComponent(ClusterLayout layout) =>
        ControlLoops(layout, ControllerManager, ControllerManagerAssembly, layout.Home.Pki.ControllerManager, new LogLineCheck(ControllersStarted(), "its controllers run or it stands by"));

    /// <summary>
    /// The scheduler or the controller manager, one per control plane: a client of every API server, ready once its log says
    /// so. One instance runs without leader election, so a restarted component works at once instead of waiting out the old
    /// Lease. Several elect a leader on a Lease, each under its component name, so exactly one acts and <c>cluster status</c>
    /// can tell which.
    /// </summary>
    private static IEnumerable<ComponentSpec> ControlLoops(ClusterLayout layout, string role, string assembly, CertificatePair identity, LogLineCheck readiness)
    {
        var state = layout.State;
        for (var index = 1; index <= state.ControlPlanes; index++)
        {
            var name = ClusterState.MemberName(role, index);
            string[] election = state.ControlPlanes == 1 ? ["--leader-elect=false"] : ["--leader-elect=true", "--leader-elect-identity", name];
            yield return new ComponentSpec
            {
                Name = name,
                Role = role,
                Command = DotnetCommand(layout, assembly, role, ["--server", state.ServerUrl, .. layout.Home.Pki.ClientFlags(identity), .. election]),
                Environment = DotnetEnvironment,
                LogFile = layout.Home.LogFile(name),
                After = [ClusterState.MemberName(ApiServer, index)],
                Readiness = readiness,
                Health = state.ControlPlanes == 1 ? RunningCheck.Instance : new LeaseHolderCheck(role, name),
                StopWave = 1,
            };
        }
    }

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
            Command = DotnetCommand(layout, ProxyAssembly, Proxy,
                [.. proxy.Flags(layout.State.ServerUrl, layout.State.NodeName(1)), .. layout.Home.Pki.ClientFlags(layout.Home.Pki.Proxy)]),
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
                [
                    "--server", layout.State.ServerUrl,
                    .. layout.Home.Pki.ClientFlags(layout.Home.Pki.KubeletClient(node)),
                    "--node-name", node,
                    "--port", "0",
                    "--root-dir", root,
                    "--docker-endpoint", layout.DockerEndpoint,
                    "--cluster-dns", proxy.ClusterDnsIP,
                    "--cluster-domain", WellKnownDns.ClusterDomain,
                    // The kubelet's own API (exec, attach, logs, stats): https with its serving certificate, callers known by
                    // a certificate of the cluster CA or a token the API server vouches for, every call asked of the API
                    // server (SubjectAccessReview on nodes/proxy, nodes/log, nodes/stats).
                    "--tls-cert-file", layout.Home.Pki.KubeletServing(node).Certificate,
                    "--tls-private-key-file", layout.Home.Pki.KubeletServing(node).Key,
                    "--client-ca-file", layout.Home.Pki.CaCertificate,
                    "--authentication-token-webhook",
                    "--authorization-mode", "Webhook",
                ]),
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
            [
                "--server", state.ServerUrl,
                .. layout.Home.Pki.ClientFlags(layout.Home.Pki.Dashboard),
                "--listen", "127.0.0.1:" + Invariant(state.DashboardPort),
            ]),
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

    // A standby (leader election on, Lease held by another) says it is a candidate and waits.
    [GeneratedRegex(@"is leading; running controllers|is a candidate for lease")]
    private static partial Regex ControllersStarted();
}
