namespace MiniKube.Controllers.NodeLifecycle;

public sealed record NodeLifecycleOptions
{
    /// <summary><c>--node-monitor-grace-period</c>: a node whose heartbeat is older is unreachable (Ready=Unknown).</summary>
    public TimeSpan MonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary><c>--node-startup-grace-period</c>: the same, for a node that never reported a Ready condition.</summary>
    public TimeSpan StartupGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>--node-monitor-period</c>: how often every node's health is checked.</summary>
    public TimeSpan MonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);
}
