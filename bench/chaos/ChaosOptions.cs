namespace MiniKube.Bench.Chaos;

/// <summary>
/// How long to inject faults, how often, and how long convergence may take afterwards. <see cref="MinFaults"/> stretches the
/// fault phase (to at most three times <see cref="Duration"/>) when restarts are slow, as on a busy machine where a cold API
/// server takes 10-30 s to come back, so a short run still injects the faults it is meant to.
/// </summary>
public sealed record ChaosOptions(TimeSpan Duration, TimeSpan FaultInterval, TimeSpan ConvergenceTimeout, int Seed, int Deployments = 3, int MaxReplicas = 12,
    int MaxSurge = 2, int ControlPlanes = 1, bool DockerNode = false, int MinFaults = 0)
{
    public TimeSpan MaxDuration => MinFaults > 0 ? Duration * 3 : Duration;

    /// <summary>One node of real containers, with less churn than three hollow nodes take (a pod start costs Docker ~0.5 s).</summary>
    public ChaosOptions OnDockerNode() => this with { DockerNode = true, Deployments = 2, MaxReplicas = 4 };

    public string? Validate() =>
        Duration <= TimeSpan.Zero ? "--duration must be positive"
        : FaultInterval <= TimeSpan.Zero ? "--fault-interval must be positive"
        : ConvergenceTimeout <= TimeSpan.Zero ? "--converge-timeout must be positive"
        : MinFaults < 0 ? "--min-faults must not be negative"
        : Deployments < 1 ? "--deployments must be at least 1"
        : ControlPlanes is not (1 or 3) ? "--control-planes must be 1 or 3"
        : null;
}
