using MiniKube.Api;

namespace MiniKube.Controllers;

/// <summary>Pod predicates shared by the controllers (Kubernetes' podutil).</summary>
public static class Pods
{
    /// <summary>Not finished and not being deleted: counts towards a controller's replicas.</summary>
    public static bool IsActive(Pod pod) =>
        pod.Status?.Phase is not (PodPhase.Succeeded or PodPhase.Failed) && pod.Metadata.DeletionTimestamp is null;

    public static PodCondition? ReadyCondition(Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == PodConditionType.Ready);

    public static bool IsReady(Pod pod) => ReadyCondition(pod)?.Status == ConditionStatus.True;

    /// <summary>Ready for at least <paramref name="minReadySeconds"/>.</summary>
    public static bool IsAvailable(Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = ReadyCondition(pod);
        if (ready?.Status != ConditionStatus.True)
        {
            return false;
        }
        if (minReadySeconds <= 0)
        {
            return true;
        }
        return ready.LastTransitionTime is { } since && since.AddSeconds(minReadySeconds) < now;
    }

    public static int RestartCount(Pod pod) => pod.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0;
}
