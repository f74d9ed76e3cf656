using System.Runtime.CompilerServices;
using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// Prefers nodes whose resource utilisations (with the pod placed) are close to each other:
/// score = (1 − standard deviation of the used fractions) × 100. Uses real requests, not the non-zero
/// stand-ins, and skips best-effort pods entirely (they would otherwise all pile onto one node), both as
/// current kube-scheduler does.
/// </summary>
public sealed class NodeResourcesBalancedAllocation : IPreScorePlugin, IScorePlugin
{
    private static readonly StateKey<long[]> PodRequestsKey = new("PreScore" + PluginNames.NodeResourcesBalancedAllocation);

    private readonly ResourceScoring _scoring;

    public NodeResourcesBalancedAllocation(NodeResourcesBalancedAllocationArgs? args = null)
    {
        _scoring = new ResourceScoring((args ?? new NodeResourcesBalancedAllocationArgs()).Resources, useNonZeroRequests: false);
    }

    public string Name => PluginNames.NodeResourcesBalancedAllocation;

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var requests = new long[_scoring.Count];
        var any = false;
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = _scoring.PodRequest(state.PodInfo, i);
            any |= requests[i] != 0;
        }
        if (!any)
        {
            return FilterResult.Skip;
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
            return 0;
        }
        Span<long> requested = stackalloc long[_scoring.Count];
        Span<long> allocatable = stackalloc long[_scoring.Count];
        _scoring.Fill(node, podRequests, requested, allocatable);
        return ResourceScorers.BalancedAllocation(requested, allocatable);
    }
}
