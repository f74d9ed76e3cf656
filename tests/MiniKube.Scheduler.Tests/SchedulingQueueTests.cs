using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Scheduler.Queue;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class SchedulingQueueTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private SchedulingQueue NewQueue(Func<QueuedPodInfo, ClusterEvent, bool>? mayHelp = null, SchedulingQueueOptions? options = null) =>
        new(clock, options, mayHelp);

    private static async Task<QueuedPodInfo> Pop(SchedulingQueue queue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await queue.PopAsync(timeout.Token);
    }

    private static IReadOnlySet<string> Plugins(params string[] names) => new HashSet<string>(names);

    [Fact]
    public async Task Higher_priority_first_then_oldest_first()
    {
        var queue = NewQueue();
        queue.Add(TestObjects.PodRequesting("low-old", priority: 0));
        clock.Advance(TimeSpan.FromSeconds(1));
        queue.Add(TestObjects.PodRequesting("high", priority: 100));
        clock.Advance(TimeSpan.FromSeconds(1));
        queue.Add(TestObjects.PodRequesting("low-new", priority: 0));
        queue.Add(TestObjects.PodRequesting("low-newer", priority: 0));

        Assert.Equal("high", (await Pop(queue)).PodInfo.Name);
        Assert.Equal("low-old", (await Pop(queue)).PodInfo.Name);
        Assert.Equal("low-new", (await Pop(queue)).PodInfo.Name);
        Assert.Equal("low-newer", (await Pop(queue)).PodInfo.Name);
    }

    [Fact]
    public async Task Pop_waits_for_a_pod()
    {
        var queue = NewQueue();
        var pop = queue.PopAsync().AsTask();
        // Time passing does not hand out anything: no timer is due and nothing was added.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(pop.IsCompleted);
        queue.Add(TestObjects.PodRequesting("p"));
        // The pod popped is the one added after the wait began: an early return could not have produced it.
        Assert.Equal("p", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).PodInfo.Name);
    }

    [Fact]
    public async Task Pop_honours_cancellation()
    {
        var queue = NewQueue();
        using var cts = new CancellationTokenSource();
        var pop = queue.PopAsync(cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pop.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Backoff_doubles_from_one_second_up_to_ten()
    {
        var queue = NewQueue();
        Assert.Equal(
            [1, 2, 4, 8, 10, 10],
            Enumerable.Range(1, 6).Select(a => queue.BackoffDuration(a).TotalSeconds));
    }

    [Fact]
    public async Task A_failed_pod_backs_off_for_its_duration()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);

        // Attempt 1 fails with an error: 1 s backoff.
        queue.AddUnschedulable(await Pop(queue));
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));

        // Attempt 2 fails: 2 s.
        var second = await Pop(queue);
        Assert.Equal(2, second.Attempts);
        queue.AddUnschedulable(second);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
    }

    [Fact]
    public async Task Pop_wakes_when_a_backoff_expires()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);
        queue.AddUnschedulable(await Pop(queue));
        var pop = queue.PopAsync().AsTask();
        // Pop is waiting on the clock (its timer exists once PopAsync returned): a tick before the backoff ends, the pod
        // is still backing off, so nothing can have been handed out.
        clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        Assert.False(pop.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, (await pop.WaitAsync(TimeSpan.FromSeconds(5))).Attempts);
    }

    [Fact]
    public async Task An_unschedulable_pod_waits_for_a_node_add_and_not_before()
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles()[0];
        var queue = NewQueue((info, e) => profile.MayHelp(info.UnschedulablePlugins, e));
        var pod = TestObjects.PodRequesting("p", "64");
        queue.Add(pod);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(info);
        queue.Done(info.Key);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));

        // A label change cannot help a pod that lacked CPU; a new node can.
        queue.MoveAllToActiveOrBackoff(new ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel, "NodeUpdate"));
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));
        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
        Assert.Equal("p", (await Pop(queue)).PodInfo.Name);
    }

    [Fact]
    public async Task A_pod_moved_while_still_backing_off_goes_through_backoff()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(info);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        clock.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
    }

    [Fact]
    public async Task Unschedulable_pods_are_retried_after_five_minutes_anyway()
    {
        var queue = NewQueue((_, e) => e.Resource == EventResource.Wildcard);
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeAffinity);
        queue.AddUnschedulable(info);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
    }

    [Fact]
    public async Task The_unschedulable_timeout_is_configurable_and_wakes_pop()
    {
        var queue = NewQueue(options: new SchedulingQueueOptions { PodMaxInUnschedulablePodsDuration = TimeSpan.FromSeconds(30) });
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeAffinity);
        queue.AddUnschedulable(info);
        var pop = queue.PopAsync().AsTask();
        clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));
        Assert.False(pop.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("p", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).PodInfo.Name);
    }

    [Fact]
    public async Task An_event_during_the_attempt_sends_the_failed_pod_to_backoff_not_to_parking()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p");
        queue.Add(pod);
        var info = await Pop(queue);
        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(info);
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));

        // The next attempt, with no event meanwhile, parks it.
        clock.Advance(TimeSpan.FromSeconds(1));
        var again = await Pop(queue);
        again.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(again);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));
    }

    [Fact]
    public async Task An_unrelated_event_during_the_attempt_does_not_cut_parking_short()
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles()[0];
        var queue = NewQueue(SchedulingQueue.HintsFrom([profile]));
        var pod = TestObjects.PodRequesting("p", "64");
        queue.Add(pod);
        queue.Add(TestObjects.PodRequesting("other"));
        var info = await Pop(queue);
        var other = await Pop(queue);

        // While "p" is being decided, another pod's binding arrives (no help for a CPU shortage)...
        queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(info);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));

        // ...whereas a pod deletion during "other"'s attempt (still in flight) may help it.
        queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
        other.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(other);
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(other.Pod));
        // The deletion also moved the parked "p".
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
    }

    [Fact]
    public async Task A_spec_change_retries_an_unschedulable_pod_but_a_status_change_does_not()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p", "64");
        queue.Add(pod);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeResourcesFit);
        queue.AddUnschedulable(info);
        clock.Advance(TimeSpan.FromSeconds(2));

        var withCondition = pod with
        {
            Status = new PodStatus { Conditions = [new PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable" }] },
            Metadata = pod.Metadata with { ResourceVersion = "7" },
        };
        queue.Update(pod, withCondition);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));

        var smaller = withCondition with { Spec = withCondition.Spec! with { Containers = [TestObjects.Container("1")] } };
        queue.Update(withCondition, smaller);
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
        Assert.Equal(1000, (await Pop(queue)).PodInfo.Requests.MilliCpu);
    }

    [Fact]
    public async Task Deleted_pods_disappear_from_every_queue()
    {
        var queue = NewQueue();
        var active = TestObjects.PodRequesting("active");
        var parked = TestObjects.PodRequesting("parked");
        queue.Add(parked);
        var info = await Pop(queue);
        info.UnschedulablePlugins = Plugins(PluginNames.NodeAffinity);
        queue.AddUnschedulable(info);
        queue.Add(active);
        queue.Delete(active);
        queue.Delete(parked);
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.ActiveCount);
        Assert.Equal(0, queue.UnschedulableCount);

        var pop = queue.PopAsync().AsTask();
        // Past every backoff and the unschedulable timeout: a deleted pod that lingered anywhere would be active by now
        // and, being older, popped before the one added next.
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal((0, 0, 0), (queue.Count, queue.ActiveCount, queue.BackoffCount));
        Assert.False(pop.IsCompleted);
        queue.Add(TestObjects.PodRequesting("later"));
        Assert.Equal("later", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).PodInfo.Name);
        Assert.Equal(0, queue.ActiveCount);
    }

    [Fact]
    public async Task Done_forgets_a_scheduled_pod_and_a_pod_deleted_in_flight_is_not_requeued()
    {
        var queue = NewQueue();
        var a = TestObjects.PodRequesting("a");
        var b = TestObjects.PodRequesting("b");
        queue.Add(a);
        queue.Add(b);
        var first = await Pop(queue);
        queue.Done(first.Key);
        Assert.Null(queue.LocationOf(a));

        var second = await Pop(queue);
        queue.Delete(b);
        queue.AddUnschedulable(second);
        Assert.Null(queue.LocationOf(b));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Adding_a_known_pod_updates_it_instead_of_duplicating()
    {
        var queue = NewQueue();
        var pod = TestObjects.PodRequesting("p", priority: 1);
        queue.Add(pod);
        queue.Add(pod with { Spec = pod.Spec! with { Priority = 5 } });
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, queue.ActiveCount);
        Assert.Equal(5, (await Pop(queue)).PodInfo.Priority);
        Assert.Equal(0, queue.ActiveCount);
    }

    [Fact]
    public void Node_update_events_carry_what_changed()
    {
        var node = TestObjects.Node("n1");
        var heartbeat = node with { Status = node.Status! with { Conditions = [new NodeCondition { Type = "Ready", Status = "True", LastHeartbeatTime = DateTimeOffset.UnixEpoch }] } };
        var heartbeat2 = node with { Status = node.Status! with { Conditions = [new NodeCondition { Type = "Ready", Status = "True", LastHeartbeatTime = DateTimeOffset.UnixEpoch.AddSeconds(10) }] } };
        Assert.Equal(ActionType.None, ClusterEvent.ForNodeUpdate(heartbeat, heartbeat2).Action);
        Assert.Equal(ActionType.UpdateNodeTaint, ClusterEvent.ForNodeUpdate(node, node with { Spec = new NodeSpec { Unschedulable = true } }).Action);
        Assert.Equal(ActionType.UpdateNodeAllocatable, ClusterEvent.ForNodeUpdate(node, TestObjects.Node("n1", cpu: "8")).Action);
        Assert.Equal(ActionType.UpdateNodeLabel, ClusterEvent.ForNodeUpdate(node, TestObjects.Node("n1", labels: "zone=a")).Action);
    }
}
