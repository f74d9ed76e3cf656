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
            Make.Pod("running", node: "a"),
            Make.Pod("unknown", node: "b", phase: PodPhase.Unknown),
            Make.Pod("pending", node: "c", phase: PodPhase.Pending),
            Make.Pod("unscheduled", phase: PodPhase.Pending)));

    [Fact]
    public void Not_ready_before_ready() =>
        Assert.Equal(["not-ready", "ready"], Order(Make.Pod("ready", node: "a"), Make.Pod("not-ready", node: "b", ready: false)));

    [Fact]
    public void Lower_deletion_cost_first()
    {
        var cheap = Make.Pod("cheap", node: "a");
        cheap = cheap with { Metadata = cheap.Metadata with { Annotations = new Dictionary<string, string> { [PodDeletionOrder.DeletionCostAnnotation] = "-5" } } };
        Assert.Equal(["cheap", "costly"], Order(Make.Pod("costly", node: "b"), cheap));
    }

    [Fact]
    public void Pods_doubled_up_on_a_node_first()
    {
        var pods = new[] { Make.Pod("alone", node: "a"), Make.Pod("shared-1", node: "b"), Make.Pod("shared-2", node: "b") };
        var victim = PodDeletionOrder.PodsToDelete(pods, pods, 1);
        Assert.StartsWith("shared", Assert.Single(victim).Metadata.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void More_recently_ready_then_more_restarts_then_newer_first()
    {
        Assert.Equal(["recent", "old"], Order(
            Make.Pod("old", node: "a", readySince: Now.AddHours(-2)),
            Make.Pod("recent", node: "b", readySince: Now.AddMinutes(-1))));
        Assert.Equal(["crashy", "steady"], Order(
            Make.Pod("steady", node: "a"),
            Make.Pod("crashy", node: "b", restarts: 4)));
        Assert.Equal(["newer", "older"], Order(
            Make.Pod("older", node: "a", created: Now.AddHours(-2)),
            Make.Pod("newer", node: "b", created: Now.AddMinutes(-2))));
    }
}
