using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>What a cluster event is about.</summary>
public enum EventResource
{
    Node,

    /// <summary>A pod bound to a node (or assumed on one).</summary>
    AssignedPod,

    /// <summary>Matches every resource: used for the periodic flush and for "move everything".</summary>
    Wildcard,
}

/// <summary>What happened; node and pod updates are split by which scheduling-relevant part changed.</summary>
[Flags]
public enum ActionType
{
    None = 0,
    Add = 1,
    Delete = 2,
    UpdateNodeAllocatable = 4,
    UpdateNodeLabel = 8,

    /// <summary>Taints, and spec.unschedulable (which acts like a taint).</summary>
    UpdateNodeTaint = 16,
    UpdateNodeCondition = 32,
    UpdatePodLabel = 64,

    /// <summary>Any other change to an assigned pod (requests shrinking, status, …).</summary>
    UpdatePodOther = 128,
    Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdatePodLabel | UpdatePodOther,
    All = Add | Delete | Update,
}

/// <summary>
/// A change in the cluster that may make unschedulable pods schedulable (kube-scheduler's ClusterEvent).
/// Plugins register the events they care about; the queue moves a parked pod only for an event one of its
/// rejecting plugins registered.
/// </summary>
public readonly record struct ClusterEvent(EventResource Resource, ActionType Action, string Label)
{
    public static readonly ClusterEvent NodeAdd = new(EventResource.Node, ActionType.Add, "NodeAdd");
    public static readonly ClusterEvent NodeDelete = new(EventResource.Node, ActionType.Delete, "NodeDelete");
    public static readonly ClusterEvent AssignedPodAdd = new(EventResource.AssignedPod, ActionType.Add, "AssignedPodAdd");
    public static readonly ClusterEvent AssignedPodDelete = new(EventResource.AssignedPod, ActionType.Delete, "AssignedPodDelete");

    /// <summary>The periodic flush of pods parked longer than the unschedulable timeout.</summary>
    public static readonly ClusterEvent UnschedulableTimeout = new(EventResource.Wildcard, ActionType.All, "UnschedulableTimeout");

    /// <summary>Moves every parked pod, whatever rejected it.</summary>
    public static readonly ClusterEvent Any = new(EventResource.Wildcard, ActionType.All, "Any");

    /// <summary>
    /// The event for a node update, with the action bits of the scheduling-relevant parts that changed;
    /// <see cref="ActionType.None"/> when nothing the scheduler looks at changed (e.g. a heartbeat).
    /// </summary>
    public static ClusterEvent ForNodeUpdate(Node oldNode, Node newNode)
    {
        var action = ActionType.None;
        if (!SameMap(oldNode.Status?.Allocatable, newNode.Status?.Allocatable))
        {
            action |= ActionType.UpdateNodeAllocatable;
        }
        if (!SameMap(oldNode.Metadata.Labels, newNode.Metadata.Labels))
        {
            action |= ActionType.UpdateNodeLabel;
        }
        if ((oldNode.Spec?.Unschedulable == true) != (newNode.Spec?.Unschedulable == true)
            || !SameTaints(oldNode.Spec?.Taints, newNode.Spec?.Taints))
        {
            action |= ActionType.UpdateNodeTaint;
        }
        if (!SameConditions(oldNode.Status?.Conditions, newNode.Status?.Conditions))
        {
            action |= ActionType.UpdateNodeCondition;
        }
        return new ClusterEvent(EventResource.Node, action, "NodeUpdate");
    }

    /// <summary>The event for an update of a pod bound to a node.</summary>
    public static ClusterEvent ForAssignedPodUpdate(Pod oldPod, Pod newPod)
    {
        var action = SameMap(oldPod.Metadata.Labels, newPod.Metadata.Labels) ? ActionType.UpdatePodOther : ActionType.UpdatePodLabel;
        return new ClusterEvent(EventResource.AssignedPod, action, "AssignedPodUpdate");
    }

    /// <summary>Whether this (actual) event is one a plugin registered as <paramref name="registered"/>.</summary>
    public bool Matches(ClusterEvent registered) =>
        (Resource == EventResource.Wildcard || registered.Resource == EventResource.Wildcard || Resource == registered.Resource)
        && (Action & registered.Action) != 0;

    public override string ToString() => Label;

    private static bool SameMap<T>(IReadOnlyDictionary<string, T>? a, IReadOnlyDictionary<string, T>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        if (a is null || b is null)
        {
            return true;
        }
        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var other) || !EqualityComparer<T>.Default.Equals(v, other))
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameTaints(IReadOnlyList<Taint>? a, IReadOnlyList<Taint>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            // TimeAdded is bookkeeping; key, value and effect decide scheduling.
            if (a![i].Key != b![i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect)
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameConditions(IReadOnlyList<NodeCondition>? a, IReadOnlyList<NodeCondition>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            // Heartbeat times change every few seconds and mean nothing to the scheduler.
            if (a![i].Type != b![i].Type || a[i].Status != b[i].Status)
            {
                return false;
            }
        }
        return true;
    }
}
