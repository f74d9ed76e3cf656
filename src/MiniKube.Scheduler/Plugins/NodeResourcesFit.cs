using System.Runtime.CompilerServices;
using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// Filter: the pod's requests must fit in the node's allocatable minus what its pods already request, and
/// the node must have room for one more pod. Score: by the configured strategy — LeastAllocated (spread,
/// the default), MostAllocated (pack) or RequestedToCapacityRatio (a custom utilisation curve).
/// </summary>
public sealed class NodeResourcesFit : IFilterPlugin, IPreScorePlugin, IScorePlugin, IEnqueueExtensions
{
    public const string ErrReasonTooManyPods = "Too many pods";

    private static readonly StateKey<long[]> PodRequestsKey = new("PreScore" + PluginNames.NodeResourcesFit);

    // Index bits: 1 too many pods, 2 cpu, 4 memory, 8 ephemeral-storage — every combination built once, so
    // a full node fails without allocating.
    private static readonly FilterResult?[] CommonFailures = BuildCommonFailures();

    private readonly HashSet<string> _ignoredResources;
    private readonly HashSet<string> _ignoredGroups;
    private readonly ScoringStrategy _strategy;
    private readonly ResourceScoring _scoring;
    private readonly Strategy _strategyKind;

    public NodeResourcesFit(NodeResourcesFitArgs? args = null)
    {
        args ??= new NodeResourcesFitArgs();
        _ignoredResources = new HashSet<string>(args.IgnoredResources, StringComparer.Ordinal);
        _ignoredGroups = new HashSet<string>(args.IgnoredResourceGroups, StringComparer.Ordinal);
        _strategy = args.ScoringStrategy;
        _scoring = new ResourceScoring(_strategy.Resources, useNonZeroRequests: true);
        _strategyKind = _strategy.Type switch
        {
            Plugins.ScoringStrategyType.MostAllocated => Strategy.MostAllocated,
            Plugins.ScoringStrategyType.RequestedToCapacityRatio => Strategy.RequestedToCapacityRatio,
            _ => Strategy.LeastAllocated,
        };
    }

    private enum Strategy
    {
        LeastAllocated,
        MostAllocated,
        RequestedToCapacityRatio,
    }

    public string Name => PluginNames.NodeResourcesFit;

    public string ScoringStrategyType => _strategy.Type;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
    [
        new(EventResource.AssignedPod, ActionType.Delete | ActionType.UpdatePodOther, "AssignedPod"),
        new(EventResource.Node, ActionType.Add | ActionType.UpdateNodeAllocatable, "Node"),
    ];

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var request = state.PodInfo.Requests;
        var failures = 0;
        if (node.PodCount + 1 > node.AllowedPodNumber)
        {
            failures |= 1;
        }
        if (request.IsZero)
        {
            return failures == 0 ? FilterResult.Success : CommonFailures[failures]!;
        }
        var alloc = node.Allocatable;
        var used = node.Requested;
        if (request.MilliCpu > 0 && request.MilliCpu > alloc.MilliCpu - used.MilliCpu)
        {
            failures |= 2;
        }
        if (request.Memory > 0 && request.Memory > alloc.Memory - used.Memory)
        {
            failures |= 4;
        }
        if (request.EphemeralStorage > 0 && request.EphemeralStorage > alloc.EphemeralStorage - used.EphemeralStorage)
        {
            failures |= 8;
        }
        List<string>? scalarFailures = null;
        foreach (var s in request.Scalars)
        {
            if (IsIgnored(s.Name))
            {
                continue;
            }
            if (s.Value > alloc.Scalar(s.Name) - used.Scalar(s.Name))
            {
                (scalarFailures ??= []).Add("Insufficient " + s.Name);
            }
        }
        if (scalarFailures is null)
        {
            return failures == 0 ? FilterResult.Success : CommonFailures[failures]!;
        }
        var reasons = new List<string>(CommonFailures[failures]?.Reasons ?? []);
        reasons.AddRange(scalarFailures);
        return FilterResult.Unschedulable([.. reasons]);
    }

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var requests = new long[_scoring.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = _scoring.PodRequest(state.PodInfo, i);
        }
        state.Write(PodRequestsKey, requests);
        return FilterResult.Success;
    }

    [SkipLocalsInit]
    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var podRequests = state.Read(PodRequestsKey);
        if (podRequests is null)
        {
            PreScore(state, pod, []);
            podRequests = state.Read(PodRequestsKey)!;
        }
        Span<long> requested = stackalloc long[_scoring.Count];
        Span<long> allocatable = stackalloc long[_scoring.Count];
        _scoring.Fill(node, podRequests, requested, allocatable);
        return _strategyKind switch
        {
            Strategy.MostAllocated => ResourceScorers.MostAllocated(requested, allocatable, _scoring.Weights),
            Strategy.RequestedToCapacityRatio => ResourceScorers.RequestedToCapacityRatio(requested, allocatable, _scoring.Weights, _strategy.Shape),
            _ => ResourceScorers.LeastAllocated(requested, allocatable, _scoring.Weights),
        };
    }

    private bool IsIgnored(string resource)
    {
        if (_ignoredResources.Contains(resource))
        {
            return true;
        }
        if (_ignoredGroups.Count == 0)
        {
            return false;
        }
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && _ignoredGroups.Contains(resource[..slash]);
    }

    private static FilterResult?[] BuildCommonFailures()
    {
        var results = new FilterResult?[16];
        for (var bits = 1; bits < 16; bits++)
        {
            var reasons = new List<string>();
            if ((bits & 1) != 0)
            {
                reasons.Add(ErrReasonTooManyPods);
            }
            if ((bits & 2) != 0)
            {
                reasons.Add("Insufficient cpu");
            }
            if ((bits & 4) != 0)
            {
                reasons.Add("Insufficient memory");
            }
            if ((bits & 8) != 0)
            {
                reasons.Add("Insufficient ephemeral-storage");
            }
            results[bits] = FilterResult.Unschedulable([.. reasons]);
        }
        return results;
    }
}
