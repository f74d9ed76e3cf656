using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>How PodTopologySpread treats pods that declare no constraints.</summary>
public static class TopologySpreadDefaulting
{
    /// <summary>kube-scheduler's built-in defaults: spread by hostname (maxSkew 3) and zone (maxSkew 5), softly.</summary>
    public const string System = "System";

    /// <summary>Use <see cref="PodTopologySpreadArgs.DefaultConstraints"/>.</summary>
    public const string List = "List";
}

/// <summary>PodTopologySpreadArgs.</summary>
public sealed record PodTopologySpreadArgs
{
    public string DefaultingType { get; init; } = TopologySpreadDefaulting.System;

    /// <summary>With <see cref="TopologySpreadDefaulting.List"/>: constraints (without selectors) for pods that declare none.</summary>
    public IReadOnlyList<TopologySpreadConstraint> DefaultConstraints { get; init; } = [];
}

/// <summary>
/// Spreads matching pods evenly over topology domains (zones, hosts, …). DoNotSchedule constraints filter:
/// placing the pod in a domain must not make (its count − the smallest domain's count) exceed maxSkew.
/// ScheduleAnyway constraints score: fewer matching pods in the node's domains is better.
/// <para>
/// Pods without constraints get default ones. Upstream derives their selector from the Services and
/// ReplicaSets/StatefulSets that select the pod; MiniKube uses the pod's controlling owner instead (pods
/// with the same controller UID), which spreads each ReplicaSet's pods the same way without a Service
/// lister, and counts them from a per-node index instead of scanning pods. A pod without a controller gets
/// no default spreading, as upstream when nothing selects it.
/// </para>
/// </summary>
public sealed class PodTopologySpread : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, IScorePlugin, INormalizeScore, IEnqueueExtensions
{
    public const string ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
    public const string ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)";
    public const string HostnameLabel = WellKnownLabels.Hostname;
    public const string ZoneLabel = WellKnownLabels.Zone;

    private static readonly StateKey<FilterState> FilterKey = new("PreFilter" + PluginNames.PodTopologySpread);
    private static readonly StateKey<ScoreState> ScoreKey = new("PreScore" + PluginNames.PodTopologySpread);
    private static readonly FilterResult SkewExceeded = FilterResult.Unschedulable(ErrReasonConstraintsNotMatch);
    private static readonly FilterResult MissingLabel = FilterResult.UnschedulableAndUnresolvable(ErrReasonNodeLabelNotMatch);

    private static readonly TopologySpreadConstraint[] SystemDefaults =
    [
        new() { MaxSkew = 3, TopologyKey = HostnameLabel, WhenUnsatisfiable = "ScheduleAnyway" },
        new() { MaxSkew = 5, TopologyKey = ZoneLabel, WhenUnsatisfiable = "ScheduleAnyway" },
    ];

    private readonly bool _systemDefaulted;
    private readonly IReadOnlyList<TopologySpreadConstraint> _defaults;

    // Default constraints depend only on the owner; pods of one ReplicaSet come in bursts, so the last
    // owner's (immutable) constraints are kept and reused.
    private DefaultConstraints? _lastDefaults;

    public PodTopologySpread(PodTopologySpreadArgs? args = null)
    {
        args ??= new PodTopologySpreadArgs();
        _systemDefaulted = args.DefaultingType != TopologySpreadDefaulting.List;
        _defaults = _systemDefaulted ? SystemDefaults : args.DefaultConstraints;
    }

    public string Name => PluginNames.PodTopologySpread;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
    [
        new(EventResource.AssignedPod, ActionType.Add | ActionType.Delete | ActionType.UpdatePodLabel, "AssignedPod"),
        new(EventResource.Node, ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint, "Node"),
    ];

    public FilterResult PreFilter(CycleState state, Pod pod)
    {
        Constraint[] constraints;
        try
        {
            constraints = ConstraintsFor(state.PodInfo, hard: true);
        }
        catch (FormatException e)
        {
            return FilterResult.Error(e.Message);
        }
        if (constraints.Length == 0)
        {
            return FilterResult.Skip;
        }
        var affinity = RequiredNodeAffinity.Of(pod.Spec);
        var ns = state.PodInfo.Namespace;
        var counts = new Dictionary<string, int>?[constraints.Length];
        var hostMinimums = new int[constraints.Length];
        var eligibleNodes = 0;
        for (var i = 0; i < constraints.Length; i++)
        {
            if (!constraints[i].IsHostname)
            {
                counts[i] = new Dictionary<string, int>(StringComparer.Ordinal);
            }
            hostMinimums[i] = int.MaxValue;
        }
        // With only hostname constraints and no minDomains, nothing more is learned once every minimum is 0:
        // stop there instead of touching every node of a large cluster.
        var canStopEarly = constraints.All(c => c.IsHostname && c.MinDomains <= 1);
        foreach (var node in state.Snapshot.Nodes)
        {
            // nodeAffinityPolicy Honor (the default): only nodes the pod could land on form domains.
            if (!affinity.Matches(node.Name, node.Labels) || !HasAllKeys(node, constraints))
            {
                continue;
            }
            eligibleNodes++;
            if (canStopEarly && AllZero(hostMinimums))
            {
                break;
            }
            for (var i = 0; i < constraints.Length; i++)
            {
                var c = constraints[i];
                if (c.IsHostname)
                {
                    // Each node is its own domain: Filter counts the node it looks at, and only the minimum
                    // is needed here — which cannot go below 0, so counting stops at the first empty node.
                    if (hostMinimums[i] > 0)
                    {
                        hostMinimums[i] = Math.Min(hostMinimums[i], c.Matcher.CountOn(node, ns));
                    }
                    continue;
                }
                node.TryGetLabel(c.TopologyKey, out var value);
                counts[i]![value] = counts[i]!.GetValueOrDefault(value) + c.Matcher.CountOn(node, ns);
            }
        }
        var minimums = new int[constraints.Length];
        for (var i = 0; i < constraints.Length; i++)
        {
            var domains = counts[i]?.Count ?? eligibleNodes;
            // Fewer domains than minDomains: the missing domains count as empty, so the minimum is 0.
            if (domains == 0 || domains < constraints[i].MinDomains)
            {
                minimums[i] = 0;
            }
            else
            {
                minimums[i] = counts[i] is { } map ? map.Values.Min() : hostMinimums[i];
            }
        }
        state.Write(FilterKey, new FilterState(constraints, counts, minimums, SelfMatches(constraints, state.PodInfo)));
        return FilterResult.Success;
    }

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var s = state.Read(FilterKey);
        if (s is null)
        {
            return FilterResult.Success;
        }
        for (var i = 0; i < s.Constraints.Length; i++)
        {
            var c = s.Constraints[i];
            if (!node.TryGetLabel(c.TopologyKey, out var value))
            {
                return MissingLabel;
            }
            var matching = s.Counts[i] is { } counts ? counts.GetValueOrDefault(value) : c.Matcher.CountOn(node, state.PodInfo.Namespace);
            var skew = matching + s.SelfMatch[i] - s.Minimums[i];
            if (skew > c.MaxSkew)
            {
                return SkewExceeded;
            }
        }
        return FilterResult.Success;
    }

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        Constraint[] constraints;
        try
        {
            constraints = ConstraintsFor(state.PodInfo, hard: false);
        }
        catch (FormatException e)
        {
            return FilterResult.Error(e.Message);
        }
        if (constraints.Length == 0 || feasibleNodes.IsEmpty)
        {
            return FilterResult.Skip;
        }
        // Nodes lacking a key of the pod's own constraints are ignored (scored 0); with system defaults a
        // missing zone label only means that constraint does not apply to the node.
        var requireAll = constraints[0].FromPod || !_systemDefaulted;
        var ignored = new bool[feasibleNodes.Length];
        var pairCounts = new Dictionary<string, long>?[constraints.Length];
        var domainCounts = new int[constraints.Length];
        var anyPairs = false;
        var missingValueDomain = new bool[constraints.Length];
        var scored = 0;
        for (var n = 0; n < feasibleNodes.Length; n++)
        {
            var node = feasibleNodes[n];
            if (requireAll && !HasAllKeys(node, constraints))
            {
                ignored[n] = true;
                continue;
            }
            scored++;
            for (var i = 0; i < constraints.Length; i++)
            {
                var c = constraints[i];
                if (c.IsHostname)
                {
                    continue;
                }
                if (!node.TryGetLabel(c.TopologyKey, out var value))
                {
                    // Upstream files such nodes under the empty value: one more domain, never scored.
                    missingValueDomain[i] = true;
                    continue;
                }
                var map = pairCounts[i] ??= new Dictionary<string, long>(StringComparer.Ordinal);
                if (map.TryAdd(value, 0))
                {
                    domainCounts[i]++;
                    anyPairs = true;
                }
            }
        }
        var weights = new double[constraints.Length];
        for (var i = 0; i < constraints.Length; i++)
        {
            var size = constraints[i].IsHostname ? scored : domainCounts[i] + (missingValueDomain[i] ? 1 : 0);
            weights[i] = Math.Log(size + 2);
        }
        if (anyPairs)
        {
            // Domain counts include matching pods on every node of the domain, not just the feasible ones.
            var affinity = RequiredNodeAffinity.Of(pod.Spec);
            var ns = state.PodInfo.Namespace;
            foreach (var node in state.Snapshot.Nodes)
            {
                if ((requireAll && !HasAllKeys(node, constraints)) || !affinity.Matches(node.Name, node.Labels))
                {
                    continue;
                }
                for (var i = 0; i < constraints.Length; i++)
                {
                    var map = pairCounts[i];
                    if (map is not null && node.TryGetLabel(constraints[i].TopologyKey, out var value)
                        && map.TryGetValue(value, out var count))
                    {
                        map[value] = count + constraints[i].Matcher.CountOn(node, ns);
                    }
                }
            }
        }
        state.Write(ScoreKey, new ScoreState(constraints, pairCounts, weights, ignored, requireAll));
        return FilterResult.Success;
    }

    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var s = state.Read(ScoreKey);
        if (s is null)
        {
            return 0;
        }
        double score = 0;
        for (var i = 0; i < s.Constraints.Length; i++)
        {
            var c = s.Constraints[i];
            long count;
            if (c.IsHostname)
            {
                // The system default spreads over nodes even when the hostname label is missing: every node
                // is its own host, and the label, when set, is the node name anyway.
                if (!c.SpreadByNodeName && !node.TryGetLabel(c.TopologyKey, out _))
                {
                    continue;
                }
                count = c.Matcher.CountOn(node, state.PodInfo.Namespace);
            }
            else
            {
                if (!node.TryGetLabel(c.TopologyKey, out var value) || s.PairCounts[i] is not { } map
                    || !map.TryGetValue(value, out count))
                {
                    continue;
                }
            }
            score += count * s.Weights[i] + (c.MaxSkew - 1);
        }
        return (long)Math.Round(score, MidpointRounding.AwayFromZero);
    }

    public void NormalizeScores(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        var s = state.Read(ScoreKey);
        if (s is null)
        {
            return;
        }
        var min = long.MaxValue;
        long max = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (s.Ignored[i])
            {
                continue;
            }
            min = Math.Min(min, scores[i]);
            max = Math.Max(max, scores[i]);
        }
        for (var i = 0; i < scores.Length; i++)
        {
            if (s.Ignored[i])
            {
                scores[i] = 0;
            }
            else if (max == 0)
            {
                scores[i] = NodeScore.Max;
            }
            else
            {
                scores[i] = NodeScore.Max * (max + min - scores[i]) / max;
            }
        }
    }

    private Constraint[] ConstraintsFor(PodInfo pod, bool hard)
    {
        var wanted = hard ? "DoNotSchedule" : "ScheduleAnyway";
        var own = pod.Pod.Spec?.TopologySpreadConstraints;
        if (own is { Count: > 0 })
        {
            var list = new List<Constraint>();
            foreach (var c in own)
            {
                if (c.WhenUnsatisfiable == wanted)
                {
                    list.Add(new Constraint(c.TopologyKey, c.MaxSkew, c.MinDomains ?? 1, PodMatcher.ForConstraint(c, pod), FromPod: true, SpreadByNodeName: false));
                }
            }
            return [.. list];
        }
        if (pod.ControllerUid is not { } owner || _defaults.Count == 0)
        {
            return [];
        }
        var cached = _lastDefaults;
        if (cached is null || cached.Owner != owner)
        {
            cached = new DefaultConstraints(owner, DefaultsFor(owner, "DoNotSchedule"), DefaultsFor(owner, "ScheduleAnyway"));
            _lastDefaults = cached;
        }
        return hard ? cached.Hard : cached.Soft;
    }

    private Constraint[] DefaultsFor(string owner, string wanted)
    {
        var matcher = PodMatcher.ForOwner(owner);
        var result = new List<Constraint>();
        foreach (var c in _defaults)
        {
            if (c.WhenUnsatisfiable == wanted)
            {
                result.Add(new Constraint(c.TopologyKey, c.MaxSkew, c.MinDomains ?? 1, matcher, FromPod: false,
                    SpreadByNodeName: _systemDefaulted && c.TopologyKey == HostnameLabel));
            }
        }
        return [.. result];
    }

    private static bool AllZero(int[] values)
    {
        foreach (var v in values)
        {
            if (v != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static bool HasAllKeys(NodeInfo node, Constraint[] constraints)
    {
        foreach (var c in constraints)
        {
            if (!node.TryGetLabel(c.TopologyKey, out _))
            {
                return false;
            }
        }
        return true;
    }

    private static int[] SelfMatches(Constraint[] constraints, PodInfo pod)
    {
        var result = new int[constraints.Length];
        for (var i = 0; i < constraints.Length; i++)
        {
            result[i] = constraints[i].Matcher.Matches(pod) ? 1 : 0;
        }
        return result;
    }

    private sealed record Constraint(string TopologyKey, int MaxSkew, int MinDomains, PodMatcher Matcher, bool FromPod, bool SpreadByNodeName)
    {
        public bool IsHostname { get; } = TopologyKey == HostnameLabel;
    }

    /// <summary>Counts per domain value; null for hostname constraints, whose per-node counts Filter takes itself.</summary>
    private sealed record DefaultConstraints(string Owner, Constraint[] Hard, Constraint[] Soft);

    private sealed record FilterState(Constraint[] Constraints, Dictionary<string, int>?[] Counts, int[] Minimums, int[] SelfMatch);

    private sealed record ScoreState(
        Constraint[] Constraints, Dictionary<string, long>?[] PairCounts, double[] Weights, bool[] Ignored, bool RequireAll);
}
