using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers.NodeLifecycle;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

/// <summary>A cluster whose node controller gives up on a silent node after 2 s instead of 40 s.</summary>
public sealed class FastNodeLifecycleCluster : ClusterFixture
{
    protected override IReadOnlyList<string> NodeNames => ["n1", "n2", "n3", "n4"];

    protected override ControllerManagerOptions Configure(ControllerManagerOptions options) => options with
    {
        NodeMonitorGracePeriod = TimeSpan.FromSeconds(2),
        NodeMonitorPeriod = TimeSpan.FromMilliseconds(250),
    };
}

public sealed class NodeLifecycleIntegrationTests(FastNodeLifecycleCluster cluster) : IClassFixture<FastNodeLifecycleCluster>
{
    private MiniKubeClient Client => cluster.Client;

    [Fact]
    public async Task A_silent_node_is_marked_unknown_and_tainted_its_pods_are_evicted_and_replaced_and_it_recovers()
    {
        var ns = await cluster.NewNamespaceAsync("node-silent");
        var template = WorkloadObjects.Template();
        template = template with
        {
            Spec = template.Spec! with
            {
                Tolerations = [new Toleration { Key = Taints.Unreachable, Operator = "Exists", Effect = TaintEffect.NoExecute, TolerationSeconds = 2 }],
            },
        };
        await Client.CreateAsync(new ReplicaSet
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new ReplicaSetSpec { Replicas = 3, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = template },
        });
        var pods = await Cluster.WaitForRunningPodsAsync(Client, ns, 3);
        var victim = pods.GroupBy(p => p.Spec!.NodeName!).OrderBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var doomed = pods.Where(p => p.Spec!.NodeName == victim).Select(p => p.Metadata.Name!).ToHashSet();

        cluster.Kubelet.Stop(victim);

        var node = await Cluster.WaitForAsync<Node>(Client, victim, null,
            n => n.Status!.Conditions!.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.Unknown)
                 && n.Spec?.Taints?.Count(t => t.Key == Taints.Unreachable) == 2,
            "the node to be unknown and tainted");
        var ready = node.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal(("NodeStatusUnknown", "Kubelet stopped posting node status."), (ready.Reason, ready.Message));
        Assert.Contains(node.Spec!.Taints!, t => t.Effect == TaintEffect.NoExecute && t.TimeAdded is not null);
        Assert.Contains(node.Spec.Taints!, t => t.Effect == TaintEffect.NoSchedule);

        // Evicted after their 2 s toleration, replaced elsewhere.
        var replaced = await Eventually.WaitAsync(() => Cluster.PodsAsync(Client, ns), all =>
            {
                var live = all.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
                return live.Count == 3 && live.All(p => p.Spec?.NodeName != victim && Controllers.Pods.IsReady(p))
                       && all.Where(p => doomed.Contains(p.Metadata.Name!)).All(p => p.Metadata.DeletionTimestamp is not null);
            }, Cluster.Timeout, "the pods to be evicted from the silent node and replaced");
        Assert.DoesNotContain(replaced.Where(p => p.Metadata.DeletionTimestamp is null), p => doomed.Contains(p.Metadata.Name!));
        // The kubelet is gone, so the evicted pods stay terminating, marked not ready.
        Assert.All(replaced.Where(p => doomed.Contains(p.Metadata.Name!)), p => Assert.False(Controllers.Pods.IsReady(p)));
        var events = await Eventually.WaitAsync(() => Cluster.EventsAsync(Client, ns, doomed.First()),
            e => e.Any(x => x.Reason == "TaintManagerEviction"), Cluster.Timeout, "the eviction event");
        Assert.Contains(events, e => e.Message == $"Marking for deletion Pod {ns}/{doomed.First()}");

        cluster.Kubelet.Revive(victim);

        await Cluster.WaitForAsync<Node>(Client, victim, null,
            n => n.Spec?.Taints is null or { Count: 0 } && n.Status!.Conditions!.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True),
            "the node to be healthy and untainted again");
        // Its kubelet finishes the graceful deletions it missed.
        await Eventually.WaitAsync(async () => (await Cluster.PodsAsync(Client, ns)).All(p => !doomed.Contains(p.Metadata.Name!)),
            Cluster.Timeout, "the evicted pods to be gone");
    }

    [Fact]
    public async Task Pods_of_a_deleted_node_are_deleted()
    {
        var ns = await cluster.NewNamespaceAsync("node-gone");
        cluster.Kubelet.Stop("n4");
        await Client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "pinned", Namespace = ns },
            Spec = WorkloadObjects.Template().Spec! with { NodeName = "n4" },
        });

        await Client.DeleteAsync<Node>("n4");

        await Cluster.WaitForGoneAsync<Pod>(Client, "pinned", ns);
    }
}

