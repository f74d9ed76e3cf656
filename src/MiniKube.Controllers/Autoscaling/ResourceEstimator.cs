namespace MiniKube.Controllers.Autoscaling;

/// <summary>An estimate for one container: CPU in cores, memory in bytes.</summary>
public readonly record struct ResourceEstimate(double Cores, double Bytes)
{
    public ResourceEstimate Scale(double factor) => new(Cores * factor, Bytes * factor);
}

/// <summary>The three estimates the recommender publishes before capping.</summary>
public readonly record struct ContainerEstimates(ResourceEstimate Target, ResourceEstimate LowerBound, ResourceEstimate UpperBound);

/// <summary>
/// The VPA recommender's estimators: target at the 90th percentile of CPU and memory peaks, lower bound at the 50th,
/// upper at the 95th; each plus the 15 % safety margin and at least the pod minimum (25m CPU, 250 MiB, shared by the
/// pod's containers); the bounds widened while there is little history — upper × (1 + 1/confidence), lower ×
/// (1 + 0.001/confidence)^−2 — confidence being the history's length in days, or its sample count over one a minute for
/// a day, whichever is smaller.
/// </summary>
public static class ResourceEstimator
{
    public const double TargetPercentile = 0.9;
    public const double LowerBoundPercentile = 0.5;
    public const double UpperBoundPercentile = 0.95;
    public const double SafetyMargin = 0.15;
    public const double PodMinCores = 0.025;
    public const double PodMinBytes = 250 * 1024 * 1024;

    public static ContainerEstimates Estimate(ContainerUsage usage, int containersInPod)
    {
        var share = 1.0 / Math.Max(1, containersInPod);
        var minimum = new ResourceEstimate(PodMinCores * share, PodMinBytes * share);
        ResourceEstimate At(double percentile)
        {
            var raw = new ResourceEstimate(usage.Cpu.Percentile(percentile), usage.Memory.Percentile(percentile)).Scale(1 + SafetyMargin);
            return new ResourceEstimate(Math.Max(raw.Cores, minimum.Cores), Math.Max(raw.Bytes, minimum.Bytes));
        }
        var confidence = Confidence(usage);
        var upper = At(UpperBoundPercentile).Scale(confidence > 0 ? 1 + 1 / confidence : double.PositiveInfinity);
        var lower = At(LowerBoundPercentile).Scale(confidence > 0 ? Math.Pow(1 + 0.001 / confidence, -2) : 0);
        // The widened bounds still respect the pod minimum and never exceed what a double can print.
        return new ContainerEstimates(At(TargetPercentile),
            new ResourceEstimate(Math.Max(lower.Cores, minimum.Cores), Math.Max(lower.Bytes, minimum.Bytes)),
            new ResourceEstimate(Math.Min(upper.Cores, ExponentialBucketsMaxCores), Math.Min(upper.Bytes, ExponentialBucketsMaxBytes)));
    }

    /// <summary>min(days of history, samples / (60 × 24)): a day of once-a-minute samples is confidence 1.</summary>
    public static double Confidence(ContainerUsage usage)
    {
        if (usage.FirstSample is not { } first || usage.LastSample is not { } last)
        {
            return 0;
        }
        var days = (last - first).TotalDays;
        return Math.Min(days, usage.TotalSamples / (60.0 * 24));
    }

    private const double ExponentialBucketsMaxCores = 1000;
    private const double ExponentialBucketsMaxBytes = 1e12;
}
