using MiniKube.Api;

namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>The node lifecycle's taint keys and how long tolerations let a pod stay on a tainted node.</summary>
public static class Taints
{
    public const string NotReady = WellKnownTaints.NodeNotReady;
    public const string Unreachable = WellKnownTaints.NodeUnreachable;

    /// <summary>
    /// How long a pod may stay on a node with these NoExecute taints: zero when one is not tolerated, null when all are
    /// tolerated forever, otherwise the shortest tolerationSeconds among the matching tolerations.
    /// </summary>
    public static TimeSpan? TimeUntilEviction(IReadOnlyList<Taint> noExecuteTaints, IReadOnlyList<Toleration>? tolerations)
    {
        long? minSeconds = null;
        var forever = true;
        foreach (var taint in noExecuteTaints)
        {
            var matching = (tolerations ?? []).Where(t => t.ToleratesTaint(taint)).ToList();
            if (matching.Count == 0)
            {
                return TimeSpan.Zero;
            }
            foreach (var t in matching)
            {
                if (t.TolerationSeconds is { } s)
                {
                    forever = false;
                    minSeconds = Math.Min(minSeconds ?? long.MaxValue, Math.Max(0, s));
                }
            }
        }
        return forever ? null : TimeSpan.FromSeconds(minSeconds!.Value);
    }
}
