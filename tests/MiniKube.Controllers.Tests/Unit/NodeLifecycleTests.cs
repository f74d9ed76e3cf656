using MiniKube.Api;
using MiniKube.Controllers.NodeLifecycle;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class NodeLifecycleTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private NodeLifecycleController _controller = null!;

    public Task InitializeAsync()
    {
        _controller = new NodeLifecycleController(_world.Context, new NodeLifecycleOptions { MonitorGracePeriod = TimeSpan.FromSeconds(40) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        await _world.DisposeAsync();
    }

    private static Node NewNode(string name, string ready = ConditionStatus.True, IReadOnlyList<Taint>? taints = null) => new()
    {
        Metadata = WorkloadObjects.Meta(name, null, null),
        Spec = new NodeSpec { Taints = taints },
        Status = new NodeStatus
        {
            Conditions = [new NodeCondition
            {
                Type = NodeConditionType.Ready, Status = ready, Reason = "KubeletReady",
                LastHeartbeatTime = UnitWorld.Start.AddMinutes(-10), LastTransitionTime = UnitWorld.Start.AddHours(-1),
            }],
        },
    };

    private static Lease NodeLease(string node, DateTimeOffset renewed) => new()
    {
        Metadata = WorkloadObjects.Meta(node, "kube-node-lease", null),
        Spec = new LeaseSpec { HolderIdentity = node, RenewTime = renewed },
    };

    [Fact]
    public async Task A_node_whose_lease_is_older_than_the_grace_period_becomes_unknown_unreachable_and_its_pods_not_ready()
    {
        // n2 is healthy: one dead node of two is not a disruption, so n1 gets the NoExecute taint too.
        Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-41)), WorkloadObjects.Pod("p1", node: "n1"), Healthy("n2"));

        await _controller.ReconcileAsync("n1", default);

        var status = _world.Client.Written.OfType<Node>().First().Status!;
        var ready = status.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal(("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", UnitWorld.Start),
            (ready.Status, ready.Reason, ready.Message, ready.LastTransitionTime!.Value));
        Assert.Contains(status.Conditions!, c => c.Type == NodeConditionType.MemoryPressure && c.Reason == "NodeStatusNeverUpdated");
        var taints = _world.Client.Written.OfType<Node>().Last().Spec!.Taints!;
        Assert.Equal([("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")], taints.Select(t => (t.Key, t.Effect)));
        Assert.All(taints, t => Assert.Equal(UnitWorld.Start, t.TimeAdded));
        var pod = Assert.Single(_world.Client.Written.OfType<Pod>());
        Assert.False(Pods.IsReady(pod));
        Assert.Contains("Normal NodeNotReady: Node n1 status is now: NodeNotReady", _world.Events.Lines);
        Assert.Contains("Warning NodeNotReady: Node is not ready", _world.Events.Lines);
    }

    private static KubeObject[] Healthy(string name) => [NewNode(name), NodeLease(name, UnitWorld.Start)];

    private void Seed(params object[] items) =>
        _world.Seed([.. items.SelectMany(i => i is KubeObject[] many ? many : [(KubeObject)i])]);

    [Fact]
    public async Task When_every_node_looks_dead_none_gets_a_NoExecute_taint_and_existing_ones_go()
    {
        Taint[] evicting = [new() { Key = Taints.Unreachable, Effect = TaintEffect.NoExecute, TimeAdded = UnitWorld.Start.AddMinutes(-1) }];
        _world.Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-41)),
            NewNode("n2", ConditionStatus.Unknown, evicting), NodeLease("n2", UnitWorld.Start.AddSeconds(-60)));

        await _controller.ReconcileAsync("n1", default);
        _world.Seed(_world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n1")); // as the watch would
        await _controller.ReconcileAsync("n2", default);

        var n1 = _world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n1");
        Assert.Equal("Unknown", n1.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready).Status);
        Assert.Equal([("node.kubernetes.io/unreachable", "NoSchedule")], n1.Spec!.Taints!.Select(t => (t.Key, t.Effect)));
        var n2 = _world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n2");
        Assert.Equal([("node.kubernetes.io/unreachable", "NoSchedule")], n2.Spec!.Taints!.Select(t => (t.Key, t.Effect)));
    }

    [Fact]
    public async Task A_small_zone_in_partial_disruption_gets_no_NoExecute_taints()
    {
        Seed(NewNode("n1", ConditionStatus.False), NodeLease("n1", UnitWorld.Start),
            NewNode("n2", ConditionStatus.False), NodeLease("n2", UnitWorld.Start),
            NewNode("n3", ConditionStatus.False), NodeLease("n3", UnitWorld.Start), Healthy("n4"));

        await _controller.ReconcileAsync("n1", default);

        var taints = Assert.Single(_world.Client.Written.OfType<Node>()).Spec!.Taints!;
        Assert.Equal([("node.kubernetes.io/not-ready", "NoSchedule")], taints.Select(t => (t.Key, t.Effect)));
    }

    [Fact]
    public async Task NoExecute_taints_are_added_at_the_eviction_rate_per_zone()
    {
        Seed(NewNode("n1", ConditionStatus.False), NodeLease("n1", UnitWorld.Start),
            NewNode("n2", ConditionStatus.False), NodeLease("n2", UnitWorld.Start), Healthy("n3"), Healthy("n4"), Healthy("n5"));

        await _controller.ReconcileAsync("n1", default);
        var second = await _controller.ReconcileAsync("n2", default);

        Assert.Contains(_world.Client.Written.OfType<Node>().Single(n => n.Metadata.Name == "n1").Spec!.Taints!, t => t.Effect == TaintEffect.NoExecute);
        Assert.DoesNotContain(_world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n2").Spec!.Taints!, t => t.Effect == TaintEffect.NoExecute);
        Assert.True(second.RequeueAfter <= TimeSpan.FromSeconds(10), $"requeued after {second.RequeueAfter}");

        _world.Time.Advance(TimeSpan.FromSeconds(10)); // --node-eviction-rate 0.1: one node per 10 s
        _world.Seed(_world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n2"), NodeLease("n2", _world.Time.GetUtcNow()));
        await _controller.ReconcileAsync("n2", default);
        Assert.Contains(_world.Client.Written.OfType<Node>().Last(n => n.Metadata.Name == "n2").Spec!.Taints!, t => t.Effect == TaintEffect.NoExecute);
    }

    [Fact]
    public async Task While_its_own_watch_is_down_it_marks_nothing()
    {
        Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-41)), Healthy("n2"));
        _world.Informers.For<Lease>().SetWatchingForTest(null);

        await _controller.ReconcileAsync("n1", default);

        Assert.Empty(_world.Client.Actions);
    }

    [Fact]
    public async Task Silence_counts_from_no_earlier_than_the_watch_came_back()
    {
        Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-100)), Healthy("n2"));
        _world.Informers.For<Lease>().SetWatchingForTest(UnitWorld.Start.AddSeconds(-5));

        await _controller.ReconcileAsync("n1", default);
        Assert.Empty(_world.Client.Actions);

        _world.Time.Advance(TimeSpan.FromSeconds(36));
        await _controller.ReconcileAsync("n1", default);
        Assert.Equal("Unknown", _world.Client.Written.OfType<Node>().First().Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready).Status);
    }

    [Theory]
    [InlineData(3, 0, ZoneState.Normal)]
    [InlineData(0, 1, ZoneState.FullDisruption)]
    [InlineData(2, 2, ZoneState.Normal)]        // only 2 not ready: never partial
    [InlineData(2, 3, ZoneState.PartialDisruption)]
    [InlineData(3, 3, ZoneState.Normal)]        // 0.5 < 0.55
    public void Zone_states_follow_the_unhealthy_zone_threshold(int ready, int notReady, ZoneState expected) =>
        Assert.Equal(expected, ZoneDisruption.StateOf(ready, notReady, 0.55));

    [Fact]
    public void A_large_zone_in_partial_disruption_evicts_at_the_secondary_rate()
    {
        var options = new NodeLifecycleOptions();
        Assert.Equal(0.01, ZoneDisruption.EvictionRate(ZoneState.PartialDisruption, 51, options));
        Assert.Equal(0, ZoneDisruption.EvictionRate(ZoneState.PartialDisruption, 50, options));
        Assert.Equal(0.1, ZoneDisruption.EvictionRate(ZoneState.Normal, 3, options));
    }

    [Fact]
    public async Task A_fresh_lease_keeps_the_node_as_it_is()
    {
        _world.Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-39)));

        var result = await _controller.ReconcileAsync("n1", default);

        Assert.Empty(_world.Client.Actions);
        Assert.NotNull(result.RequeueAfter);
    }

    [Fact]
    public async Task A_node_reporting_not_ready_gets_the_not_ready_taints()
    {
        Seed(NewNode("n1", ConditionStatus.False), NodeLease("n1", UnitWorld.Start), Healthy("n2"));

        await _controller.ReconcileAsync("n1", default);

        var taints = Assert.Single(_world.Client.Written.OfType<Node>()).Spec!.Taints!;
        Assert.Equal([("node.kubernetes.io/not-ready", "NoSchedule"), ("node.kubernetes.io/not-ready", "NoExecute")], taints.Select(t => (t.Key, t.Effect)));
    }

    [Fact]
    public async Task A_healthy_node_loses_the_taints_and_keeps_its_own()
    {
        Taint[] taints =
        [
            new() { Key = Taints.Unreachable, Effect = TaintEffect.NoExecute, TimeAdded = UnitWorld.Start.AddMinutes(-1) },
            new() { Key = Taints.Unreachable, Effect = TaintEffect.NoSchedule, TimeAdded = UnitWorld.Start.AddMinutes(-1) },
            new() { Key = "dedicated", Value = "gpu", Effect = TaintEffect.NoSchedule },
        ];
        _world.Seed(NewNode("n1", taints: taints), NodeLease("n1", UnitWorld.Start));

        await _controller.ReconcileAsync("n1", default);

        var left = Assert.Single(_world.Client.Written.OfType<Node>()).Spec!.Taints!;
        Assert.Equal("dedicated", Assert.Single(left).Key);
    }

    [Fact]
    public async Task A_node_that_never_reported_gets_the_startup_grace_period()
    {
        var node = NewNode("n1") with { Status = new NodeStatus() };
        node = node with { Metadata = node.Metadata with { CreationTimestamp = UnitWorld.Start.AddSeconds(-50) } };
        _world.Seed(node);

        await _controller.ReconcileAsync("n1", default);
        Assert.Empty(_world.Client.Actions);

        _world.Time.Advance(TimeSpan.FromSeconds(11));
        await _controller.ReconcileAsync("n1", default);
        var ready = _world.Client.Written.OfType<Node>().First().Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal(("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status."), (ready.Status, ready.Reason, ready.Message));
    }
}
