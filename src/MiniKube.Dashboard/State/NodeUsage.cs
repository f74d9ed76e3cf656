using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>A node's capacity, allocatable and what its pods request (CPU in millicores, memory in bytes), as kubectl describe node sums them.</summary>
public sealed record NodeUsage(long CpuCapacity, long CpuAllocatable, long CpuRequested, long MemoryCapacity, long MemoryAllocatable, long MemoryRequested, int Pods)
{
    public static NodeUsage For(Node node, IEnumerable<Pod> pods)
    {
        var cpu = 0L;
        var memory = 0L;
        var count = 0;
        foreach (var pod in pods)
        {
            if (pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
            {
                continue;
            }
            count++;
            var (podCpu, podMemory) = Requests(pod.Spec);
            cpu += podCpu;
            memory += podMemory;
        }
        var status = node.Status;
        return new NodeUsage(
            Milli(status?.Capacity, ResourceName.Cpu), Milli(status?.Allocatable, ResourceName.Cpu), cpu,
            Value(status?.Capacity, ResourceName.Memory), Value(status?.Allocatable, ResourceName.Memory), memory, count);
    }

    /// <summary>A pod's requests: the sum over its containers, or the largest init container's when that is more.</summary>
    public static (long MilliCpu, long Memory) Requests(PodSpec? spec)
    {
        if (spec is null)
        {
            return (0, 0);
        }
        long cpu = 0, memory = 0;
        foreach (var c in spec.Containers)
        {
            cpu += Milli(c.Resources?.Requests, ResourceName.Cpu);
            memory += Value(c.Resources?.Requests, ResourceName.Memory);
        }
        foreach (var c in spec.InitContainers ?? [])
        {
            cpu = Math.Max(cpu, Milli(c.Resources?.Requests, ResourceName.Cpu));
            memory = Math.Max(memory, Value(c.Resources?.Requests, ResourceName.Memory));
        }
        return (cpu, memory);
    }

    /// <summary>A pod's limits summed over its containers; 0 (no limit) for a resource some container does not limit.</summary>
    public static (long MilliCpu, long Memory) Limits(PodSpec? spec)
    {
        if (spec is null || spec.Containers.Count == 0)
        {
            return (0, 0);
        }
        var limits = spec.Containers.Select(c => c.Resources?.Limits).ToList();
        var cpu = limits.All(l => l?.ContainsKey(ResourceName.Cpu) == true) ? limits.Sum(l => Milli(l, ResourceName.Cpu)) : 0;
        var memory = limits.All(l => l?.ContainsKey(ResourceName.Memory) == true) ? limits.Sum(l => Value(l, ResourceName.Memory)) : 0;
        return (cpu, memory);
    }

    private static long Milli(IReadOnlyDictionary<string, Quantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? q.MilliValue : 0;

    private static long Value(IReadOnlyDictionary<string, Quantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? q.Value : 0;
}
