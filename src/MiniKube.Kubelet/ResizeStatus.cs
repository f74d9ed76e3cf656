using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>
/// The in-place resize part of a pod's status: each container's <c>allocatedResources</c> (the requests the kubelet
/// admitted) and <c>resources</c> (what the runtime reports for a running container: cpu limit from NanoCpus, cpu request
/// from CpuShares, memory limit; the rest as allocated), the PodResizePending / PodResizeInProgress conditions and
/// <c>observedGeneration</c>. Pure.
/// </summary>
internal static class ResizeStatus
{
    public static PodStatus Apply(PodStatus status, Pod pod, IReadOnlyList<RuntimeContainer> containers, ResizeOutcome outcome, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new PodSpec();
        var old = pod.Status;
        var inProgress = false;
        var statuses = new List<ContainerStatus>();
        foreach (var cs in status.ContainerStatuses ?? [])
        {
            var c = spec.Containers.FirstOrDefault(x => x.Name == cs.Name);
            if (c is null)
            {
                statuses.Add(cs);
                continue;
            }
            var previous = old?.ContainerStatuses?.FirstOrDefault(x => x.Name == cs.Name)?.AllocatedResources;
            var allocated = outcome.Pending is not null && previous is not null ? previous : CpuAndMemory(c.Resources?.Requests);
            var running = containers.Where(x => !x.IsSandbox && x.ContainerName == c.Name && x.State == RuntimeContainerState.Running && x.Id == LongId(cs.ContainerID))
                .FirstOrDefault();
            ResourceRequirements actual;
            if (running?.Resources is { } r)
            {
                inProgress |= outcome.Pending is null && r != PodResizer.Target(c.Resources);
                actual = Actual(r, allocated);
            }
            else
            {
                actual = new ResourceRequirements { Requests = NullIfEmpty(allocated), Limits = NullIfEmpty(CpuAndMemory(c.Resources?.Limits)) };
            }
            statuses.Add(cs with { AllocatedResources = NullIfEmpty(allocated), Resources = actual.Requests is null && actual.Limits is null ? null : actual });
        }
        var conditions = (status.Conditions ?? []).Where(x => x.Type is not (PodConditionType.PodResizePending or PodConditionType.PodResizeInProgress)).ToList();
        if (outcome.Pending is not null)
        {
            conditions.Add(Condition(old, PodConditionType.PodResizePending, outcome.Pending, outcome.PendingMessage, pod, now));
        }
        else if (outcome.Error is not null)
        {
            conditions.Add(Condition(old, PodConditionType.PodResizeInProgress, PodResizeReason.Error, outcome.Error, pod, now));
        }
        else if (inProgress)
        {
            conditions.Add(Condition(old, PodConditionType.PodResizeInProgress, null, null, pod, now));
        }
        return status with { ContainerStatuses = statuses, Conditions = conditions, ObservedGeneration = pod.Metadata.Generation };
    }

    /// <summary>Whether a pod waits for room on the node to resize (a pod leaving the node retries it).</summary>
    public static bool IsDeferred(Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == PodConditionType.PodResizePending && c.Reason == PodResizeReason.Deferred) == true;

    private static ResourceRequirements Actual(ContainerResources r, IReadOnlyDictionary<string, Quantity> allocated)
    {
        var requests = new Dictionary<string, Quantity>(allocated, StringComparer.Ordinal);
        if (r.CpuShares > 2 || allocated.ContainsKey(ResourceName.Cpu))
        {
            // The inverse of MilliCPUToShares, rounded up so that 100m → 102 shares → 100m.
            requests[ResourceName.Cpu] = Quantity.FromMilli((r.CpuShares * 1000 + 1023) / 1024);
        }
        var limits = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        if (r.NanoCpus > 0)
        {
            limits[ResourceName.Cpu] = Quantity.FromMilli(r.NanoCpus / 1_000_000);
        }
        if (r.MemoryBytes > 0)
        {
            limits[ResourceName.Memory] = Quantity.FromBytes(r.MemoryBytes);
        }
        return new ResourceRequirements { Requests = NullIfEmpty(requests), Limits = NullIfEmpty(limits) };
    }

    private static Dictionary<string, Quantity> CpuAndMemory(IReadOnlyDictionary<string, Quantity>? m) =>
        (m ?? new Dictionary<string, Quantity>()).Where(kv => kv.Key is ResourceName.Cpu or ResourceName.Memory)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, Quantity>? NullIfEmpty(IReadOnlyDictionary<string, Quantity> m) => m.Count == 0 ? null : m;

    /// <summary>The runtime's ID from a status' <c>docker://ID</c>.</summary>
    private static string LongId(string? containerId) => containerId is null ? "" : containerId[(containerId.IndexOf("://", StringComparison.Ordinal) + 3)..];

    private static PodCondition Condition(PodStatus? old, string type, string? reason, string? message, Pod pod, DateTimeOffset now)
    {
        var before = old?.Conditions?.FirstOrDefault(c => c.Type == type);
        return new PodCondition
        {
            Type = type,
            Status = ConditionStatus.True,
            Reason = reason,
            Message = message,
            ObservedGeneration = pod.Metadata.Generation,
            LastTransitionTime = before is { Status: ConditionStatus.True } && before.Reason == reason ? before.LastTransitionTime : now,
        };
    }
}
