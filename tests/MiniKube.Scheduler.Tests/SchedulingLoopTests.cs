using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class SchedulingLoopTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SchedulerCache cache = new();
    private readonly FakeBinder binder = new();
    private readonly Observer observer = new();
    private readonly SchedulingQueue queue;
    private readonly SchedulingLoop loop;
    private readonly SchedulerEventHandlers handlers;

    public SchedulingLoopTests()
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles(binder: binder)[0];
        queue = new SchedulingQueue(clock, mayHelp: SchedulingQueue.HintsFrom([profile]));
        loop = new SchedulingLoop(cache, queue, [profile], observer);
        handlers = new SchedulerEventHandlers(cache, queue, loop.IsResponsibleFor);
    }

    private async Task<ScheduleResult> Once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await loop.ScheduleOneAsync(timeout.Token);
        await loop.WaitForBindsAsync(timeout.Token);
        return result;
    }

    [Fact]
    public async Task A_pending_pod_is_scheduled_assumed_and_bound()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1"));
        var pod = TestObjects.PodRequesting("p", "1");
        handlers.OnPodAdded(pod);

        var result = await Once();
        Assert.Equal("n1", result.SuggestedHost);
        Assert.Equal([("p", "n1")], binder.Bound);
        Assert.Equal([("p", "n1")], observer.BoundPods);
        Assert.True(cache.IsAssumed(pod));
        Assert.Equal(0, queue.Count);

        // The watch brings the binding: confirmed, counted once.
        handlers.OnPodUpdated(pod, pod.BoundTo("n1"));
        Assert.False(cache.IsAssumed(pod));
        Assert.Equal(1, cache.Snapshot().Get("n1")!.PodCount);
    }

    [Fact]
    public async Task An_unschedulable_pod_reports_the_fit_error_and_waits_for_a_new_node()
    {
        handlers.OnNodeAdded(TestObjects.Node("small", cpu: "1"));
        var pod = TestObjects.PodRequesting("p", "2");
        handlers.OnPodAdded(pod);

        var result = await Once();
        Assert.False(result.Succeeded);
        Assert.Equal([("p", "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu.")], observer.Failures);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));

        // A bound pod's label changing is irrelevant to a CPU shortage; a new node is not.
        var other = TestObjects.PodRequesting("other", labels: "a=1").BoundTo("small");
        handlers.OnPodAdded(other);
        Assert.Equal(QueueLocation.Unschedulable, queue.LocationOf(pod));
        handlers.OnNodeAdded(TestObjects.Node("big", cpu: "8"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(QueueLocation.Active, queue.LocationOf(pod));
        Assert.Equal("big", (await Once()).SuggestedHost);
    }

    [Fact]
    public async Task Freed_capacity_moves_the_pod_when_a_bound_pod_is_deleted()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1", cpu: "2"));
        var hog = TestObjects.PodRequesting("hog", "2").BoundTo("n1");
        handlers.OnPodAdded(hog);
        var pod = TestObjects.PodRequesting("p", "1");
        handlers.OnPodAdded(pod);
        Assert.False((await Once()).Succeeded);

        handlers.OnPodDeleted(hog);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("n1", (await Once()).SuggestedHost);
    }

    [Fact]
    public async Task A_failed_bind_gives_the_capacity_back_and_retries_after_backoff()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1"));
        var pod = TestObjects.PodRequesting("p", "3");
        handlers.OnPodAdded(pod);
        binder.FailNext = true;

        Assert.Equal("n1", (await Once()).SuggestedHost);
        Assert.False(cache.IsAssumed(pod));
        Assert.Equal(0, cache.Snapshot().Get("n1")!.PodCount);
        Assert.Equal(QueueLocation.Backoff, queue.LocationOf(pod));
        Assert.Equal("SchedulerError", observer.Failures.Single().Reason);
        Assert.StartsWith("binding rejected: ", observer.Failures.Single().Message);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("n1", (await Once()).SuggestedHost);
        Assert.Equal([("p", "n1")], binder.Bound);
    }

    [Fact]
    public async Task Back_to_back_pods_see_each_others_assumed_capacity()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1", cpu: "2"));
        handlers.OnNodeAdded(TestObjects.Node("n2", cpu: "2"));
        handlers.OnPodAdded(TestObjects.PodRequesting("a", "1500m"));
        handlers.OnPodAdded(TestObjects.PodRequesting("b", "1500m"));
        handlers.OnPodAdded(TestObjects.PodRequesting("c", "1500m"));
        var hosts = new[] { (await Once()).SuggestedHost, (await Once()).SuggestedHost };
        Assert.Equal(["n1", "n2"], hosts.Order());
        Assert.Equal("0/2 nodes are available: 2 Insufficient cpu.", (await Once()).FitError!.Message);
    }

    [Fact]
    public void Pods_of_other_schedulers_and_finished_pods_are_not_queued()
    {
        handlers.OnPodAdded(TestObjects.PodRequesting("theirs", spec: new PodSpec { SchedulerName = "other-scheduler" }));
        handlers.OnPodAdded(TestObjects.PodRequesting("done") with { Status = new PodStatus { Phase = PodPhase.Failed } });
        handlers.OnPodAdded(TestObjects.PodRequesting("mine", spec: new PodSpec { SchedulerName = "default-scheduler" }));
        Assert.Equal(["mine"], queue.PendingPods().Select(p => p.PodInfo.Name));
    }

    [Fact]
    public void A_finished_bound_pod_frees_its_node()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1"));
        var pod = TestObjects.PodRequesting("job", "1").BoundTo("n1");
        handlers.OnPodAdded(pod);
        handlers.OnPodUpdated(pod, pod with { Status = new PodStatus { Phase = PodPhase.Succeeded } });
        Assert.Equal(0, cache.Snapshot().Get("n1")!.PodCount);
    }

    [Fact]
    public async Task Pods_being_deleted_are_skipped_without_a_decision()
    {
        handlers.OnNodeAdded(TestObjects.Node("n1"));
        var pod = TestObjects.PodRequesting("p", "1");
        handlers.OnPodAdded(pod with { Metadata = pod.Metadata with { DeletionTimestamp = DateTimeOffset.UnixEpoch } });
        var result = await Once();
        Assert.True(result.Skipped);
        Assert.Empty(binder.Bound);
        Assert.Empty(observer.Failures);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_profile_without_binder_is_rejected()
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles()[0];
        Assert.Throws<ArgumentException>(() => new SchedulingLoop(cache, queue, [profile]));
    }

    private sealed class FakeBinder : IBindPlugin
    {
        public ConcurrentQueue<(string, string)> BoundQueue { get; } = new();

        public (string, string)[] Bound => [.. BoundQueue];

        public bool FailNext { get; set; }

        public string Name => "FakeBinder";

        public async ValueTask BindAsync(Pod pod, string nodeName, CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("conflict");
            }
            BoundQueue.Enqueue((pod.Metadata.Name!, nodeName));
        }
    }

    private sealed class Observer : ISchedulingObserver
    {
        private readonly ConcurrentQueue<(string, string)> bound = new();
        private readonly ConcurrentQueue<(string Pod, string Reason, string Message)> failures = new();

        public (string, string)[] BoundPods => [.. bound];

        public (string Pod, string Reason, string Message)[] Failures => [.. failures];

        public void Bound(Pod pod, string nodeName) => bound.Enqueue((pod.Metadata.Name!, nodeName));

        public void Failed(Pod pod, string reason, string message) => failures.Enqueue((pod.Metadata.Name!, reason, message));
    }
}
