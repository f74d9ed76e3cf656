using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>What the kubelet decided about a pod's resize this sync.</summary>
/// <param name="Pending">Deferred or Infeasible (with why) when the resize was not admitted; null when admitted or none.</param>
/// <param name="Error">Why applying an admitted resize failed (PodResizeInProgress reason Error).</param>
/// <param name="Restart">Running containers to restart with the new resources (resizePolicy RestartContainer).</param>
internal sealed record ResizeOutcome(string? Pending, string? PendingMessage, string? Error, IReadOnlyList<string> Restart)
{
    public static readonly ResizeOutcome None = new(null, null, null, []);
}

/// <summary>
/// In-place pod resize on the node (Kubernetes 1.35): compares each running app container's cpu/memory settings in the
/// runtime with the spec, admits the change against the node's allocatable minus what the node's other pods hold
/// (Infeasible when even an empty node is too small, Deferred when only the other pods are in the way), then applies it
/// with the runtime's container update, or marks the container for a restart when its resizePolicy says RestartContainer.
/// The actual settings are always read from the runtime, so a kubelet restart in the middle of a resize re-applies it.
/// </summary>
internal sealed class PodResizer(IContainerRuntime runtime, Func<IReadOnlyCollection<Pod>> podsOnNode, Quantity allocatableCpu, Quantity allocatableMemory)
{
    public async Task<(ResizeOutcome Outcome, IReadOnlyList<RuntimeContainer> Containers)> ResizeAsync(Pod pod, IReadOnlyList<RuntimeContainer> containers,
        string? sandboxId, CancellationToken ct)
    {
        var spec = pod.Spec ?? new PodSpec();
        var changed = new List<(Container Spec, RuntimeContainer Current, ContainerResources Target)>();
        foreach (var c in spec.Containers)
        {
            var current = containers.Where(x => !x.IsSandbox && x.ContainerName == c.Name && x.State == RuntimeContainerState.Running && x.SandboxId == sandboxId)
                .OrderByDescending(x => x.RestartCount).FirstOrDefault();
            if (current?.Resources is not { } actual)
            {
                continue;
            }
            var target = Target(c.Resources);
            if (target != actual)
            {
                changed.Add((c, current, target));
            }
        }
        if (changed.Count == 0)
        {
            return (ResizeOutcome.None, containers);
        }
        if (Admit(pod) is { } refused)
        {
            return (refused, containers);
        }
        var restart = new List<string>();
        var updated = containers.ToList();
        string? error = null;
        foreach (var (c, current, target) in changed)
        {
            if (NeedsRestart(c, current.Resources!, target))
            {
                restart.Add(c.Name);
                continue;
            }
            try
            {
                if (await runtime.UpdateContainerResourcesAsync(current.Id, target, ct).ConfigureAwait(false) is { } after)
                {
                    updated[updated.FindIndex(x => x.Id == current.Id)] = after;
                }
            }
            catch (ContainerRuntimeException ex)
            {
                error = $"failed to resize container {c.Name}: {ex.Message}";
            }
        }
        return (new ResizeOutcome(null, null, error, restart), updated);
    }

    /// <summary>The runtime settings a container's resources ask for (the same mapping as at creation).</summary>
    public static ContainerResources Target(ResourceRequirements? resources)
    {
        var (nano, memory, shares) = ContainerConfigBuilder.Resources(resources);
        return new ContainerResources(nano ?? 0, shares, memory ?? 0);
    }

    private static bool NeedsRestart(Container c, ContainerResources actual, ContainerResources target)
    {
        string PolicyOf(string resource) =>
            c.ResizePolicy?.FirstOrDefault(p => p.ResourceName == resource)?.RestartPolicy ?? ResizeRestartPolicy.NotRequired;
        var cpuChanged = actual.NanoCpus != target.NanoCpus || actual.CpuShares != target.CpuShares;
        var memoryChanged = actual.MemoryBytes != target.MemoryBytes;
        // Docker cannot take a cpu or memory limit away from a running container (0 means "leave it"): that needs a new container.
        return (cpuChanged && (PolicyOf(ResourceName.Cpu) == ResizeRestartPolicy.RestartContainer || (target.NanoCpus == 0 && actual.NanoCpus != 0)))
            || (memoryChanged && (PolicyOf(ResourceName.Memory) == ResizeRestartPolicy.RestartContainer || target.MemoryBytes == 0));
    }

    /// <summary>Null when the pod's desired requests fit the node next to the other pods; else Infeasible or Deferred with why.</summary>
    private ResizeOutcome? Admit(Pod pod)
    {
        var (cpu, memory) = Requests(pod.Spec?.Containers ?? [], statuses: null);
        if (cpu > allocatableCpu.MilliValue)
        {
            return Infeasible(ResourceName.Cpu, cpu, allocatableCpu.MilliValue);
        }
        if (memory > allocatableMemory.Value)
        {
            return Infeasible(ResourceName.Memory, memory, allocatableMemory.Value);
        }
        long usedCpu = 0, usedMemory = 0;
        foreach (var other in podsOnNode())
        {
            if (other.Metadata.Uid == pod.Metadata.Uid || other.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
            {
                continue;
            }
            var (c, m) = Requests(other.Spec?.Containers ?? [], other.Status?.ContainerStatuses);
            usedCpu += c;
            usedMemory += m;
        }
        if (cpu + usedCpu > allocatableCpu.MilliValue)
        {
            return Deferred(ResourceName.Cpu, cpu, usedCpu, allocatableCpu.MilliValue);
        }
        if (memory + usedMemory > allocatableMemory.Value)
        {
            return Deferred(ResourceName.Memory, memory, usedMemory, allocatableMemory.Value);
        }
        return null;
    }

    /// <summary>Milli-cpu and memory bytes a pod's containers hold: their allocated requests when reported, else the spec's.</summary>
    private static (long Cpu, long Memory) Requests(IReadOnlyList<Container> containers, IReadOnlyList<ContainerStatus>? statuses)
    {
        long cpu = 0, memory = 0;
        foreach (var c in containers)
        {
            var allocated = statuses?.FirstOrDefault(s => s.Name == c.Name)?.AllocatedResources;
            var requests = allocated ?? c.Resources?.Requests;
            cpu += Milli(requests, ResourceName.Cpu);
            memory += Bytes(requests, ResourceName.Memory);
        }
        return (cpu, memory);
    }

    private static long Milli(IReadOnlyDictionary<string, Quantity>? m, string name) => m is not null && m.TryGetValue(name, out var q) ? q.MilliValue : 0;

    private static long Bytes(IReadOnlyDictionary<string, Quantity>? m, string name) => m is not null && m.TryGetValue(name, out var q) ? q.Value : 0;

    private static ResizeOutcome Infeasible(string resource, long requested, long capacity) => new(PodResizeReason.Infeasible,
        $"Node didn't have enough capacity: {resource}, requested: {requested}, capacity: {capacity}", null, []);

    private static ResizeOutcome Deferred(string resource, long requested, long used, long capacity) => new(PodResizeReason.Deferred,
        $"Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, capacity: {capacity}", null, []);
}
