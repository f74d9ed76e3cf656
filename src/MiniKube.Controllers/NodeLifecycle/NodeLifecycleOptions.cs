namespace MiniKube.Controllers.NodeLifecycle;

public sealed record NodeLifecycleOptions
{
    /// <summary><c>--node-monitor-grace-period</c>: a node whose heartbeat is older is unreachable (Ready=Unknown).</summary>
    public TimeSpan MonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary><c>--node-startup-grace-period</c>: the same, for a node that never reported a Ready condition.</summary>
    public TimeSpan StartupGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>--node-monitor-period</c>: how often every node's health is checked.</summary>
    public TimeSpan MonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>--node-eviction-rate</c>: nodes per second that get NoExecute taints in a healthy zone.</summary>
    public double NodeEvictionRate { get; init; } = 0.1;

    /// <summary><c>--secondary-node-eviction-rate</c>: the same in a large zone in partial disruption.</summary>
    public double SecondaryNodeEvictionRate { get; init; } = 0.01;

    /// <summary><c>--unhealthy-zone-threshold</c>: the share of not-Ready nodes (more than 2) that puts a zone in partial disruption.</summary>
    public double UnhealthyZoneThreshold { get; init; } = 0.55;

    /// <summary><c>--large-cluster-size-threshold</c>: zones with more nodes keep evicting (slowly) in partial disruption.</summary>
    public int LargeClusterSizeThreshold { get; init; } = 50;
}
