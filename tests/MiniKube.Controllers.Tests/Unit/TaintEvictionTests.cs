using MiniKube.Api;
using MiniKube.Controllers.NodeLifecycle;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class TaintEvictionTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private TaintEvictionController _controller = null!;
    private PodGcController _podGc = null!;

    public Task InitializeAsync()
    {
        _controller = new TaintEvictionController(_world.Context);
        _podGc = new PodGcController(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        _podGc.Dispose();
        await _world.DisposeAsync();
    }

    private static Node TaintedNode(DateTimeOffset added) => new()
    {
        Metadata = WorkloadObjects.Meta("n1", null, null),
        Spec = new NodeSpec { Taints = [new Taint { Key = Taints.Unreachable, Effect = TaintEffect.NoExecute, TimeAdded = added }] },
    };

    private static Pod PodWith(string name, params Toleration[] tolerations)
    {
        var pod = WorkloadObjects.Pod(name, node: "n1");
        return pod with { Spec = pod.Spec! with { Tolerations = tolerations } };
    }

    [Fact]
    public async Task A_pod_without_a_matching_toleration_is_evicted_at_once()
    {
        _world.Seed(TaintedNode(UnitWorld.Start), PodWith("p1", new Toleration { Key = "other", Operator = "Exists" }));

        await _controller.ReconcileAsync("default/p1", default);

        Assert.Equal("delete pods default/p1", Assert.Single(_world.Client.Deletes).Action);
        Assert.Contains("Normal TaintManagerEviction: Marking for deletion Pod default/p1", _world.Events.Lines);
    }

    [Fact]
    public async Task A_pod_tolerating_for_a_while_is_evicted_when_its_toleration_seconds_since_the_taint_have_passed()
    {
        var toleration = new Toleration { Key = Taints.Unreachable, Operator = "Exists", Effect = TaintEffect.NoExecute, TolerationSeconds = 300 };
        _world.Seed(TaintedNode(UnitWorld.Start.AddSeconds(-100)), PodWith("p1", toleration));

        var result = await _controller.ReconcileAsync("default/p1", default);
        Assert.Empty(_world.Client.Deletes);
        Assert.Equal(TimeSpan.FromSeconds(200), result.RequeueAfter);

        _world.Time.Advance(TimeSpan.FromSeconds(200));
        await _controller.ReconcileAsync("default/p1", default);
        Assert.Single(_world.Client.Deletes);
    }

    [Fact]
    public async Task A_pod_tolerating_forever_stays()
    {
        _world.Seed(TaintedNode(UnitWorld.Start.AddHours(-1)), PodWith("p1", new Toleration { Operator = "Exists" }));

        var result = await _controller.ReconcileAsync("default/p1", default);

        Assert.Empty(_world.Client.Deletes);
        Assert.Null(result.RequeueAfter);
    }

    [Theory]
    [InlineData("node.kubernetes.io/unreachable", "Exists", null, "NoExecute", true)]
    [InlineData(null, "Exists", null, null, true)]
    [InlineData("node.kubernetes.io/unreachable", "Equal", "", "NoExecute", true)]
    [InlineData("node.kubernetes.io/unreachable", "Equal", "x", "NoExecute", false)]
    [InlineData("node.kubernetes.io/unreachable", "Exists", null, "NoSchedule", false)]
    [InlineData("node.kubernetes.io/not-ready", "Exists", null, "NoExecute", false)]
    public void Toleration_matching(string? key, string op, string? value, string? effect, bool tolerates) =>
        Assert.Equal(tolerates, new Toleration { Key = key, Operator = op, Value = value, Effect = effect }
            .ToleratesTaint(new Taint { Key = Taints.Unreachable, Effect = TaintEffect.NoExecute }));

    [Fact]
    public async Task A_pod_bound_to_a_node_that_no_longer_exists_is_deleted_at_once()
    {
        _world.Seed(WorkloadObjects.Pod("p1", node: "gone"));

        await _podGc.ReconcileAsync("default/p1", default);

        var (action, options) = Assert.Single(_world.Client.Deletes);
        Assert.Equal(("delete pods default/p1", 0L), (action, options!.GracePeriodSeconds!.Value));
    }

    [Fact]
    public async Task A_pod_whose_node_the_cache_lacks_but_the_server_has_is_kept()
    {
        _world.Client.Seed(new Node { Metadata = WorkloadObjects.Meta("late", null, null) });
        _world.Seed(WorkloadObjects.Pod("p1", node: "late"));

        await _podGc.ReconcileAsync("default/p1", default);

        Assert.Empty(_world.Client.Deletes);
    }
}
