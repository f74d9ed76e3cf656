using MiniKube.Api;

namespace MiniKube.Scheduler.Plugins;

/// <summary>Kubernetes' toleration semantics (Toleration.ToleratesTaint).</summary>
public static class Tolerations
{
    /// <summary>
    /// An empty effect matches every effect, an empty key (only valid with Exists) every key; Exists ignores
    /// the value, Equal (also the default) compares it. Any other operator tolerates nothing.
    /// </summary>
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
            null or "" or "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    public static bool AnyTolerates(IReadOnlyList<Toleration>? tolerations, Taint taint)
    {
        if (tolerations is null)
        {
            return false;
        }
        for (var i = 0; i < tolerations.Count; i++)
        {
            if (Tolerates(tolerations[i], taint))
            {
                return true;
            }
        }
        return false;
    }
}
