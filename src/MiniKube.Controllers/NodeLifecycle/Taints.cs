using MiniKube.Api;

namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>Taint and toleration matching (Kubernetes' ToleratesTaint).</summary>
public static class Taints
{
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";

    public static bool Tolerates(Toleration toleration, Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }
        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }
        return toleration.Operator switch
        {
            "Exists" => true,
            null or "" or "Equal" => !string.IsNullOrEmpty(toleration.Key) && (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }

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
            var matching = (tolerations ?? []).Where(t => Tolerates(t, taint)).ToList();
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
