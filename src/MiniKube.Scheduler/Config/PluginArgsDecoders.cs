using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Scheduler.Plugins;

namespace MiniKube.Scheduler.Config;

/// <summary>
/// pluginConfig args of the in-tree plugins: decoded by the API library's strict decoder into their file shapes (below),
/// then validated with upstream's rules and wording.
/// </summary>
internal static class PluginArgsDecoders
{
    private static readonly string[] StrategyTypes =
        [ScoringStrategyType.LeastAllocated, ScoringStrategyType.MostAllocated, ScoringStrategyType.RequestedToCapacityRatio];

    public static object? NodeResourcesFit(JsonNode node, string path, List<FieldError> errors)
    {
        if (KubeSerializer.Decode<NodeResourcesFitArgsFile>(node, path, errors) is not { } args)
        {
            return null;
        }
        var result = new NodeResourcesFitArgs
        {
            IgnoredResources = args.IgnoredResources ?? [],
            IgnoredResourceGroups = args.IgnoredResourceGroups ?? [],
        };
        for (var i = 0; i < result.IgnoredResourceGroups.Count; i++)
        {
            if (result.IgnoredResourceGroups[i].Contains('/', StringComparison.Ordinal))
            {
                errors.Add(FieldError.Invalid($"{path}.ignoredResourceGroups[{i}]", result.IgnoredResourceGroups[i], "resource group name can't contain '/'"));
            }
        }
        if (args.ScoringStrategy is not { } s)
        {
            return result;
        }
        var strategyPath = $"{path}.scoringStrategy";
        var type = s.Type ?? ScoringStrategyType.LeastAllocated;
        if (Array.IndexOf(StrategyTypes, type) < 0)
        {
            errors.Add(FieldError.NotSupported($"{strategyPath}.type", type, StrategyTypes));
        }
        var resources = s.Resources is { } r ? Resources(r, $"{strategyPath}.resources", maxWeight: 100, errors) : ScoringStrategy.DefaultResources;
        IReadOnlyList<UtilizationShapePoint> shape = [];
        if (type == ScoringStrategyType.RequestedToCapacityRatio)
        {
            shape = Shape(s.RequestedToCapacityRatio?.Shape, $"{strategyPath}.requestedToCapacityRatio.shape", errors);
        }
        return result with { ScoringStrategy = new ScoringStrategy { Type = type, Resources = resources, Shape = shape } };
    }

    public static object? BalancedAllocation(JsonNode node, string path, List<FieldError> errors) =>
        KubeSerializer.Decode<BalancedAllocationArgsFile>(node, path, errors) is { } args
            ? new NodeResourcesBalancedAllocationArgs
            {
                Resources = args.Resources is { } r ? Resources(r, $"{path}.resources", maxWeight: 100, errors) : ScoringStrategy.DefaultResources,
            }
            : null;

    public static object? NodeAffinity(JsonNode node, string path, List<FieldError> errors)
    {
        if (KubeSerializer.Decode<NodeAffinityArgsFile>(node, path, errors) is { AddedAffinity: not null })
        {
            errors.Add(SchedulerConfigLoader.Problem($"{path}.addedAffinity", "not supported by MiniKube"));
        }
        return null;
    }

    public static object? InterPodAffinity(JsonNode node, string path, List<FieldError> errors)
    {
        if (KubeSerializer.Decode<InterPodAffinityArgsFile>(node, path, errors) is not { } args)
        {
            return null;
        }
        var weight = args.HardPodAffinityWeight ?? 1;
        if (weight is < 0 or > 100)
        {
            errors.Add(FieldError.Invalid($"{path}.hardPodAffinityWeight", weight, "not in valid range [0, 100]"));
        }
        return new InterPodAffinityArgs
        {
            HardPodAffinityWeight = (int)Math.Clamp(weight, 0, 100),
            IgnorePreferredTermsOfExistingPods = args.IgnorePreferredTermsOfExistingPods ?? false,
        };
    }

