using MiniKube.Api;
using MiniKube.Scheduler.Plugins;

namespace MiniKube.Scheduler.Config;

/// <summary>pluginConfig args of the in-tree plugins, decoded and validated with upstream's rules and wording.</summary>
internal static class PluginArgsDecoders
{
    private static readonly string[] StrategyTypes =
        [ScoringStrategyType.LeastAllocated, ScoringStrategyType.MostAllocated, ScoringStrategyType.RequestedToCapacityRatio];

    public static object? NodeResourcesFit(ConfigNode args)
    {
        args.AllowOnly("apiVersion", "kind", "ignoredResources", "ignoredResourceGroups", "scoringStrategy");
        var result = new NodeResourcesFitArgs
        {
            IgnoredResources = args.Strings("ignoredResources"),
            IgnoredResourceGroups = args.Strings("ignoredResourceGroups"),
        };
        foreach (var (group, i) in result.IgnoredResourceGroups.Select((g, i) => (g, i)))
        {
            if (group.Contains('/', StringComparison.Ordinal))
            {
                args.Errors.Invalid($"{args.Path}.ignoredResourceGroups[{i}]", group, "resource group name can't contain '/'");
            }
        }
        if (args.Get("scoringStrategy") is not { } s || !s.ExpectMap())
        {
            return result;
        }
        s.AllowOnly("type", "resources", "requestedToCapacityRatio");
        var type = s.String("type") ?? ScoringStrategyType.LeastAllocated;
        if (Array.IndexOf(StrategyTypes, type) < 0)
        {
            args.Errors.NotSupported($"{s.Path}.type", type, StrategyTypes);
        }
        var resources = s.Get("resources") is { } r ? Resources(r, maxWeight: 100) : ScoringStrategy.DefaultResources;
        IReadOnlyList<UtilizationShapePoint> shape = [];
        if (type == ScoringStrategyType.RequestedToCapacityRatio)
        {
            shape = Shape(s);
        }
        return result with { ScoringStrategy = new ScoringStrategy { Type = type, Resources = resources, Shape = shape } };
    }

    public static object? BalancedAllocation(ConfigNode args)
    {
        args.AllowOnly("apiVersion", "kind", "resources");
        return new NodeResourcesBalancedAllocationArgs
        {
            Resources = args.Get("resources") is { } r ? Resources(r, maxWeight: 100) : ScoringStrategy.DefaultResources,
        };
    }

    public static object? NodeAffinity(ConfigNode args)
    {
        args.AllowOnly("apiVersion", "kind", "addedAffinity");
        if (args.Get("addedAffinity") is { } added)
        {
            args.Errors.Add(added.Path, "not supported by MiniKube");
        }
        return null;
    }

    public static object? InterPodAffinity(ConfigNode args)
    {
        args.AllowOnly("apiVersion", "kind", "hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods");
        var weight = args.Integer("hardPodAffinityWeight") ?? 1;
        if (weight is < 0 or > 100)
        {
            args.Errors.Invalid($"{args.Path}.hardPodAffinityWeight", weight, "not in valid range [0, 100]");
        }
        return new InterPodAffinityArgs
        {
            HardPodAffinityWeight = (int)Math.Clamp(weight, 0, 100),
            IgnorePreferredTermsOfExistingPods = args.Boolean("ignorePreferredTermsOfExistingPods") ?? false,
        };
    }

