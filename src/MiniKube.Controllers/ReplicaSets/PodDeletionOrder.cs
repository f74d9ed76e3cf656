using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Controllers.ReplicaSets;

/// <summary>
/// Which pods a ReplicaSet deletes first when it scales down (Kubernetes' ActivePodsWithRanks): unscheduled before
/// scheduled; Pending before Unknown before Running; not ready before ready; lower
/// <c>controller.kubernetes.io/pod-deletion-cost</c> first; pods doubled up on a node with related pods first; more
/// recently ready first; more restarts first; newer first.
/// </summary>
public sealed class PodDeletionOrder : IComparer<Pod>
{
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    private readonly IReadOnlyDictionary<string, int> _ranks;

    /// <param name="relatedPods">Active pods of this ReplicaSet and of its siblings (same owner); a pod's rank is how many of them share its node.</param>
    public PodDeletionOrder(IEnumerable<Pod> relatedPods)
    {
        var perNode = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in relatedPods)
        {
            if (pod.Spec?.NodeName is { Length: > 0 } node)
            {
                perNode[node] = perNode.GetValueOrDefault(node) + 1;
            }
        }
        _ranks = perNode;
    }

    /// <summary>The first <paramref name="count"/> pods to delete.</summary>
    public static IReadOnlyList<Pod> PodsToDelete(IReadOnlyList<Pod> pods, IEnumerable<Pod> relatedPods, int count) =>
        count >= pods.Count ? pods : [.. pods.Order(new PodDeletionOrder(relatedPods)).Take(count)];

    /// <summary>Negative when <paramref name="x"/> should be deleted before <paramref name="y"/>.</summary>
    public int Compare(Pod? x, Pod? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var nodeX = x.Spec?.NodeName ?? "";
        var nodeY = y.Spec?.NodeName ?? "";
        if (nodeX != nodeY && (nodeX.Length == 0 || nodeY.Length == 0))
        {
            return nodeX.Length == 0 ? -1 : 1;
        }
        var phase = PhaseOrdinal(x).CompareTo(PhaseOrdinal(y));
        if (phase != 0)
        {
            return phase;
        }
        var readyX = Pods.IsReady(x);
        var readyY = Pods.IsReady(y);
        if (readyX != readyY)
        {
            return readyX ? 1 : -1;
        }
        var cost = DeletionCost(x).CompareTo(DeletionCost(y));
        if (cost != 0)
        {
            return cost;
        }
        var rank = Rank(y).CompareTo(Rank(x));
        if (rank != 0)
        {
            return rank;
        }
        if (readyX && readyY)
        {
            var readyTime = NewerFirst(Pods.ReadyCondition(x)?.LastTransitionTime, Pods.ReadyCondition(y)?.LastTransitionTime);
            if (readyTime != 0)
            {
                return readyTime;
            }
        }
        var restarts = Pods.RestartCount(y).CompareTo(Pods.RestartCount(x));
        if (restarts != 0)
        {
            return restarts;
        }
        return NewerFirst(x.Metadata.CreationTimestamp, y.Metadata.CreationTimestamp);
    }

    private int Rank(Pod pod) => pod.Spec?.NodeName is { Length: > 0 } node ? _ranks.GetValueOrDefault(node) : 0;

    private static int PhaseOrdinal(Pod pod) => pod.Status?.Phase switch
    {
        PodPhase.Pending or null or "" => 0,
        PodPhase.Unknown => 1,
        PodPhase.Running => 2,
        _ => 3,
    };

    private static int DeletionCost(Pod pod) =>
        pod.Metadata.Annotations?.TryGetValue(DeletionCostAnnotation, out var text) == true
        && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cost)
            ? cost
            : 0;

    /// <summary>Unset times first, then the later time first.</summary>
    private static int NewerFirst(DateTimeOffset? x, DateTimeOffset? y)
    {
        if (x == y)
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }
        return y.Value.CompareTo(x.Value);
    }
}
