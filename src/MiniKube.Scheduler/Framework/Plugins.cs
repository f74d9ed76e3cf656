using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>A scheduling plugin, known by its kube-scheduler name ("NodeResourcesFit", …).</summary>
public interface IPlugin
{
    string Name { get; }
}

/// <summary>
/// Runs once per cycle before any Filter: computes per-pod data into the <see cref="CycleState"/>, may fail
/// the pod outright (the message then stands alone in the FitError), or return <see cref="FilterResult.Skip"/>
/// when the pod asks nothing of this plugin, which skips its Filter for every node.
/// </summary>
public interface IPreFilterPlugin : IPlugin
{
    FilterResult PreFilter(CycleState state, Pod pod);
}

/// <summary>Decides whether the pod may run on one node. Called for many nodes per cycle: keep it allocation-free.</summary>
public interface IFilterPlugin : IPlugin
{
    FilterResult Filter(CycleState state, Pod pod, NodeInfo node);
}

/// <summary>
/// Runs once per cycle before Score, with the nodes that passed filtering. Returns Success, Skip (score 0 for
/// every node, Score not called) or Error.
/// </summary>
public interface IPreScorePlugin : IPlugin
{
    FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes);
}

/// <summary>Ranks a feasible node; without <see cref="INormalizeScore"/> the score must already be 0–100.</summary>
public interface IScorePlugin : IPlugin
{
    long Score(CycleState state, Pod pod, NodeInfo node);
}

/// <summary>Maps a score plugin's raw scores onto 0–100 once all feasible nodes are scored.</summary>
public interface INormalizeScore
{
    void NormalizeScores(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores);
}

/// <summary>
/// Writes the decision to the API server (a Binding). The host process implements it; the library only
/// calls it after the pod is assumed in the cache.
/// </summary>
public interface IBindPlugin : IPlugin
{
    /// <summary>Binds or throws; a failure makes the scheduler forget the assumed pod and retry it.</summary>
    ValueTask BindAsync(Pod pod, string nodeName, CancellationToken cancellationToken);
}

/// <summary>
/// The cluster events after which a pod this plugin rejected may fit. A pod rejected only by plugins that
/// ignore an event stays parked in the unschedulable queue when that event happens.
/// </summary>
public interface IEnqueueExtensions
{
    IReadOnlyList<ClusterEvent> EventsToRegister { get; }
}

/// <summary>Scoring bounds shared by every score plugin.</summary>
public static class NodeScore
{
    public const long Max = 100;
    public const long Min = 0;

    /// <summary>
    /// kube-scheduler's DefaultNormalizeScore: scale so the highest raw score becomes 100 (or, reversed,
    /// 0, for plugins whose raw score counts something bad). All zeros stay 0, or become 100 when reversed.
    /// </summary>
    public static void DefaultNormalize(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores)
        {
            if (s > max)
            {
                max = s;
            }
        }
        if (max == 0)
        {
            if (reverse)
            {
                scores.Fill(Max);
            }
            return;
        }
        for (var i = 0; i < scores.Length; i++)
        {
            var s = Max * scores[i] / max;
            scores[i] = reverse ? Max - s : s;
        }
    }
}
