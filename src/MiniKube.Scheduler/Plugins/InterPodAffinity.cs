using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>InterPodAffinityArgs.</summary>
public sealed record InterPodAffinityArgs
{
    /// <summary>Score weight given to existing pods' required affinity terms that the incoming pod matches (0–100).</summary>
    public int HardPodAffinityWeight { get; init; } = 1;

    /// <summary>Skip the existing pods' preferred terms when the incoming pod has no affinity of its own.</summary>
    public bool IgnorePreferredTermsOfExistingPods { get; init; }
}

/// <summary>
/// Pod affinity and anti-affinity. Filter: the pod's required affinity terms must each find a matching pod in
/// the node's domain (or, for the first pod of a group that selects itself, nobody matches yet); its required
/// anti-affinity terms must find none; and no existing pod's required anti-affinity may select it within
/// the node's domain. Score: preferred terms both ways (and existing pods' required affinity, with
/// hardPodAffinityWeight), summed per topology domain and scaled to 0–100 between the lowest and highest node.
/// Pods without affinity in a cluster without such pods skip both, at no cost.
/// </summary>
public sealed class InterPodAffinity : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, IScorePlugin, INormalizeScore, IEnqueueExtensions
{
    public const string ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
    public const string ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
    public const string ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

    private static readonly StateKey<FilterState> FilterKey = new("PreFilter" + PluginNames.InterPodAffinity);
    private static readonly StateKey<ScoreState> ScoreKey = new("PreScore" + PluginNames.InterPodAffinity);
    private static readonly FilterResult AffinityMismatch = FilterResult.UnschedulableAndUnresolvable(ErrReasonAffinityRulesNotMatch);
    private static readonly FilterResult AntiAffinityMismatch = FilterResult.Unschedulable(ErrReasonAntiAffinityRulesNotMatch);
    private static readonly FilterResult ExistingAntiAffinityMismatch = FilterResult.Unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);

    private readonly InterPodAffinityArgs _args;

    public InterPodAffinity(InterPodAffinityArgs? args = null) => _args = args ?? new InterPodAffinityArgs();

    public string Name => PluginNames.InterPodAffinity;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
    [
        new(EventResource.AssignedPod, ActionType.All, "AssignedPod"),
        new(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel, "Node"),
    ];

    public FilterResult PreFilter(CycleState state, Pod pod)
    {
        var incoming = state.PodInfo;
        var terms = incoming.AffinityTerms;
        var snapshot = state.Snapshot;
        if (terms.RequiredAffinity.Length == 0 && terms.RequiredAntiAffinity.Length == 0 && snapshot.NodesWithRequiredAntiAffinity.IsEmpty)
        {
            return FilterResult.Skip;
        }
        // Existing pods whose required anti-affinity selects the incoming pod forbid their domains.
        var existingAnti = new Dictionary<(string, string), int>();
        foreach (var node in snapshot.NodesWithRequiredAntiAffinity)
        {
            foreach (var existing in node.Pods)
            {
                if (!existing.HasRequiredAntiAffinity)
                {
                    continue;
                }
                foreach (var t in existing.AffinityTerms.RequiredAntiAffinity)
                {
                    if (t.Matches(incoming))
                    {
                        Increment(existingAnti, node, t.TopologyKey);
                    }
                }
            }
        }
        var affinity = new Dictionary<(string, string), int>();
        var anti = new Dictionary<(string, string), int>();
        if (terms.RequiredAffinity.Length > 0 || terms.RequiredAntiAffinity.Length > 0)
        {
            foreach (var node in snapshot.Nodes)
            {
                foreach (var existing in node.Pods)
                {
                    if (terms.RequiredAffinity.Length > 0 && MatchesAll(terms.RequiredAffinity, existing))
                    {
                        foreach (var t in terms.RequiredAffinity)
                        {
                            Increment(affinity, node, t.TopologyKey);
                        }
                    }
                    foreach (var t in terms.RequiredAntiAffinity)
                    {
                        if (t.Matches(existing))
                        {
                            Increment(anti, node, t.TopologyKey);
                        }
                    }
                }
            }
        }
        state.Write(FilterKey, new FilterState(terms, existingAnti, affinity, anti, MatchesAll(terms.RequiredAffinity, incoming)));
        return FilterResult.Success;
    }

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var s = state.Read(FilterKey);
        if (s is null)
        {
            return FilterResult.Success;
        }
        var labels = node.Labels;

        // Required affinity: every term's key on the node, and matching pods in every term's domain — unless
        // no pod anywhere matches and the pod matches its own terms (the first of a co-located group).
        var podsExist = true;
        foreach (var t in s.Terms.RequiredAffinity)
        {
            if (!labels.TryGetValue(t.TopologyKey, out var value))
            {
                return AffinityMismatch;
            }
            if (s.AffinityCounts.GetValueOrDefault((t.TopologyKey, value)) <= 0)
            {
                podsExist = false;
            }
        }
        if (!podsExist && !(s.AffinityCounts.Count == 0 && s.MatchesOwnAffinity))
        {
            return AffinityMismatch;
        }

        if (s.AntiAffinityCounts.Count > 0)
        {
            foreach (var t in s.Terms.RequiredAntiAffinity)
            {
                if (labels.TryGetValue(t.TopologyKey, out var value) && s.AntiAffinityCounts.GetValueOrDefault((t.TopologyKey, value)) > 0)
                {
                    return AntiAffinityMismatch;
                }
            }
        }

        if (s.ExistingAntiAffinityCounts.Count > 0)
        {
            foreach (var (key, value) in labels)
            {
                if (s.ExistingAntiAffinityCounts.GetValueOrDefault((key, value)) > 0)
                {
                    return ExistingAntiAffinityMismatch;
                }
            }
        }
        return FilterResult.Success;
    }

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var incoming = state.PodInfo;
        var terms = incoming.AffinityTerms;
        var hasOwn = terms.PreferredAffinity.Length > 0 || terms.PreferredAntiAffinity.Length > 0;
        if (!hasOwn && (_args.IgnorePreferredTermsOfExistingPods || state.Snapshot.NodesWithPodAffinity.IsEmpty))
        {
            return FilterResult.Skip;
        }
        // Only nodes hosting pods with affinity matter unless the pod has preferences of its own.
        var nodes = hasOwn ? state.Snapshot.Nodes : state.Snapshot.NodesWithPodAffinity;
        var scores = new Dictionary<(string, string), long>();
        foreach (var node in nodes)
        {
            if (node.Labels.Count == 0)
            {
                continue;
            }
            foreach (var existing in node.Pods)
            {
                if (!hasOwn && !existing.HasPodAffinityTerms)
                {
                    continue;
                }
                foreach (var t in terms.PreferredAffinity)
                {
                    Add(scores, t, existing, node, t.Weight);
                }
                foreach (var t in terms.PreferredAntiAffinity)
                {
                    Add(scores, t, existing, node, -t.Weight);
                }
                if (!existing.HasPodAffinityTerms)
                {
                    continue;
                }
                var theirs = existing.AffinityTerms;
                if (_args.HardPodAffinityWeight > 0)
                {
                    foreach (var t in theirs.RequiredAffinity)
                    {
                        Add(scores, t, incoming, node, _args.HardPodAffinityWeight);
                    }
                }
                foreach (var t in theirs.PreferredAffinity)
                {
                    Add(scores, t, incoming, node, t.Weight);
                }
                foreach (var t in theirs.PreferredAntiAffinity)
                {
                    Add(scores, t, incoming, node, -t.Weight);
                }
            }
        }
        if (scores.Count == 0)
        {
            return FilterResult.Skip;
        }
        var keys = scores.Keys.Select(k => k.Item1).Distinct(StringComparer.Ordinal).ToArray();
        state.Write(ScoreKey, new ScoreState(scores, keys));
        return FilterResult.Success;
    }

    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var s = state.Read(ScoreKey);
        if (s is null)
        {
            return 0;
        }
        long score = 0;
        foreach (var key in s.TopologyKeys)
        {
            if (node.Labels.TryGetValue(key, out var value))
            {
                score += s.Scores.GetValueOrDefault((key, value));
            }
        }
        return score;
    }

    public void NormalizeScores(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        if (state.Read(ScoreKey) is null || scores.IsEmpty)
        {
            return;
        }
        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        var range = max - min;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = range > 0 ? (long)(NodeScore.Max * ((double)(scores[i] - min) / range)) : 0;
        }
    }

    private static bool MatchesAll(AffinityTerm[] terms, PodInfo pod)
    {
        if (terms.Length == 0)
        {
            return false;
        }
        foreach (var t in terms)
        {
            if (!t.Matches(pod))
            {
                return false;
            }
        }
        return true;
    }

    private static void Increment(Dictionary<(string, string), int> counts, NodeInfo node, string topologyKey)
    {
        if (node.Labels.TryGetValue(topologyKey, out var value))
        {
            counts[(topologyKey, value)] = counts.GetValueOrDefault((topologyKey, value)) + 1;
        }
    }

    private static void Add(Dictionary<(string, string), long> scores, AffinityTerm term, PodInfo pod, NodeInfo node, long weight)
    {
        if (weight != 0 && term.Matches(pod) && node.Labels.TryGetValue(term.TopologyKey, out var value))
        {
            scores[(term.TopologyKey, value)] = scores.GetValueOrDefault((term.TopologyKey, value)) + weight;
        }
    }

    private sealed record FilterState(
        PodAffinityTerms Terms,
        Dictionary<(string, string), int> ExistingAntiAffinityCounts,
        Dictionary<(string, string), int> AffinityCounts,
        Dictionary<(string, string), int> AntiAffinityCounts,
        bool MatchesOwnAffinity);

    private sealed record ScoreState(Dictionary<(string, string), long> Scores, string[] TopologyKeys);
}
