using MiniKube.Client;
using MiniKube.Controllers.Autoscaling;

namespace MiniKube.Controllers;

/// <summary>The controller manager's settings; each property is a command-line flag of minikube-controller-manager.</summary>
public sealed record ControllerManagerOptions
{
    /// <summary><c>--server</c>: the API server's gRPC address.</summary>
    public string Server { get; init; } = ClientConfig.DefaultServer;

    /// <summary>Token, client certificate and CA for the API server (<c>--token</c>, <c>--client-certificate</c>/<c>--client-key</c>, <c>--certificate-authority</c>).</summary>
    public ClientCredentials Credentials { get; init; } = ClientCredentials.None;

    /// <summary><c>--controllers</c>: <c>*</c> for every controller, names to enable, <c>-name</c> to disable (<c>*,-nodelifecycle</c>).</summary>
    public string Controllers { get; init; } = "*";

    /// <summary>The Lease the controller managers contend for.</summary>
    public const string DefaultLeaseName = "minikube-controller-manager";

    /// <summary>The <c>--leader-elect*</c> flags; its identity (host name + random suffix by default) is who this process is.</summary>
    public LeaderElectionOptions LeaderElection { get; init; } = new() { LeaseName = DefaultLeaseName };

    /// <summary><c>--kube-api-qps</c>: requests per second to the API server once the burst is spent; 0 (the default) does
    /// not throttle, where Kubernetes' controller manager defaults to 20.</summary>
    public double KubeApiQps { get; init; }

    /// <summary><c>--kube-api-burst</c>: requests sent at once before <see cref="KubeApiQps"/> applies (Kubernetes: 30).</summary>
    public int KubeApiBurst { get; init; } = 30;

    /// <summary>The throttle <see cref="KubeApiQps"/> and <see cref="KubeApiBurst"/> ask for; null when not throttled.</summary>
    public RequestThrottle? CreateThrottle(TimeProvider time) => KubeApiQps > 0 ? new RequestThrottle(KubeApiQps, KubeApiBurst, time) : null;

    public int ConcurrentReplicaSetSyncs { get; init; } = 5;

    public int ConcurrentDeploymentSyncs { get; init; } = 5;

    public int ConcurrentGcSyncs { get; init; } = 20;

    public int ConcurrentNamespaceSyncs { get; init; } = 10;

    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    public TimeSpan NodeStartupGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan NodeMonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>--node-eviction-rate</c>: nodes per second that get NoExecute taints in a healthy zone.</summary>
    public double NodeEvictionRate { get; init; } = 0.1;

    /// <summary><c>--secondary-node-eviction-rate</c>: the same in a large zone in partial disruption.</summary>
    public double SecondaryNodeEvictionRate { get; init; } = 0.01;

    /// <summary><c>--unhealthy-zone-threshold</c>: the share of not-Ready nodes (more than 2) that puts a zone in partial disruption.</summary>
    public double UnhealthyZoneThreshold { get; init; } = 0.55;

    /// <summary><c>--large-cluster-size-threshold</c>: zones with more nodes keep evicting (slowly) in partial disruption.</summary>
    public int LargeClusterSizeThreshold { get; init; } = 50;

    /// <summary>How often every ReplicaSet and Deployment is synced even without a change (0 = never).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How soon a terminating namespace with content left is checked again.</summary>
    public TimeSpan NamespaceSyncPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>--horizontal-pod-autoscaler-sync-period</c>: how often each HorizontalPodAutoscaler is synced.</summary>
    public TimeSpan HorizontalPodAutoscalerSyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>--horizontal-pod-autoscaler-tolerance</c>: usage ratios within this of 1.0 do not rescale.</summary>
    public double HorizontalPodAutoscalerTolerance { get; init; } = 0.1;

