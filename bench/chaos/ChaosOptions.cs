namespace MiniKube.Bench.Chaos;

/// <summary>How long to inject faults, how often, and how long convergence may take afterwards.</summary>
public sealed record ChaosOptions(TimeSpan Duration, TimeSpan FaultInterval, TimeSpan ConvergenceTimeout, int Seed, int Deployments = 3, int MaxReplicas = 12,
    int MaxSurge = 2, int ControlPlanes = 1, bool DockerNode = false)
{
    /// <summary>One node of real containers, with less churn than three hollow nodes take (a pod start costs Docker ~0.5 s).</summary>
    public ChaosOptions OnDockerNode() => this with { DockerNode = true, Deployments = 2, MaxReplicas = 4 };

    public string? Validate() =>
        Duration <= TimeSpan.Zero ? "--duration must be positive"
        : FaultInterval <= TimeSpan.Zero ? "--fault-interval must be positive"
        : ConvergenceTimeout <= TimeSpan.Zero ? "--converge-timeout must be positive"
        : Deployments < 1 ? "--deployments must be at least 1"
        : ControlPlanes is not (1 or 3) ? "--control-planes must be 1 or 3"
        : null;
}
