using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>A pod that names its node (spec.nodeName) fits only there.</summary>
public sealed class NodeName : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string ErrReason = "node(s) didn't match the requested node name";

    private static readonly FilterResult Rejected = FilterResult.UnschedulableAndUnresolvable(ErrReason);

    public string Name => PluginNames.NodeName;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } = [ClusterEvent.NodeAdd];

    public FilterResult PreFilter(CycleState state, Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.NodeName) ? FilterResult.Skip : FilterResult.Success;

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        var wanted = pod.Spec?.NodeName;
        return string.IsNullOrEmpty(wanted) || wanted == node.Name ? FilterResult.Success : Rejected;
    }
}
