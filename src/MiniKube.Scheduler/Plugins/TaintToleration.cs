using System.Collections.Concurrent;
using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// Filter: the pod must tolerate every NoSchedule and NoExecute taint of the node. Score: fewer
/// untolerated PreferNoSchedule taints is better (raw score counts them; normalisation reverses it).
/// </summary>
public sealed class TaintToleration : IFilterPlugin, IPreScorePlugin, IScorePlugin, INormalizeScore, IEnqueueExtensions
{
    private static readonly StateKey<Toleration[]> PreferNoScheduleTolerations = new("PreScore" + PluginNames.TaintToleration);

    // One message per distinct taint, built once: a tainted control-plane node fails every cycle.
    private readonly ConcurrentDictionary<(string Key, string Value), FilterResult> rejections = new();

    public string Name => PluginNames.TaintToleration;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
        [new(EventResource.Node, ActionType.Add | ActionType.UpdateNodeTaint, "Node")];

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var taints = node.Facts.Taints;
        if (taints.Length == 0)
        {
            return FilterResult.Success;
        }
        var tolerations = pod.Spec?.Tolerations;
        foreach (var taint in taints)
        {
            if (taint.Effect is TaintEffect.NoSchedule or TaintEffect.NoExecute && !Toleration.AnyTolerates(tolerations, taint))
            {
                return rejections.GetOrAdd(
                    (taint.Key, taint.Value ?? ""),
                    static k => FilterResult.UnschedulableAndUnresolvable($"node(s) had untolerated taint {{{k.Key}: {k.Value}}}"));
            }
        }
        return FilterResult.Success;
    }

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var relevant = new List<Toleration>();
        foreach (var t in pod.Spec?.Tolerations ?? [])
        {
            if (string.IsNullOrEmpty(t.Effect) || t.Effect == TaintEffect.PreferNoSchedule)
            {
                relevant.Add(t);
            }
        }
        state.Write(PreferNoScheduleTolerations, relevant.ToArray());
        return FilterResult.Success;
    }

    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var taints = node.Facts.Taints;
        if (taints.Length == 0)
        {
            return 0;
        }
        var tolerations = state.Read(PreferNoScheduleTolerations) ?? [];
        long count = 0;
        foreach (var taint in taints)
        {
            if (taint.Effect == TaintEffect.PreferNoSchedule && !Toleration.AnyTolerates(tolerations, taint))
            {
                count++;
            }
        }
        return count;
    }

    public void NormalizeScores(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores) =>
        NodeScore.DefaultNormalize(scores, reverse: true);
}