/// <summary>The control plane's own outage must not look like dead nodes (issue #16, item 1).</summary>
public sealed class ApiServerRestartIntegrationTests
{
    [Fact]
    public async Task A_one_second_API_server_restart_with_fast_fail_over_settings_evicts_nothing()
    {
        await using var etcd = await EtcdServer.StartAsync();
        var (http, grpc) = (FreePort.Get(), FreePort.Get());
        var server = await TestApiServer.StartAsync(etcd.ClientUrl, "/registry", o => (o.Port, o.GrpcPort) = (http, grpc));
        using var client = server.NewClient();
        var kubelet = await FakeKubelet.StartAsync(client, ["n1", "n2", "n3"]);
        var scheduler = await FakeScheduler.StartAsync(client);
        // docs/deploy.md's fast fail-over: node-monitor grace 5 s, pods tolerate unreachable/not-ready for 3 s.
        var grace = TimeSpan.FromSeconds(5);
        var toleration = 3;
        var manager = new ControllerManager(new ControllerManagerOptions
        {
            Server = server.GrpcAddress, LeaderElection = new() { LeaderElect = false }, NodeMonitorGracePeriod = grace, NodeMonitorPeriod = TimeSpan.FromMilliseconds(500),
        });
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => manager.RunAsync(stop.Token));
        try
        {
            await manager.Started.WaitAsync(TimeSpan.FromSeconds(20));
            var template = WorkloadObjects.Template();
            template = template with
            {
                Spec = template.Spec! with
                {
                    Tolerations =
                    [
                        new Toleration { Key = Taints.Unreachable, Operator = "Exists", Effect = TaintEffect.NoExecute, TolerationSeconds = toleration },
                        new Toleration { Key = Taints.NotReady, Operator = "Exists", Effect = TaintEffect.NoExecute, TolerationSeconds = toleration },
                    ],
                },
            };
            await client.CreateAsync(new ReplicaSet
            {
                Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
                Spec = new ReplicaSetSpec { Replicas = 6, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = template },
            });
            var before = (await Cluster.WaitForRunningPodsAsync(client, "default", 6)).Select(p => p.Metadata.Name!).ToHashSet();

            await server.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1)); // the outage
            server = await TestApiServer.StartAsync(etcd.ClientUrl, "/registry", o => (o.Port, o.GrpcPort) = (http, grpc));

            // Watch the cluster for longer than grace + toleration: no node may be judged dead, no pod evicted.
            var window = System.Diagnostics.Stopwatch.StartNew();
            while (window.Elapsed < grace + TimeSpan.FromSeconds(toleration + 4))
            {
                var pods = (await server.Client.ListAsync<Pod>("default")).Items;
                Assert.All(pods, p => Assert.True(p.Metadata.DeletionTimestamp is null, $"pod {p.Metadata.Name} was evicted after {window.Elapsed.TotalSeconds:0.0} s"));
                Assert.Equal(before, pods.Select(p => p.Metadata.Name!).ToHashSet());
                foreach (var node in (await server.Client.ListAsync<Node>()).Items)
                {
                    Assert.DoesNotContain(node.Spec?.Taints ?? [], t => t.Effect == TaintEffect.NoExecute);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20));
            await scheduler.DisposeAsync();
            await kubelet.DisposeAsync();
            await server.DisposeAsync();
        }
    }
}
