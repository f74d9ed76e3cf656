using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// Filter: nodeSelector and required node affinity. Score: the summed weights of the preferred terms the
/// node matches, normalised so the best node gets 100.
/// </summary>
public sealed class NodeAffinity : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, IScorePlugin, INormalizeScore, IEnqueueExtensions
{
    public const string ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
    public const string ErrReasonConflict = "pod affinity terms conflict";

    private static readonly StateKey<RequiredNodeAffinity> RequiredKey = new("PreFilter" + PluginNames.NodeAffinity);
    private static readonly StateKey<PreferredTerms> PreferredKey = new("PreScore" + PluginNames.NodeAffinity);
    private static readonly FilterResult Rejected = FilterResult.UnschedulableAndUnresolvable(ErrReasonPod);
    private static readonly FilterResult Conflict = FilterResult.UnschedulableAndUnresolvable(ErrReasonConflict);

    public string Name => PluginNames.NodeAffinity;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
        [new(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel, "Node")];

    public FilterResult PreFilter(CycleState state, Pod pod)
    {
        var required = RequiredNodeAffinity.Of(pod.Spec);
        if (required.IsEmpty)
        {
            return FilterResult.Skip;
        }
        state.Write(RequiredKey, required);
        switch (NamedNodes(pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution))
        {
            case { Count: 0 }:
                return Conflict;
            case { } names:
                state.RestrictNodes(Name, names);
                break;
        }
        return FilterResult.Success;
    }

    /// <summary>
    /// The only nodes the required terms allow when every term names nodes (matchFields metadata.name In —
    /// how DaemonSet pods target their node): the union over terms of the intersection within each term.
    /// Null when some term allows any node by name.
    /// </summary>
    private static HashSet<string>? NamedNodes(NodeSelector? required)
    {
        if (required is null || required.NodeSelectorTerms.Count == 0)
        {
            return null;
        }
        var union = new HashSet<string>(StringComparer.Ordinal);
        foreach (var term in required.NodeSelectorTerms)
        {
            HashSet<string>? names = null;
            foreach (var f in term.MatchFields ?? [])
            {
                if (f.Key == "metadata.name" && f.Operator == "In")
                {
                    var values = new HashSet<string>(f.Values ?? [], StringComparer.Ordinal);
                    if (names is null)
                    {
                        names = values;
                    }
                    else
                    {
                        names.IntersectWith(values);
                    }
                }
            }
            if (names is null)
            {
                return null;
            }
            union.UnionWith(names);
        }
        return union;
    }

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var required = state.Read(RequiredKey) ?? RequiredNodeAffinity.Of(pod.Spec);
        return required.Matches(node.Name, node.Labels) ? FilterResult.Success : Rejected;
    }

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var preferred = pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution;
        if (preferred is not { Count: > 0 })
        {
            return FilterResult.Skip;
        }
        state.Write(PreferredKey, PreferredTerms.Of(preferred));
        return FilterResult.Success;
    }

    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var preferred = state.Read(PreferredKey);
        if (preferred is null)
        {
            var terms = pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution;
            if (terms is null)
            {
                return 0;
            }
            preferred = PreferredTerms.Of(terms);
        }
        return preferred.Score(node.Name, node.Labels);
    }

    public void NormalizeScores(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores) =>
        NodeScore.DefaultNormalize(scores, reverse: false);

    private sealed class PreferredTerms
    {
        private readonly (NodeSelectorTermMatcher Term, long Weight)[] terms;

        private PreferredTerms((NodeSelectorTermMatcher, long)[] terms) => this.terms = terms;

        public static PreferredTerms Of(IReadOnlyList<PreferredSchedulingTerm> preferred)
        {
            var list = new List<(NodeSelectorTermMatcher, long)>(preferred.Count);
            foreach (var p in preferred)
            {
                // A zero weight contributes nothing, so upstream skips the term.
                if (p.Weight != 0)
                {
                    list.Add((NodeSelectorTermMatcher.Parse(p.Preference), p.Weight));
                }
            }
            return new PreferredTerms([.. list]);
        }

        public long Score(string nodeName, IReadOnlyDictionary<string, string> labels)
        {
            long sum = 0;
            foreach (var (term, weight) in terms)
            {
                if (term.Matches(nodeName, labels))
                {
                    sum += weight;
                }
            }
            return sum;
        }
    }
}