    /// <summary><c>--horizontal-pod-autoscaler-cpu-initialization-period</c>: after a pod starts, CPU samples are trusted only once it is ready for a whole window.</summary>
    public TimeSpan HorizontalPodAutoscalerCpuInitializationPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>--horizontal-pod-autoscaler-initial-readiness-delay</c>: readiness flips this soon after start mean "never ready yet".</summary>
    public TimeSpan HorizontalPodAutoscalerInitialReadinessDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>--horizontal-pod-autoscaler-downscale-stabilization</c>: scale-downs use the highest recommendation of this window.</summary>
    public TimeSpan HorizontalPodAutoscalerDownscaleStabilization { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>--vpa-*</c> flags: the VerticalPodAutoscaler's recommender and updater.</summary>
    public VerticalPodAutoscalerOptions Vpa { get; init; } = new();

    /// <summary>Every problem with these options, each saying which flag to set and how.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ClientConfig.ServerProblem(Server) is not null)
        {
            problems.Add($"--server: \"{Server}\" is not a URL such as {ClientConfig.DefaultServer} (or set {ClientConfig.ServerEnvironmentVariable})");
        }
        if (ControllerSelection.TryParse(Controllers, out _) is { } error)
        {
            problems.Add("--controllers: " + error);
        }
        problems.AddRange(LeaderElection.Validate());
        if (KubeApiQps < 0 || double.IsNaN(KubeApiQps) || double.IsInfinity(KubeApiQps))
        {
            problems.Add($"--kube-api-qps must be a number of requests per second, 0 for no throttle (got {KubeApiQps})");
        }
        if (KubeApiBurst < 1)
        {
            problems.Add($"--kube-api-burst must be at least 1 (got {KubeApiBurst})");
        }
        foreach (var (flag, value) in new[]
                 {
                     ("--concurrent-replicaset-syncs", ConcurrentReplicaSetSyncs), ("--concurrent-deployment-syncs", ConcurrentDeploymentSyncs),
                     ("--concurrent-gc-syncs", ConcurrentGcSyncs), ("--concurrent-namespace-syncs", ConcurrentNamespaceSyncs),
                 })
        {
            if (value < 1)
            {
                problems.Add($"{flag} must be at least 1 (got {value})");
            }
        }
        foreach (var (flag, value) in new[]
                 {
                     ("--node-monitor-grace-period", NodeMonitorGracePeriod), ("--node-startup-grace-period", NodeStartupGracePeriod),
                     ("--node-monitor-period", NodeMonitorPeriod), ("--namespace-sync-period", NamespaceSyncPeriod),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{flag} must be positive (e.g. {flag} 40s)");
            }
        }
        if (NodeEvictionRate < 0 || SecondaryNodeEvictionRate < 0)
        {
            problems.Add("--node-eviction-rate and --secondary-node-eviction-rate must not be negative (nodes per second, e.g. 0.1)");
        }
        if (UnhealthyZoneThreshold is <= 0 or > 1)
        {
            problems.Add($"--unhealthy-zone-threshold must be in (0, 1] (got {UnhealthyZoneThreshold})");
        }
        if (LargeClusterSizeThreshold < 0)
        {
            problems.Add($"--large-cluster-size-threshold must not be negative (got {LargeClusterSizeThreshold})");
        }
        if (HorizontalPodAutoscalerSyncPeriod <= TimeSpan.Zero)
        {
            problems.Add("--horizontal-pod-autoscaler-sync-period must be positive (e.g. --horizontal-pod-autoscaler-sync-period 15s)");
        }
        if (HorizontalPodAutoscalerTolerance is < 0 or >= 1 || double.IsNaN(HorizontalPodAutoscalerTolerance))
        {
            problems.Add($"--horizontal-pod-autoscaler-tolerance must be at least 0 and below 1 (got {HorizontalPodAutoscalerTolerance}; Kubernetes' default is 0.1)");
        }
        foreach (var (flag, value) in new[]
                 {
                     ("--horizontal-pod-autoscaler-cpu-initialization-period", HorizontalPodAutoscalerCpuInitializationPeriod),
                     ("--horizontal-pod-autoscaler-initial-readiness-delay", HorizontalPodAutoscalerInitialReadinessDelay),
                     ("--horizontal-pod-autoscaler-downscale-stabilization", HorizontalPodAutoscalerDownscaleStabilization),
                 })
        {
            if (value < TimeSpan.Zero)
            {
                problems.Add($"{flag} must not be negative");
            }
        }
        problems.AddRange(Vpa.Validate());
        if (ResyncPeriod < TimeSpan.Zero)
        {
            problems.Add("--resync-period must not be negative (0 turns periodic resyncs off)");
        }
        return problems;
    }
}
