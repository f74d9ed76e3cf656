using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

/// <summary>The scheduler's own view of test objects (the objects themselves come from <see cref="TestObjects"/>).</summary>
internal static class Make
{
    public static NodeInfo Info(Node node, params Pod[] pods) =>
        NodeInfo.Create(node, pods.Select(PodInfo.Create).ToArray());
}

/// <summary>Runs one plugin the way the framework does (PreFilter/PreScore first), for plugin-level tables.</summary>
internal static class Run
{
    public static FilterResult Filter(IFilterPlugin plugin, Pod pod, NodeInfo node, params NodeInfo[] allNodes)
    {
        var snapshot = NodeSnapshot.Create(allNodes.Length > 0 ? allNodes : [node]);
        var state = new CycleState();
        state.Reset(PodInfo.Create(pod), snapshot);
        if (plugin is IPreFilterPlugin pre)
        {
            var r = pre.PreFilter(state, pod);
            if (r.Code == FilterCode.Skip)
            {
                return FilterResult.Success;
            }
            if (!r.IsSuccess)
            {
                return r;
            }
        }
        return plugin.Filter(state, pod, node);
    }

    /// <summary>Raw scores (before normalisation) and normalised scores of every node.</summary>
    public static (long[] Raw, long[] Normalized) Score(IScorePlugin plugin, Pod pod, NodeInfo[] feasible, NodeInfo[]? allNodes = null)
    {
        var snapshot = NodeSnapshot.Create(allNodes ?? feasible);
        var state = new CycleState();
        state.Reset(PodInfo.Create(pod), snapshot);
        var raw = new long[feasible.Length];
        if (plugin is IPreScorePlugin pre && pre.PreScore(state, pod, feasible).Code == FilterCode.Skip)
        {
            return (raw, new long[feasible.Length]);
        }
        for (var i = 0; i < feasible.Length; i++)
        {
            raw[i] = plugin.Score(state, pod, feasible[i]);
        }
        var normalized = (long[])raw.Clone();
        (plugin as INormalizeScore)?.NormalizeScores(state, pod, feasible, normalized);
        return (raw, normalized);
    }
}
