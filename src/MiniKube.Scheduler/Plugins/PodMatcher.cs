using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>Which pods a spread constraint counts: a label selector, or (for default spreading) an owner.</summary>
internal abstract class PodMatcher
{
    public static PodMatcher ForOwner(string controllerUid) => new OwnerMatcher(controllerUid);

    // Canonical selector+namespace texts, so a node's memo is recognised by reference across cycles.
    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal);

    /// <summary>The constraint's selector, narrowed by matchLabelKeys to the pod's own values of those keys.</summary>
    public static PodMatcher ForConstraint(TopologySpreadConstraint c, PodInfo pod)
    {
        var selector = Selector.FromLabelSelector(c.LabelSelector);
        if (c.MatchLabelKeys is { Count: > 0 } keys && !selector.MatchesNothing)
        {
            var extra = new List<LabelRequirement>(selector.Requirements);
            foreach (var key in keys)
            {
                if (pod.Labels.TryGetValue(key, out var value))
                {
                    extra.Add(LabelRequirement.Create(key, SelectorOperator.In, [value]));
                }
            }
            selector = Selector.FromRequirements(extra);
        }
        return new LabelMatcher(selector, KeyOf(selector, pod.Namespace));
    }

    private static string KeyOf(Selector selector, string ns)
    {
        var text = (selector.MatchesNothing ? "<nothing>" : selector.ToString()) + "\0" + ns;
        lock (Keys)
        {
            if (Keys.Count > 4096)
            {
                Keys.Clear();
            }
            if (!Keys.TryGetValue(text, out var key))
            {
                Keys[text] = key = text;
            }
            return key;
        }
    }

    /// <summary>Non-terminating pods on the node, in namespace <paramref name="ns"/>, that this matcher selects.</summary>
    public abstract int CountOn(NodeInfo node, string ns);

    public abstract bool Matches(PodInfo pod);

    private sealed class OwnerMatcher(string uid) : PodMatcher
    {
        public override int CountOn(NodeInfo node, string ns) => node.CountOwnedBy(uid);

        public override bool Matches(PodInfo pod) => pod.ControllerUid == uid;
    }

    /// <param name="key">Selector and namespace in canonical form: what the count depends on besides the node.</param>
    private sealed class LabelMatcher(Selector selector, string key) : PodMatcher
    {
        public override int CountOn(NodeInfo node, string ns)
        {
            if (selector.MatchesNothing)
            {
                return 0;
            }
            // Every pod of a ReplicaSet asks the same question of every unchanged node: answer from the memo.
            if (node.Memo is CountMemo memo && ReferenceEquals(memo.Key, key))
            {
                return memo.Count;
            }
            var count = 0;
            foreach (var p in node.Pods)
            {
                if (!p.IsTerminating && p.Namespace == ns && selector.Matches(p.Labels))
                {
                    count++;
                }
            }
            node.Memo = new CountMemo(key, count);
            return count;
        }

        public override bool Matches(PodInfo pod) => selector.Matches(pod.Labels);
    }

    private sealed record CountMemo(string Key, int Count);
}
