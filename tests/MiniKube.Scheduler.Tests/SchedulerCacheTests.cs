using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class SchedulerCacheTests
{
    private static SchedulerCache WithNodes(params string[] names)
    {
        var cache = new SchedulerCache();
        foreach (var n in names)
        {
            cache.AddNode(TestObjects.Node(n));
        }
        return cache;
    }

    [Fact]
    public void An_assumed_pod_takes_capacity_at_once_and_forget_gives_it_back()
    {
        var cache = WithNodes("n1");
        var pod = TestObjects.PodRequesting("p", "1", "1Gi");
        cache.AssumePod(PodInfo.Create(pod), "n1");
        Assert.True(cache.IsAssumed(pod));
        Assert.Equal(1000, cache.Snapshot().Get("n1")!.Requested.MilliCpu);

        cache.ForgetPod(pod);
        Assert.False(cache.IsAssumed(pod));
        var node = cache.Snapshot().Get("n1")!;
        Assert.Equal(0, node.Requested.MilliCpu);
        Assert.Equal(0, node.PodCount);
        Assert.Equal(0, cache.PodCount);
    }

    [Fact]
    public void The_bound_pod_from_the_watch_confirms_the_assumption_without_double_counting()
    {
        var cache = WithNodes("n1");
        var pod = TestObjects.PodRequesting("p", "1", "1Gi");
        cache.AssumePod(PodInfo.Create(pod), "n1");
        cache.AddPod(pod.BoundTo("n1"));
        Assert.False(cache.IsAssumed(pod));
        var node = cache.Snapshot().Get("n1")!;
        Assert.Equal(1, node.PodCount);
        Assert.Equal(1000, node.Requested.MilliCpu);

        // Forgetting a confirmed pod (a late bind failure report) must not remove it.
        cache.ForgetPod(pod);
        Assert.Equal(1, cache.Snapshot().Get("n1")!.PodCount);
    }

    [Fact]
    public void A_pod_bound_elsewhere_than_assumed_moves()
    {
        var cache = WithNodes("n1", "n2");
        var pod = TestObjects.PodRequesting("p", "1");
        cache.AssumePod(PodInfo.Create(pod), "n1");
        cache.AddPod(pod.BoundTo("n2"));
        var snapshot = cache.Snapshot();
        Assert.Equal(0, snapshot.Get("n1")!.PodCount);
        Assert.Equal(1, snapshot.Get("n2")!.PodCount);
    }

    [Fact]
    public void Assuming_a_pod_twice_is_an_error()
    {
        var cache = WithNodes("n1");
        var pod = TestObjects.PodRequesting("p", "1");
        cache.AssumePod(PodInfo.Create(pod), "n1");
        Assert.Throws<InvalidOperationException>(() => cache.AssumePod(PodInfo.Create(pod), "n1"));
    }

    [Fact]
    public void A_snapshot_does_not_change_when_the_cache_does()
    {
        var cache = WithNodes("n1");
        var snapshot = cache.Snapshot();
        var before = snapshot.Get("n1")!;
        cache.AssumePod(PodInfo.Create(TestObjects.PodRequesting("p", "1")), "n1");
        cache.AddNode(TestObjects.Node("n2"));
        Assert.Same(before, snapshot.Get("n1"));
        Assert.Equal(0, snapshot.Get("n1")!.PodCount);
        Assert.Equal(1, snapshot.Count);

        cache.UpdateSnapshot(snapshot);
        Assert.Equal(1, snapshot.Get("n1")!.PodCount);
        Assert.Equal(2, snapshot.Count);
    }

    [Fact]
    public void Updating_a_snapshot_replaces_only_changed_nodes()
    {
        var cache = WithNodes("n1", "n2", "n3");
        var snapshot = cache.Snapshot();
        var n1 = snapshot.Get("n1");
        var n3 = snapshot.Get("n3");
        cache.AssumePod(PodInfo.Create(TestObjects.PodRequesting("p", "1")), "n2");
        cache.UpdateSnapshot(snapshot);
        Assert.Same(n1, snapshot.Get("n1"));
        Assert.Same(n3, snapshot.Get("n3"));
        Assert.Equal(1, snapshot.Get("n2")!.PodCount);
        Assert.Equal(["n1", "n2", "n3"], snapshot.Nodes.ToArray().Select(n => n.Name));

        var generation = snapshot.Generation;
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(generation, snapshot.Generation);
    }

    [Fact]
    public void Pods_seen_before_their_node_are_counted_when_it_arrives()
    {
        var cache = new SchedulerCache();
        cache.AddPod(TestObjects.PodRequesting("p", "1").BoundTo("late"));
        Assert.Equal(0, cache.Snapshot().Count);
        cache.AddNode(TestObjects.Node("late"));
        Assert.Equal(1000, cache.Snapshot().Get("late")!.Requested.MilliCpu);
    }

    [Fact]
    public void A_removed_node_leaves_the_snapshot_but_its_pods_stay_accounted()
    {
        var cache = WithNodes("n1", "n2");
        var pod = TestObjects.PodRequesting("p", "1").BoundTo("n1");
        cache.AddPod(pod);
        var snapshot = cache.Snapshot();
        cache.RemoveNode("n1");
        cache.UpdateSnapshot(snapshot);
        Assert.Null(snapshot.Get("n1"));
        Assert.Equal(1, snapshot.Count);

        cache.AddNode(TestObjects.Node("n1"));
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(1, snapshot.Get("n1")!.PodCount);

        cache.RemoveNode("n1");
        cache.RemovePod(pod);
        Assert.Null(cache.GetNodeInfo("n1"));
    }

    [Fact]
    public void Finished_and_unbound_pods_free_their_node()
    {
        var cache = WithNodes("n1");
        var pod = TestObjects.PodRequesting("p", "1").BoundTo("n1");
        cache.AddPod(pod);
        var done = pod with { Status = new PodStatus { Phase = PodPhase.Succeeded } };
        cache.UpdatePod(pod, done);
        Assert.Equal(0, cache.Snapshot().Get("n1")!.PodCount);

        cache.AddPod(done);
        Assert.Equal(0, cache.PodCount);
    }

    [Fact]
    public void A_pod_update_moves_its_requests()
    {
        var cache = WithNodes("n1", "n2");
        var pod = TestObjects.PodRequesting("p", "1").BoundTo("n1");
        cache.AddPod(pod);
        var bigger = pod with { Spec = pod.Spec! with { Containers = [TestObjects.Container("3")] } };
        cache.UpdatePod(pod, bigger);
        Assert.Equal(3000, cache.Snapshot().Get("n1")!.Requested.MilliCpu);
        Assert.Equal(1, cache.PodCount);
    }

    [Fact]
    public void Node_updates_replace_allocatable_and_keep_pods()
    {
        var cache = WithNodes("n1");
        cache.AddPod(TestObjects.PodRequesting("p", "1").BoundTo("n1"));
        cache.UpdateNode(TestObjects.Node("n1", cpu: "16"));
        var node = cache.Snapshot().Get("n1")!;
        Assert.Equal(16000, node.Allocatable.MilliCpu);
        Assert.Equal(1, node.PodCount);
    }

    [Fact]
    public async Task Snapshots_stay_consistent_under_concurrent_updates()
    {
        var cache = WithNodes(Enumerable.Range(0, 50).Select(i => $"n{i}").ToArray());
        var snapshot = cache.Snapshot();
        var pods = Enumerable.Range(0, 2000).Select(i => TestObjects.PodRequesting($"p{i}", "10m").BoundTo($"n{i % 50}")).ToArray();
        var writer = Task.Run(() =>
        {
            foreach (var p in pods)
            {
                cache.AddPod(p);
            }
        });
        while (!writer.IsCompleted)
        {
            cache.UpdateSnapshot(snapshot);
            foreach (var n in snapshot.Nodes)
            {
                Assert.Equal(n.PodCount * 10, n.Requested.MilliCpu);
            }
        }
        await writer;
        cache.UpdateSnapshot(snapshot);
        var total = 0;
        foreach (var n in snapshot.Nodes)
        {
            total += n.PodCount;
        }
        Assert.Equal(2000, total);
    }

    [Fact]
    public void Owner_counts_follow_pods_in_and_out()
    {
        var a = PodInfo.Create(TestObjects.PodRequesting("a", owner: "web"));
        var b = PodInfo.Create(TestObjects.PodRequesting("b", owner: "web"));
        var node = NodeInfo.Create(TestObjects.Node("n1")).WithPod(a, 1).WithPod(b, 2);
        Assert.Equal(2, node.CountOwnedBy("rs-web"));
        var after = node.WithoutPod(a.Key, 3)!;
        Assert.Equal(1, after.CountOwnedBy("rs-web"));
        Assert.Equal(2, node.CountOwnedBy("rs-web"));
        Assert.Equal(0, after.WithoutPod(b.Key, 4)!.CountOwnedBy("rs-web"));
    }
}
