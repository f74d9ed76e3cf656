using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// A pod's host ports must be free on the node: same protocol and port collide when either side binds
/// 0.0.0.0 or both bind the same IP.
/// </summary>
public sealed class NodePorts : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string ErrReason = "node(s) didn't have free ports for the requested pod ports";

    private static readonly FilterResult Rejected = FilterResult.Unschedulable(ErrReason);

    public string Name => PluginNames.NodePorts;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
        [ClusterEvent.AssignedPodDelete, ClusterEvent.NodeAdd];

    public FilterResult PreFilter(CycleState state, Pod pod) =>
        state.PodInfo.HostPorts.Length == 0 ? FilterResult.Skip : FilterResult.Success;

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var wanted = state.PodInfo.HostPorts;
        var used = node.UsedPorts;
        foreach (var w in wanted)
        {
            foreach (var u in used)
            {
                if (w.ConflictsWith(u))
                {
                    return Rejected;
                }
            }
        }
        return FilterResult.Success;
    }
}
