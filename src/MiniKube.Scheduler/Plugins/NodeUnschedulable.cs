using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>Filters out cordoned nodes (spec.unschedulable), unless the pod tolerates the unschedulable taint.</summary>
public sealed class NodeUnschedulable : IFilterPlugin, IEnqueueExtensions
{
    public const string ErrReasonUnschedulable = "node(s) were unschedulable";

    // kubectl cordon sets spec.unschedulable; pods opt in by tolerating the taint the node lifecycle
    // controller mirrors it as.
    private static readonly Taint UnschedulableTaint = new() { Key = WellKnownTaints.NodeUnschedulable, Effect = TaintEffect.NoSchedule };
    private static readonly FilterResult Rejected = FilterResult.UnschedulableAndUnresolvable(ErrReasonUnschedulable);

    public string Name => PluginNames.NodeUnschedulable;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } =
        [new(EventResource.Node, ActionType.Add | ActionType.UpdateNodeTaint, "Node")];

    public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
    {
        if (!node.Unschedulable || Toleration.AnyTolerates(pod.Spec?.Tolerations, UnschedulableTaint))
        {
            return FilterResult.Success;
        }
        return Rejected;
    }
}
