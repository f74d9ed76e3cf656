using System.Diagnostics;
using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>The kubelet compares its view with the Node as stored and repairs it within one status-update period (issue #16, item 3).</summary>
public sealed class NodeStatusRepostTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task A_node_marked_Unknown_by_someone_else_is_Ready_again_within_a_status_update_period()
    {
        var node = "repost-" + Guid.NewGuid().ToString("N")[..6];
        var client = api.Server.Client;
        var host = KubeletHost.Create(new KubeletOptions
        {
            Server = api.Server.GrpcAddress,
            NodeName = node,
            Runtime = RuntimeKinds.Simulated,
            Port = 0,
            RootDir = Path.Combine(Path.GetTempPath(), node),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
            NodeStatusReportFrequency = TimeSpan.FromMinutes(1), // the once-a-minute report must not be what repairs it
        });
        await using (host)
        {
            await host.StartAsync();
            var registered = await Eventually.WaitAsync(() => client.GetAsync<Node>(node), n => ReadyOf(n) == ConditionStatus.True,
                TimeSpan.FromSeconds(10), "the node Ready");

            // What the node lifecycle controller does when it has not heard from the kubelet.
            var marked = await client.UpdateStatusAsync(registered with
            {
                Status = registered.Status! with
                {
                    Conditions = [.. registered.Status.Conditions!.Select(c => c.Type == NodeConditionType.Ready
                        ? c with { Status = ConditionStatus.Unknown, Reason = "NodeStatusUnknown", Message = "Kubelet stopped posting node status." }
                        : c)],
                },
            });
            Assert.Equal(ConditionStatus.Unknown, ReadyOf(marked));
            var clock = Stopwatch.StartNew();

            var repaired = await Eventually.WaitAsync(() => client.GetAsync<Node>(node), n => ReadyOf(n) == ConditionStatus.True,
                TimeSpan.FromSeconds(15), "the kubelet to post Ready again");

            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"Ready again after {clock.Elapsed.TotalSeconds:0.0} s (status update frequency 1 s)");
            Assert.Equal("KubeletReady", repaired.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready).Reason);
        }
    }

    [Fact]
    public void Stored_conditions_differ_when_a_status_or_reason_differs_or_is_missing()
    {
        NodeStatus With(string status, string reason = "KubeletReady") =>
            new() { Conditions = [new NodeCondition { Type = NodeConditionType.Ready, Status = status, Reason = reason }] };

        Assert.False(NodeStatusReporter.StoredConditionsDiffer(With(ConditionStatus.True), With(ConditionStatus.True)));
        Assert.True(NodeStatusReporter.StoredConditionsDiffer(With(ConditionStatus.Unknown, "NodeStatusUnknown"), With(ConditionStatus.True)));
        Assert.True(NodeStatusReporter.StoredConditionsDiffer(new NodeStatus(), With(ConditionStatus.True)));
        Assert.True(NodeStatusReporter.StoredConditionsDiffer(null, With(ConditionStatus.True)));
    }

    private static string? ReadyOf(Node n) => n.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready)?.Status;
}