    public static object? PodTopologySpread(ConfigNode args)
    {
        args.AllowOnly("apiVersion", "kind", "defaultConstraints", "defaultingType");
        var defaulting = args.String("defaultingType") ?? TopologySpreadDefaulting.System;
        if (defaulting is not (TopologySpreadDefaulting.System or TopologySpreadDefaulting.List))
        {
            args.Errors.NotSupported($"{args.Path}.defaultingType", defaulting, TopologySpreadDefaulting.System, TopologySpreadDefaulting.List);
        }
        var constraints = new List<TopologySpreadConstraint>();
        if (args.Get("defaultConstraints") is { } list)
        {
            var seen = new HashSet<(string, string)>();
            foreach (var item in list.Items())
            {
                if (!item.ExpectMap())
                {
                    continue;
                }
                item.AllowOnly("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains", "matchLabelKeys", "nodeAffinityPolicy", "nodeTaintsPolicy");
                var maxSkew = item.Integer("maxSkew") ?? 0;
                if (maxSkew <= 0)
                {
                    args.Errors.Invalid($"{item.Path}.maxSkew", maxSkew, "must be greater than zero");
                }
                var key = item.String("topologyKey") ?? "";
                if (key.Length == 0)
                {
                    args.Errors.Required($"{item.Path}.topologyKey");
                }
                var when = item.String("whenUnsatisfiable") ?? "";
                if (when is not ("DoNotSchedule" or "ScheduleAnyway"))
                {
                    args.Errors.NotSupported($"{item.Path}.whenUnsatisfiable", when, "DoNotSchedule", "ScheduleAnyway");
                }
                if (item.Get("labelSelector") is { } selector)
                {
                    args.Errors.Add(selector.Path, "Forbidden: constraint must not define a selector, as they deduced for each pod");
                }
                if (!seen.Add((key, when)))
                {
                    args.Errors.Duplicate($"{item.Path}", $"{{{key}, {when}}}");
                }
                constraints.Add(new TopologySpreadConstraint { MaxSkew = (int)maxSkew, TopologyKey = key, WhenUnsatisfiable = when });
            }
        }
        if (defaulting == TopologySpreadDefaulting.System && constraints.Count > 0)
        {
            args.Errors.Invalid($"{args.Path}.defaultingType", defaulting, "when .defaultConstraints are not empty, .defaultingType must be \"List\"");
        }
        return new PodTopologySpreadArgs { DefaultingType = defaulting, DefaultConstraints = constraints };
    }

    private static IReadOnlyList<ResourceSpec> Resources(ConfigNode list, long maxWeight)
    {
        var result = new List<ResourceSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items())
        {
            if (!item.ExpectMap())
            {
                continue;
            }
            item.AllowOnly("name", "weight");
            var name = item.String("name");
            if (string.IsNullOrEmpty(name))
            {
                list.Errors.Required($"{item.Path}.name");
                continue;
            }
            if (!seen.Add(name))
            {
                list.Errors.Duplicate($"{item.Path}.name", name);
            }
            var weight = item.Integer("weight") ?? 1;
            if (weight < 1 || weight > maxWeight)
            {
                list.Errors.Invalid($"{item.Path}.weight", weight, $"resource weight of {name} not in valid range [1, {maxWeight}]");
            }
            result.Add(new ResourceSpec(name, weight));
        }
        return result;
    }

    private static IReadOnlyList<UtilizationShapePoint> Shape(ConfigNode strategy)
    {
        var shapePath = $"{strategy.Path}.requestedToCapacityRatio.shape";
        var shapeNode = strategy.Get("requestedToCapacityRatio")?.Get("shape");
        if (shapeNode is null)
        {
            strategy.Errors.Required(shapePath);
            return [];
        }
        strategy.Get("requestedToCapacityRatio")!.AllowOnly("shape");
        var points = new List<UtilizationShapePoint>();
        foreach (var item in shapeNode.Items())
        {
            if (!item.ExpectMap())
            {
                continue;
            }
            item.AllowOnly("utilization", "score");
            var u = item.Integer("utilization") ?? 0;
            var s = item.Integer("score") ?? 0;
            if (u is < 0 or > 100)
            {
                strategy.Errors.Invalid($"{item.Path}.utilization", u, "not in valid range [0, 100]");
            }
            else if (points.Count > 0 && u <= points[^1].Utilization)
            {
                strategy.Errors.Invalid($"{item.Path}.utilization", u, "utilization values must be sorted in increasing order");
            }
            if (s is < 0 or > 10)
            {
                strategy.Errors.Invalid($"{item.Path}.score", s, "not in valid range [0, 10]");
            }
            points.Add(new UtilizationShapePoint((int)u, (int)s));
        }
        if (points.Count == 0)
        {
            strategy.Errors.Required(shapePath);
        }
        return points;
    }
}
