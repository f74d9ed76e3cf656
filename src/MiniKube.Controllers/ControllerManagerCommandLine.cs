using System.CommandLine;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Hosting;
using Serilog.Events;

namespace MiniKube.Controllers;

/// <summary>The controller manager's flags and their translation into <see cref="ControllerManagerOptions"/>; problems come back as one line each.</summary>
public static class ControllerManagerCommandLine
{
    public const string Name = "minikube-controller-manager";

    private static readonly ControllerManagerOptions Defaults = new();
    private static readonly Option<string?> Server = new("--server") { Description = $"API server gRPC address (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
    private static readonly ClientCredentialFlags Credentials = new();
    private static readonly Option<string> Controllers = new("--controllers")
    {
        Description = $"Controllers to run: * for all, name to enable, -name to disable (known: {string.Join(", ", ControllerSelection.Known)})",
        DefaultValueFactory = _ => Defaults.Controllers,
    };
    private static readonly LeaderElectionFlags LeaderElection = new(ControllerManagerOptions.DefaultLeaseName);
    private static readonly Option<double> KubeApiQps = Number("--kube-api-qps", Defaults.KubeApiQps,
        "Requests per second to the API server once the burst is spent; 0 does not throttle (Kubernetes: 20)");
    private static readonly Option<int> KubeApiBurst = Count("--kube-api-burst", Defaults.KubeApiBurst, "Requests sent at once before --kube-api-qps applies");
    private static readonly Option<int> ReplicaSetSyncs = Count("--concurrent-replicaset-syncs", Defaults.ConcurrentReplicaSetSyncs, "ReplicaSets synced at once");
    private static readonly Option<int> DeploymentSyncs = Count("--concurrent-deployment-syncs", Defaults.ConcurrentDeploymentSyncs, "Deployments synced at once");
    private static readonly Option<int> GcSyncs = Count("--concurrent-gc-syncs", Defaults.ConcurrentGcSyncs, "Garbage collector workers");
    private static readonly Option<int> NamespaceSyncs = Count("--concurrent-namespace-syncs", Defaults.ConcurrentNamespaceSyncs, "Namespaces synced at once");
    private static readonly Option<string> MonitorGrace = Duration("--node-monitor-grace-period", Defaults.NodeMonitorGracePeriod, "A node silent for longer is marked unreachable (Ready=Unknown)");
    private static readonly Option<string> StartupGrace = Duration("--node-startup-grace-period", Defaults.NodeStartupGracePeriod, "The same, for a node that never reported Ready");
    private static readonly Option<string> MonitorPeriod = Duration("--node-monitor-period", Defaults.NodeMonitorPeriod, "How often node health is checked");
    private static readonly Option<double> EvictionRate = Number("--node-eviction-rate", Defaults.NodeEvictionRate, "Nodes per second that get NoExecute taints in a healthy zone");
    private static readonly Option<double> SecondaryRate = Number("--secondary-node-eviction-rate", Defaults.SecondaryNodeEvictionRate, "The same in a large zone in partial disruption");
    private static readonly Option<double> UnhealthyZone = Number("--unhealthy-zone-threshold", Defaults.UnhealthyZoneThreshold, "Share of not-Ready nodes (more than 2) that puts a zone in partial disruption");
    private static readonly Option<int> LargeCluster = Count("--large-cluster-size-threshold", Defaults.LargeClusterSizeThreshold, "Zones with more nodes keep evicting (slowly) in partial disruption");
    private static readonly Option<string> Resync = Duration("--resync-period", Defaults.ResyncPeriod, "Periodic full resync of ReplicaSets and Deployments (0 = off)");
    private static readonly Option<string> NamespacePeriod = Duration("--namespace-sync-period", Defaults.NamespaceSyncPeriod, "How soon a terminating namespace with content left is checked again");
    private static readonly Option<string> HpaSync = Duration("--horizontal-pod-autoscaler-sync-period", Defaults.HorizontalPodAutoscalerSyncPeriod, "How often each HorizontalPodAutoscaler is synced");
    private static readonly Option<double> HpaTolerance = Number("--horizontal-pod-autoscaler-tolerance", Defaults.HorizontalPodAutoscalerTolerance, "Usage ratios within this of 1.0 do not rescale");
    private static readonly Option<string> HpaCpuInit = Duration("--horizontal-pod-autoscaler-cpu-initialization-period", Defaults.HorizontalPodAutoscalerCpuInitializationPeriod,
        "After a pod starts, its CPU samples count only once it has been ready for a whole metrics window");
    private static readonly Option<string> HpaReadiness = Duration("--horizontal-pod-autoscaler-initial-readiness-delay", Defaults.HorizontalPodAutoscalerInitialReadinessDelay,
        "Readiness changes this soon after a pod starts mean it has never been ready");
    private static readonly Option<string> HpaDownscale = Duration("--horizontal-pod-autoscaler-downscale-stabilization", Defaults.HorizontalPodAutoscalerDownscaleStabilization,
        "Scale-downs follow the highest recommendation within this window");
    private static readonly Option<string> VpaRecommenderInterval = Duration("--vpa-recommender-interval", Defaults.Vpa.RecommenderInterval,
        "How often the VPA recommender reads each VPA's pod metrics and refreshes its recommendation (Kubernetes: 1m)");
    private static readonly Option<string> VpaHalfLife = Duration("--vpa-histogram-decay-half-life", Defaults.Vpa.HistogramDecayHalfLife,
        "Age at which a usage sample counts half in the VPA recommender's CPU and memory histograms (Kubernetes: 24h)");
    private static readonly Option<string> VpaMemoryInterval = Duration("--vpa-memory-aggregation-interval", Defaults.Vpa.MemoryAggregationInterval,
        "The VPA recommender keeps one memory peak per container per interval (Kubernetes: 24h)");
    private static readonly Option<int> VpaMinSamples = Count("--vpa-min-samples", Defaults.Vpa.MinSamples,
        "CPU samples a container needs before the VPA recommender recommends for it (Kubernetes recommends from the first: 1)");
    private static readonly Option<string> VpaUpdaterInterval = Duration("--vpa-updater-interval", Defaults.Vpa.UpdaterInterval,
        "How often the VPA updater checks each VPA's pods against the recommendation (Kubernetes: 1m)");
    private static readonly Option<int> VpaMinReplicas = Count("--vpa-min-replicas", Defaults.Vpa.MinReplicas,
        "The VPA updater leaves a target with fewer live pods alone unless the VPA sets updatePolicy.minReplicas (Kubernetes: 2)");
    private static readonly Option<double> VpaEvictionTolerance = Number("--vpa-eviction-tolerance", Defaults.Vpa.EvictionTolerance,
        "Share of a target's replicas the VPA updater may disrupt at once, at least one (Kubernetes: 0.5)");
    private static readonly Option<string> LogLevel = new("--log-level") { Description = string.Join(", ", ComponentLogging.LevelNames), DefaultValueFactory = _ => "Information" };

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("minikube-controller-manager: replicaset, deployment, garbagecollector, nodelifecycle, taint-eviction, podgc, namespace, endpointslice, endpoint, horizontalpodautoscaling, vpa-recommender and vpa-updater controllers")
        {
            Server, Controllers, KubeApiQps, KubeApiBurst, ReplicaSetSyncs, DeploymentSyncs, GcSyncs, NamespaceSyncs,
            MonitorGrace, StartupGrace, MonitorPeriod, Resync, NamespacePeriod, EvictionRate, SecondaryRate, UnhealthyZone, LargeCluster,
            HpaSync, HpaTolerance, HpaCpuInit, HpaReadiness, HpaDownscale,
            VpaRecommenderInterval, VpaHalfLife, VpaMemoryInterval, VpaMinSamples, VpaUpdaterInterval, VpaMinReplicas, VpaEvictionTolerance, LogLevel,
        };
        foreach (var option in LeaderElection.All.Concat(Credentials.All))
        {
            root.Options.Add(option);
        }
        return root;
    }

