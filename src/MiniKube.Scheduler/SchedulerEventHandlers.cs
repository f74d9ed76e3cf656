using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler;

/// <summary>
/// Routes informer events to the cache and the queue, as kube-scheduler's event handlers do: pending pods
/// of this scheduler's profiles go to the queue; bound pods go to the cache; and every change that may
/// free room or add options (node added or changed, pod deleted, finished or relabelled) is a
/// <see cref="ClusterEvent"/> that moves parked pods it may help. The host calls these from its informers.
/// </summary>
public sealed class SchedulerEventHandlers(SchedulerCache cache, SchedulingQueue queue, Func<Pod, bool> isResponsibleFor)
{
    public void OnNodeAdded(Node node)
    {
        cache.AddNode(node);
        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
    }

    public void OnNodeUpdated(Node oldNode, Node newNode)
    {
        cache.UpdateNode(newNode);
        var change = ClusterEvent.ForNodeUpdate(oldNode, newNode);
        if (change.Action != ActionType.None)
        {
            queue.MoveAllToActiveOrBackoff(change);
        }
    }

    public void OnNodeDeleted(Node node)
    {
        cache.RemoveNode(node.Metadata.Name ?? "");
        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeDelete);
    }

    public void OnPodAdded(Pod pod)
    {
        if (IsAssigned(pod))
        {
            if (!IsFinished(pod))
            {
                cache.AddPod(pod);
                queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
            }
            return;
        }
        if (IsPending(pod))
        {
            queue.Add(pod);
        }
    }

    public void OnPodUpdated(Pod oldPod, Pod newPod)
    {
        if (IsAssigned(newPod))
        {
            if (!IsAssigned(oldPod))
            {
                // The binding arrived: the pod leaves the queue and is confirmed in the cache.
                queue.Delete(oldPod);
                cache.AddPod(newPod);
                queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
                return;
            }
            if (IsFinished(newPod))
            {
                cache.RemovePod(newPod);
                queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
                return;
            }
            cache.UpdatePod(oldPod, newPod);
            queue.MoveAllToActiveOrBackoff(ClusterEvent.ForAssignedPodUpdate(oldPod, newPod));
            return;
        }
        if (!IsPending(newPod))
        {
            queue.Delete(newPod);
            return;
        }
        // An update racing with our own bind: the pod is decided, the watch will bring the binding.
        if (cache.IsAssumed(newPod))
        {
            return;
        }
        queue.Update(oldPod, newPod);
    }

    public void OnPodDeleted(Pod pod)
    {
        if (IsAssigned(pod))
        {
            cache.RemovePod(pod);
            queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
            return;
        }
        queue.Delete(pod);
        // A pod deleted while its bind was in flight must not keep its assumed capacity.
        cache.ForgetPod(pod);
    }

    private static bool IsAssigned(Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);

    private static bool IsFinished(Pod pod) => pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed;

    private bool IsPending(Pod pod) => !IsFinished(pod) && isResponsibleFor(pod);
}
