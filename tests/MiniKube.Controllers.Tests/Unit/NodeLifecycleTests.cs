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
        Metadata = Make.Meta(name, null, null),
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
        Metadata = Make.Meta(node, "kube-node-lease", null),
        Spec = new LeaseSpec { HolderIdentity = node, RenewTime = renewed },
    };

    [Fact]
    public async Task A_node_whose_lease_is_older_than_the_grace_period_becomes_unknown_unreachable_and_its_pods_not_ready()
    {
        _world.Seed(NewNode("n1"), NodeLease("n1", UnitWorld.Start.AddSeconds(-41)), Make.Pod("p1", node: "n1"));

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
        _world.Seed(NewNode("n1", ConditionStatus.False), NodeLease("n1", UnitWorld.Start));

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