    /// <summary>The <c>--log-level</c> (checked by <see cref="ToOptions"/>).</summary>
    public static LogEventLevel GetLogLevel(ParseResult parse) =>
        ComponentLogging.TryParseLevel(parse.GetValue(LogLevel), out var level) ? level : LogEventLevel.Information;

    /// <summary>Options from a parse; the problems (each one line, saying what to set) when the flags do not make sense.</summary>
    public static (ControllerManagerOptions? Options, IReadOnlyList<string> Problems) ToOptions(ParseResult parse)
    {
        var problems = new List<string>();
        TimeSpan D(Option<string> option) => GoDuration.ParseFlag(option.Name, parse.GetValue(option), problems);
        var options = new ControllerManagerOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(Server)),
            Credentials = Credentials.Bind(parse, problems),
            Controllers = parse.GetValue(Controllers)!,
            LeaderElection = LeaderElection.Bind(parse, problems),
            KubeApiQps = parse.GetValue(KubeApiQps),
            KubeApiBurst = parse.GetValue(KubeApiBurst),
            ConcurrentReplicaSetSyncs = parse.GetValue(ReplicaSetSyncs),
            ConcurrentDeploymentSyncs = parse.GetValue(DeploymentSyncs),
            ConcurrentGcSyncs = parse.GetValue(GcSyncs),
            ConcurrentNamespaceSyncs = parse.GetValue(NamespaceSyncs),
            NodeMonitorGracePeriod = D(MonitorGrace),
            NodeStartupGracePeriod = D(StartupGrace),
            NodeMonitorPeriod = D(MonitorPeriod),
            NodeEvictionRate = parse.GetValue(EvictionRate),
            SecondaryNodeEvictionRate = parse.GetValue(SecondaryRate),
            UnhealthyZoneThreshold = parse.GetValue(UnhealthyZone),
            LargeClusterSizeThreshold = parse.GetValue(LargeCluster),
            ResyncPeriod = D(Resync),
            NamespaceSyncPeriod = D(NamespacePeriod),
            HorizontalPodAutoscalerSyncPeriod = D(HpaSync),
            HorizontalPodAutoscalerTolerance = parse.GetValue(HpaTolerance),
            HorizontalPodAutoscalerCpuInitializationPeriod = D(HpaCpuInit),
            HorizontalPodAutoscalerInitialReadinessDelay = D(HpaReadiness),
            HorizontalPodAutoscalerDownscaleStabilization = D(HpaDownscale),
            Vpa = new Autoscaling.VerticalPodAutoscalerOptions
            {
                RecommenderInterval = D(VpaRecommenderInterval),
                HistogramDecayHalfLife = D(VpaHalfLife),
                MemoryAggregationInterval = D(VpaMemoryInterval),
                MinSamples = parse.GetValue(VpaMinSamples),
                UpdaterInterval = D(VpaUpdaterInterval),
                MinReplicas = parse.GetValue(VpaMinReplicas),
                EvictionTolerance = parse.GetValue(VpaEvictionTolerance),
            },
        };
        if (ComponentLogging.LevelProblem(parse.GetValue(LogLevel)) is { } levelProblem)
        {
            problems.Add(levelProblem);
        }
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    private static Option<string> Duration(string name, TimeSpan value, string description) =>
        new(name) { Description = description + " (a Go duration)", DefaultValueFactory = _ => GoDuration.Format(value) };

    private static Option<int> Count(string name, int value, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };

    private static Option<double> Number(string name, double value, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };
}