    public static object? PodTopologySpread(JsonNode node, string path, List<FieldError> errors)
    {
        if (KubeSerializer.Decode<PodTopologySpreadArgsFile>(node, path, errors) is not { } args)
        {
            return null;
        }
        var defaulting = args.DefaultingType ?? TopologySpreadDefaulting.System;
        if (defaulting is not (TopologySpreadDefaulting.System or TopologySpreadDefaulting.List))
        {
            errors.Add(FieldError.NotSupported($"{path}.defaultingType", defaulting, [TopologySpreadDefaulting.System, TopologySpreadDefaulting.List]));
        }
        var constraints = new List<TopologySpreadConstraint>();
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < (args.DefaultConstraints?.Count ?? 0); i++)
        {
            var item = args.DefaultConstraints![i];
            var itemPath = $"{path}.defaultConstraints[{i}]";
            var maxSkew = item.MaxSkew ?? 0;
            if (maxSkew <= 0)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.maxSkew", maxSkew, "must be greater than zero"));
            }
            var key = item.TopologyKey ?? "";
            if (key.Length == 0)
            {
                errors.Add(FieldError.Required($"{itemPath}.topologyKey"));
            }
            var when = item.WhenUnsatisfiable ?? "";
            if (when is not ("DoNotSchedule" or "ScheduleAnyway"))
            {
                errors.Add(FieldError.NotSupported($"{itemPath}.whenUnsatisfiable", when, ["DoNotSchedule", "ScheduleAnyway"]));
            }
            if (item.LabelSelector is not null)
            {
                errors.Add(FieldError.Forbidden($"{itemPath}.labelSelector", "constraint must not define a selector, as they deduced for each pod"));
            }
            if (!seen.Add((key, when)))
            {
                errors.Add(FieldError.Duplicate(itemPath, $"{{{key}, {when}}}"));
            }
            constraints.Add(new TopologySpreadConstraint { MaxSkew = (int)Math.Clamp(maxSkew, 0, int.MaxValue), TopologyKey = key, WhenUnsatisfiable = when });
        }
        if (defaulting == TopologySpreadDefaulting.System && constraints.Count > 0)
        {
            errors.Add(FieldError.Invalid($"{path}.defaultingType", defaulting, "when .defaultConstraints are not empty, .defaultingType must be \"List\""));
        }
        return new PodTopologySpreadArgs { DefaultingType = defaulting, DefaultConstraints = constraints };
    }

    private static IReadOnlyList<ResourceSpec> Resources(IReadOnlyList<ResourceFile> list, string path, long maxWeight, List<FieldError> errors)
    {
        var result = new List<ResourceSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var name = list[i].Name;
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(FieldError.Required($"{itemPath}.name"));
                continue;
            }
            if (!seen.Add(name))
            {
                errors.Add(FieldError.Duplicate($"{itemPath}.name", name));
            }
            var weight = list[i].Weight ?? 1;
            if (weight < 1 || weight > maxWeight)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.weight", weight, $"resource weight of {name} not in valid range [1, {maxWeight}]"));
            }
            result.Add(new ResourceSpec(name, weight));
        }
        return result;
    }

    private static IReadOnlyList<UtilizationShapePoint> Shape(IReadOnlyList<ShapePointFile>? shape, string path, List<FieldError> errors)
    {
        var points = new List<UtilizationShapePoint>();
        for (var i = 0; i < (shape?.Count ?? 0); i++)
        {
            var itemPath = $"{path}[{i}]";
            var u = shape![i].Utilization ?? 0;
            var s = shape[i].Score ?? 0;
            if (u is < 0 or > 100)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.utilization", u, "not in valid range [0, 100]"));
            }
            else if (points.Count > 0 && u <= points[^1].Utilization)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.utilization", u, "utilization values must be sorted in increasing order"));
            }
            if (s is < 0 or > 10)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.score", s, "not in valid range [0, 10]"));
            }
            points.Add(new UtilizationShapePoint((int)Math.Clamp(u, int.MinValue, int.MaxValue), (int)Math.Clamp(s, int.MinValue, int.MaxValue)));
        }
        if (points.Count == 0)
        {
            errors.Add(FieldError.Required(path));
        }
        return points;
    }

    // The args as written (upstream's kubescheduler.config.k8s.io/v1 field names); apiVersion and kind may be given.

    private sealed record NodeResourcesFitArgsFile
    {
        public string? ApiVersion { get; init; }

        public string? Kind { get; init; }

        public IReadOnlyList<string>? IgnoredResources { get; init; }

        public IReadOnlyList<string>? IgnoredResourceGroups { get; init; }

        public ScoringStrategyFile? ScoringStrategy { get; init; }
    }

    private sealed record ScoringStrategyFile
    {
        public string? Type { get; init; }

        public IReadOnlyList<ResourceFile>? Resources { get; init; }

        public RequestedToCapacityRatioFile? RequestedToCapacityRatio { get; init; }
    }

    private sealed record RequestedToCapacityRatioFile
    {
        public IReadOnlyList<ShapePointFile>? Shape { get; init; }
    }

    private sealed record ShapePointFile
    {
        public long? Utilization { get; init; }

        public long? Score { get; init; }
    }

    private sealed record ResourceFile
    {
        public string? Name { get; init; }

        public long? Weight { get; init; }
    }

    private sealed record BalancedAllocationArgsFile
    {
        public string? ApiVersion { get; init; }

        public string? Kind { get; init; }

        public IReadOnlyList<ResourceFile>? Resources { get; init; }
    }

    private sealed record NodeAffinityArgsFile
    {
        public string? ApiVersion { get; init; }

        public string? Kind { get; init; }

        public JsonNode? AddedAffinity { get; init; }
    }

    private sealed record InterPodAffinityArgsFile
    {
        public string? ApiVersion { get; init; }

        public string? Kind { get; init; }

        public long? HardPodAffinityWeight { get; init; }

        public bool? IgnorePreferredTermsOfExistingPods { get; init; }
    }

    private sealed record PodTopologySpreadArgsFile
    {
        public string? ApiVersion { get; init; }

        public string? Kind { get; init; }

        public IReadOnlyList<DefaultConstraintFile>? DefaultConstraints { get; init; }

        public string? DefaultingType { get; init; }
    }

    private sealed record DefaultConstraintFile
    {
        public long? MaxSkew { get; init; }

        public string? TopologyKey { get; init; }

        public string? WhenUnsatisfiable { get; init; }

        public JsonNode? LabelSelector { get; init; }

        public long? MinDomains { get; init; }

        public IReadOnlyList<string>? MatchLabelKeys { get; init; }

        public string? NodeAffinityPolicy { get; init; }

        public string? NodeTaintsPolicy { get; init; }
    }
}
