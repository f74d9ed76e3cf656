using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

/// <summary>The library wired as the scheduler process wires it, with a binder that plays the API server and watch.</summary>
public sealed class InProcessClusterTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly SchedulerCache cache = new();
    private readonly ConcurrentDictionary<string, string> placements = new();
    private readonly ConcurrentQueue<string> failures = new();
    private readonly SchedulingQueue queue;
    private readonly SchedulingLoop loop;
    private readonly SchedulerEventHandlers handlers;

    public InProcessClusterTests()
    {
        var binder = new WatchingBinder(this);
        var profiles = SchedulerConfiguration.Default.BuildProfiles(binder: binder);
        queue = new SchedulingQueue(clock, SchedulerConfiguration.Default.Queue, SchedulingQueue.HintsFrom(profiles));
        loop = new SchedulingLoop(cache, queue, profiles, new FailureLog(failures), random: new Random(3));
        handlers = new SchedulerEventHandlers(cache, queue, loop.IsResponsibleFor);
    }

    private async Task Drain(int attempts)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < attempts; i++)
        {
            await loop.ScheduleOneAsync(timeout.Token);
        }
        await loop.WaitForBindsAsync(timeout.Token);
    }

    [Fact]
    public async Task ReplicaSet_pods_spread_evenly_over_nodes()
    {
        for (var n = 0; n < 20; n++)
        {
            handlers.OnNodeAdded(TestObjects.Node($"n{n:D2}", cpu: "8", memory: "32Gi"));
        }
        var pods = new List<Pod>();
        foreach (var rs in new[] { "a", "b", "c" })
        {
            for (var i = 0; i < 40; i++)
            {
                var pod = TestObjects.PodRequesting($"{rs}-{i}", "100m", "128Mi", owner: rs);
                pods.Add(pod);
                handlers.OnPodAdded(pod);
            }
        }
        await Drain(pods.Count);

        Assert.Equal(120, placements.Count);
        Assert.Empty(failures);
        foreach (var rs in new[] { "a", "b", "c" })
        {
            var perNode = placements.Where(p => p.Key.StartsWith(rs + "-", StringComparison.Ordinal))
                .GroupBy(p => p.Value).Select(g => g.Count()).ToList();
            // 40 pods over 20 nodes: default spreading puts exactly two on each.
            Assert.Equal(20, perNode.Count);
            Assert.All(perNode, c => Assert.Equal(2, c));
        }
    }

    [Fact]
    public async Task Capacity_is_never_overcommitted_and_the_rest_wait_with_the_upstream_message()
    {
        for (var n = 0; n < 10; n++)
        {
            handlers.OnNodeAdded(TestObjects.Node($"n{n}", cpu: "1"));
        }
        for (var i = 0; i < 25; i++)
        {
            handlers.OnPodAdded(TestObjects.PodRequesting($"p{i}", "500m"));
        }
        await Drain(25);

        Assert.Equal(20, placements.Count);
        Assert.All(placements.GroupBy(p => p.Value), g => Assert.Equal(2, g.Count()));
        Assert.Equal(5, failures.Count);
        Assert.All(failures, f => Assert.Equal("0/10 nodes are available: 10 Insufficient cpu.", f));
        Assert.Equal(5, queue.UnschedulableCount);

        // A new node makes room for exactly two more.
        handlers.OnNodeAdded(TestObjects.Node("n10", cpu: "1"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, queue.ActiveCount);
        await Drain(5);
        Assert.Equal(22, placements.Count);
        Assert.Equal(2, placements.Count(p => p.Value == "n10"));
    }

    private sealed class WatchingBinder(InProcessClusterTests cluster) : IBindPlugin
    {
        public string Name => "DefaultBinder";

        public ValueTask BindAsync(Pod pod, string nodeName, CancellationToken cancellationToken)
        {
            cluster.placements[pod.Metadata.Name!] = nodeName;
            // The API server stores spec.nodeName; the watch delivers the bound pod.
            cluster.handlers.OnPodUpdated(pod, pod.BoundTo(nodeName));
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailureLog(ConcurrentQueue<string> log) : ISchedulingObserver
    {
        public void Bound(Pod pod, string nodeName)
        {
        }

        public void Failed(Pod pod, string reason, string message) => log.Enqueue(message);
    }
}
