using MiniKube.Api;
using MiniKube.Controllers.ReplicaSets;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class PodDeletionOrderTests
{
    private static readonly DateTimeOffset Now = UnitWorld.Start;

    private static string[] Order(params Pod[] pods) => [.. pods.Order(new PodDeletionOrder(pods)).Select(p => p.Metadata.Name!)];

    [Fact]
    public void Unscheduled_before_scheduled_pending_before_unknown_before_running() =>
        Assert.Equal(["unscheduled", "pending", "unknown", "running"], Order(
            WorkloadObjects.Pod("running", node: "a"),
            WorkloadObjects.Pod("unknown", node: "b", phase: PodPhase.Unknown),
            WorkloadObjects.Pod("pending", node: "c", phase: PodPhase.Pending),
            WorkloadObjects.Pod("unscheduled", phase: PodPhase.Pending)));

    [Fact]
    public void Not_ready_before_ready() =>
        Assert.Equal(["not-ready", "ready"], Order(WorkloadObjects.Pod("ready", node: "a"), WorkloadObjects.Pod("not-ready", node: "b", ready: false)));

    [Fact]
    public void Lower_deletion_cost_first()
    {
        var cheap = WorkloadObjects.Pod("cheap", node: "a");
        cheap = cheap with { Metadata = cheap.Metadata with { Annotations = new Dictionary<string, string> { [PodDeletionOrder.DeletionCostAnnotation] = "-5" } } };
        Assert.Equal(["cheap", "costly"], Order(WorkloadObjects.Pod("costly", node: "b"), cheap));
    }

    [Fact]
    public void Pods_doubled_up_on_a_node_first()
    {
        var pods = new[] { WorkloadObjects.Pod("alone", node: "a"), WorkloadObjects.Pod("shared-1", node: "b"), WorkloadObjects.Pod("shared-2", node: "b") };
        var victim = PodDeletionOrder.PodsToDelete(pods, pods, 1);
        Assert.StartsWith("shared", Assert.Single(victim).Metadata.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void More_recently_ready_then_more_restarts_then_newer_first()
    {
        Assert.Equal(["recent", "old"], Order(
            WorkloadObjects.Pod("old", node: "a", readySince: Now.AddHours(-2)),
            WorkloadObjects.Pod("recent", node: "b", readySince: Now.AddMinutes(-1))));
        Assert.Equal(["crashy", "steady"], Order(
            WorkloadObjects.Pod("steady", node: "a"),
            WorkloadObjects.Pod("crashy", node: "b", restarts: 4)));
        Assert.Equal(["newer", "older"], Order(
            WorkloadObjects.Pod("older", node: "a", created: Now.AddHours(-2)),
            WorkloadObjects.Pod("newer", node: "b", created: Now.AddMinutes(-2))));
    }
}
