using System.Runtime.CompilerServices;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// The per-resource (requested, allocatable) pairs that resource-based scores work on, as upstream's
/// resourceAllocationScorer builds them: CPU and memory come from non-zero requests (LeastAllocated,
/// MostAllocated, RequestedToCapacityRatio) or from real requests (BalancedAllocation); an extended resource
/// the pod does not ask for, and any resource the node has none of, is left out of the score.
/// </summary>
internal sealed class ResourceScoring
{
    private readonly Kind[] _kinds;
    private readonly string[] _names;

    public ResourceScoring(IReadOnlyList<ResourceSpec> resources, bool useNonZeroRequests)
    {
        Count = resources.Count;
        _names = resources.Select(r => r.Name).ToArray();
        Weights = resources.Select(r => r.Weight).ToArray();
        _kinds = resources.Select(r => r.Name switch
        {
            "cpu" => Kind.Cpu,
            "memory" => Kind.Memory,
            "ephemeral-storage" => Kind.EphemeralStorage,
            _ => PodResources.IsScalarResourceName(r.Name) ? Kind.Scalar : Kind.Other,
        }).ToArray();
        UseNonZeroRequests = useNonZeroRequests;
    }

    public int Count { get; }

    public long[] Weights { get; }

    public bool UseNonZeroRequests { get; }

    /// <summary>The pod's request of resource <paramref name="i"/> in the units this scorer uses.</summary>
    public long PodRequest(PodInfo pod, int i) => _kinds[i] switch
    {
        Kind.Cpu => UseNonZeroRequests ? pod.NonZeroMilliCpu : pod.Requests.MilliCpu,
        Kind.Memory => UseNonZeroRequests ? pod.NonZeroMemory : pod.Requests.Memory,
        Kind.EphemeralStorage => pod.Requests.EphemeralStorage,
        Kind.Scalar => pod.Requests.Scalar(_names[i]),
        _ => 0,
    };

    /// <summary>
    /// Fills (requested incl. the pod, allocatable) for each resource; both 0 for resources that take no
    /// part in this node's score.
    /// </summary>
    public void Fill(NodeInfo node, ReadOnlySpan<long> podRequests, Span<long> requested, Span<long> allocatable)
    {
        var alloc = node.Allocatable;
        var used = node.Requested;
        for (var i = 0; i < Count; i++)
        {
            long a;
            long r;
            switch (_kinds[i])
            {
                case Kind.Cpu:
                    a = alloc.MilliCpu;
                    r = (UseNonZeroRequests ? node.NonZeroMilliCpu : used.MilliCpu) + podRequests[i];
                    break;
                case Kind.Memory:
                    a = alloc.Memory;
                    r = (UseNonZeroRequests ? node.NonZeroMemory : used.Memory) + podRequests[i];
                    break;
                case Kind.EphemeralStorage:
                    a = alloc.EphemeralStorage;
                    r = used.EphemeralStorage + podRequests[i];
                    break;
                case Kind.Scalar when podRequests[i] != 0:
                    a = alloc.Scalar(_names[i]);
                    r = used.Scalar(_names[i]) + podRequests[i];
                    break;
                default:
                    a = 0;
                    r = 0;
                    break;
            }
            if (a == 0)
            {
                r = 0;
            }
            allocatable[i] = a;
            requested[i] = r;
        }
    }

    private enum Kind
    {
        Cpu,
        Memory,
        EphemeralStorage,
        Scalar,
        Other,
    }
}

/// <summary>The score functions of NodeResourcesFit's strategies, on (requested, allocatable) vectors.</summary>
internal static class ResourceScorers
{
    private const long MaxUtilization = 100;

    // RequestedToCapacityRatio shapes score 0–10; the scheduler scores 0–100.
    private const long MaxCustomPriorityScore = 10;

    public static long LeastAllocated(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable, ReadOnlySpan<long> weights)
    {
        long score = 0;
        long weightSum = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }
            var r = requested[i];
            var c = allocatable[i];
            var s = r > c ? 0 : (c - r) * NodeScore.Max / c;
            score += s * weights[i];
            weightSum += weights[i];
        }
        return weightSum == 0 ? 0 : score / weightSum;
    }

    public static long MostAllocated(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable, ReadOnlySpan<long> weights)
    {
        long score = 0;
        long weightSum = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }
            // Over-committed nodes (possible when requests grow after binding) score as full, not above.
            var r = Math.Min(requested[i], allocatable[i]);
            score += r * NodeScore.Max / allocatable[i] * weights[i];
            weightSum += weights[i];
        }
        return weightSum == 0 ? 0 : score / weightSum;
    }

    public static long RequestedToCapacityRatio(
        ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable, ReadOnlySpan<long> weights, IReadOnlyList<UtilizationShapePoint> shape)
    {
        long score = 0;
        long weightSum = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }
            var utilization = requested[i] > allocatable[i] ? MaxUtilization : requested[i] * MaxUtilization / allocatable[i];
            var s = BrokenLinear(shape, utilization);
            // Upstream leaves resources scoring 0 out of the average.
            if (s > 0)
            {
                score += s * weights[i];
                weightSum += weights[i];
            }
        }
        return weightSum == 0 ? 0 : (long)Math.Round((double)score / weightSum, MidpointRounding.AwayFromZero);
    }

    [SkipLocalsInit]
    public static long BalancedAllocation(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable)
    {
        Span<double> fractions = stackalloc double[requested.Length];
        var n = 0;
        double total = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }
            var f = Math.Min(1.0, (double)requested[i] / allocatable[i]);
            fractions[n++] = f;
            total += f;
        }
        double std = 0;
        if (n == 2)
        {
            std = Math.Abs((fractions[0] - fractions[1]) / 2);
        }
        else if (n > 2)
        {
            var mean = total / n;
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += (fractions[i] - mean) * (fractions[i] - mean);
            }
            std = Math.Sqrt(sum / n);
        }
        return (long)((1 - std) * NodeScore.Max);
    }

    private static long BrokenLinear(IReadOnlyList<UtilizationShapePoint> shape, long utilization)
    {
        for (var i = 0; i < shape.Count; i++)
        {
            if (utilization <= shape[i].Utilization)
            {
                if (i == 0)
                {
                    return Scaled(shape[0].Score);
                }
                var (u0, s0) = (shape[i - 1].Utilization, Scaled(shape[i - 1].Score));
                var (u1, s1) = (shape[i].Utilization, Scaled(shape[i].Score));
                return s0 + (s1 - s0) * (utilization - u0) / (u1 - u0);
            }
        }
        return Scaled(shape[^1].Score);
    }

    private static long Scaled(int shapeScore) => shapeScore * (NodeScore.Max / MaxCustomPriorityScore);
}
