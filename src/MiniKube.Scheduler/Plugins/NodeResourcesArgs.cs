namespace MiniKube.Scheduler.Plugins;

/// <summary>A resource and its weight in a resource-based score.</summary>
public sealed record ResourceSpec(string Name, long Weight);

/// <summary>A point of RequestedToCapacityRatio's piecewise-linear shape: utilisation 0–100 → score 0–10.</summary>
public sealed record UtilizationShapePoint(int Utilization, int Score);

/// <summary>Names of NodeResourcesFit's scoring strategies.</summary>
public static class ScoringStrategyType
{
    public const string LeastAllocated = "LeastAllocated";
    public const string MostAllocated = "MostAllocated";
    public const string RequestedToCapacityRatio = "RequestedToCapacityRatio";
}

/// <summary>NodeResourcesFitArgs.scoringStrategy.</summary>
public sealed record ScoringStrategy
{
    public static readonly IReadOnlyList<ResourceSpec> DefaultResources = [new("cpu", 1), new("memory", 1)];

    public string Type { get; init; } = ScoringStrategyType.LeastAllocated;

    public IReadOnlyList<ResourceSpec> Resources { get; init; } = DefaultResources;

    /// <summary>RequestedToCapacityRatio only.</summary>
    public IReadOnlyList<UtilizationShapePoint> Shape { get; init; } = [];
}

/// <summary>NodeResourcesFitArgs, with upstream's defaults.</summary>
public sealed record NodeResourcesFitArgs
{
    /// <summary>Extended resources the fit check ignores (a device plugin accounts them elsewhere).</summary>
    public IReadOnlyList<string> IgnoredResources { get; init; } = [];

    /// <summary>Extended-resource prefixes (the part before '/') the fit check ignores.</summary>
    public IReadOnlyList<string> IgnoredResourceGroups { get; init; } = [];

    public ScoringStrategy ScoringStrategy { get; init; } = new();
}

/// <summary>NodeResourcesBalancedAllocationArgs.</summary>
public sealed record NodeResourcesBalancedAllocationArgs
{
    public IReadOnlyList<ResourceSpec> Resources { get; init; } = ScoringStrategy.DefaultResources;
}
