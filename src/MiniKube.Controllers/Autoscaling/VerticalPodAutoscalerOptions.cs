namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// The VerticalPodAutoscaler's recommender and updater settings. Defaults are the Kubernetes autoscaler project's
/// (<c>--recommender-interval</c>, <c>--cpu-histogram-decay-half-life</c> / <c>--memory-histogram-decay-half-life</c>,
/// <c>--memory-aggregation-interval</c>, <c>--updater-interval</c>, <c>--min-replicas</c>, <c>--eviction-tolerance</c>).
/// </summary>
public sealed record VerticalPodAutoscalerOptions
{
    /// <summary>How often the recommender reads the metrics of each VPA's pods and refreshes its recommendation (Kubernetes: 1m).</summary>
    public TimeSpan RecommenderInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The histograms' decay half-life: a sample this old counts half as much as a new one (Kubernetes: 24h).</summary>
    public TimeSpan HistogramDecayHalfLife { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Memory peaks are kept one per interval (Kubernetes: 24h).</summary>
    public TimeSpan MemoryAggregationInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// CPU samples a container needs before it gets a recommendation. Kubernetes' recommender publishes from the first
    /// sample (its bounds are wide while the history is short), so the default is 1.
    /// </summary>
    public int MinSamples { get; init; } = 1;

    /// <summary>How often the updater checks each VPA's pods against the recommendation (Kubernetes: 1m).</summary>
    public TimeSpan UpdaterInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The updater leaves a target alone while it has fewer live pods than this, unless the VPA sets <c>updatePolicy.minReplicas</c> (Kubernetes: 2).</summary>
    public int MinReplicas { get; init; } = 2;

    /// <summary>The share of a target's replicas the updater may disrupt at once; at least one pod when all are ready (Kubernetes: 0.5).</summary>
    public double EvictionTolerance { get; init; } = 0.5;

    public int Workers { get; init; } = 2;

    /// <summary>Every problem with these settings, each naming the controller-manager flag to set.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (flag, value, example) in new[]
                 {
                     ("--vpa-recommender-interval", RecommenderInterval, "1m"), ("--vpa-histogram-decay-half-life", HistogramDecayHalfLife, "24h"),
                     ("--vpa-memory-aggregation-interval", MemoryAggregationInterval, "24h"), ("--vpa-updater-interval", UpdaterInterval, "1m"),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{flag} must be positive (e.g. {flag} {example}, Kubernetes' default)");
            }
        }
        if (MinSamples < 1)
        {
            problems.Add($"--vpa-min-samples must be at least 1 (got {MinSamples})");
        }
        if (MinReplicas < 1)
        {
            problems.Add($"--vpa-min-replicas must be at least 1 (got {MinReplicas}; Kubernetes' default is 2)");
        }
        if (EvictionTolerance is < 0 or > 1 || double.IsNaN(EvictionTolerance))
        {
            problems.Add($"--vpa-eviction-tolerance must be between 0 and 1 (got {EvictionTolerance}; Kubernetes' default is 0.5)");
        }
        if (Workers < 1)
        {
            problems.Add($"VPA workers must be at least 1 (got {Workers})");
        }
        return problems;
    }
}
