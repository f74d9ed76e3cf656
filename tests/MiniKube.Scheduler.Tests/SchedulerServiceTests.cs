using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Scheduler.Config;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

/// <summary>The scheduler process's loop against a real API server and etcd: nodes are Node objects (no kubelets).</summary>
public sealed class SchedulerServiceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Pods_go_where_they_fit_and_an_unschedulable_pod_waits_for_a_node_that_fits()
    {
        await using var server = await TestApiServer.StartAsync();
        var client = server.Client;
        await client.CreateAsync(Node("small", cpu: "2"));
        await client.CreateAsync(Node("large", cpu: "4"));
        await using var scheduler = Start(client, out var run);

        await client.CreateAsync(Pod("fits-large", cpu: "3"));
        var placed = await BoundAsync(client, "fits-large");
        Assert.Equal("large", placed.Spec!.NodeName);

        await client.CreateAsync(Pod("too-big", cpu: "5"));
        var waiting = await Eventually.WaitAsync(
            async () => (await client.GetAsync<Pod>("too-big")).Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False"),
            Wait, "PodScheduled=False on too-big");
        Assert.Equal("Unschedulable", waiting.Reason);
        Assert.Equal("0/2 nodes are available: 2 Insufficient cpu.", waiting.Message);
        await Eventually.WaitAsync(async () => (await client.ListAsync<Event>("default", fieldSelector: "involvedObject.name=too-big")).Items
            .FirstOrDefault(e => e.Reason == "FailedScheduling"), Wait, "a FailedScheduling event");

        await client.CreateAsync(Node("huge", cpu: "8"));
        var rescued = await BoundAsync(client, "too-big");
        Assert.Equal("huge", rescued.Spec!.NodeName);
        var scheduled = await Eventually.WaitAsync(async () => (await client.ListAsync<Event>("default", fieldSelector: "involvedObject.name=too-big")).Items
            .FirstOrDefault(e => e.Reason == "Scheduled"), Wait, "a Scheduled event");
        // kube-scheduler's message, then what the choice rested on (only huge fits five cpus: nothing to score).
        Assert.Equal("Successfully assigned default/too-big to huge (1 feasible node, not scored)", scheduled.Message);
        await StopAsync(scheduler, run);
    }

    [Fact]
    public async Task Node_selectors_taints_and_tolerations_are_honoured()
    {
        await using var server = await TestApiServer.StartAsync();
        var client = server.Client;
        await client.CreateAsync(Node("ssd-node", cpu: "4", labels: new() { ["disk"] = "ssd" }));
        await client.CreateAsync(Node("tainted", cpu: "4", taint: new Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }));
        await client.CreateAsync(Node("plain", cpu: "4"));
        await using var scheduler = Start(client, out var run);

        await client.CreateAsync(Pod("wants-ssd", cpu: "100m") with { Spec = Pod("x", "100m").Spec! with { NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" } } });
        await client.CreateAsync(Pod("tolerates", cpu: "100m") with
        {
            Spec = Pod("x", "100m").Spec! with
            {
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "tainted" },
                Tolerations = [new Toleration { Key = "dedicated", Operator = "Equal", Value = "gpu", Effect = "NoSchedule" }],
            },
        });
        await client.CreateAsync(Pod("intolerant", cpu: "100m") with
        {
            Spec = Pod("x", "100m").Spec! with { NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "tainted" } },
        });

        Assert.Equal("ssd-node", (await BoundAsync(client, "wants-ssd")).Spec!.NodeName);
        Assert.Equal("tainted", (await BoundAsync(client, "tolerates")).Spec!.NodeName);
        var condition = await Eventually.WaitAsync(
            async () => (await client.GetAsync<Pod>("intolerant")).Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False"),
            Wait, "intolerant to be unschedulable");
        Assert.Equal("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.", condition.Message);
        await StopAsync(scheduler, run);
    }

    [Fact]
    public async Task Host_ports_conflict_and_replicas_of_one_owner_spread_over_nodes()
    {
        await using var server = await TestApiServer.StartAsync();
        var client = server.Client;
        foreach (var name in new[] { "n1", "n2", "n3" })
        {
            await client.CreateAsync(Node(name, cpu: "8"));
        }
        await using var scheduler = Start(client, out var run);

        var owner = new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = Guid.NewGuid().ToString(), Controller = true };
        for (var i = 0; i < 6; i++)
        {
            await client.CreateAsync(Pod($"web-{i}", cpu: "100m") with
            {
                Metadata = new ObjectMeta { Name = $"web-{i}", Labels = new Dictionary<string, string> { ["app"] = "web" }, OwnerReferences = [owner] },
            });
        }
        await PodSecurityNamespaces.AllowPrivilegedAsync(client);
        for (var i = 0; i < 4; i++)
        {
            await client.CreateAsync(Pod($"port-{i}", cpu: "100m") with
            {
                Spec = Pod("x", "100m").Spec! with
                {
                    Containers = [new Container { Name = "c", Image = "minikube/busybox:latest", Ports = [new ContainerPortSpec { ContainerPort = 80, HostPort = 8080 }] }],
                },
            });
        }

        var web = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => BoundAsync(client, $"web-{i}")));
        Assert.All(web.GroupBy(p => p.Spec!.NodeName), g => Assert.Equal(2, g.Count()));
        var ported = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => PlacedOrUnschedulableAsync(client, $"port-{i}")));
        Assert.Equal(3, ported.Count(p => p.Node is not null));
        Assert.Equal(3, ported.Where(p => p.Node is not null).Select(p => p.Node).Distinct().Count());
        var loser = Assert.Single(ported, p => p.Node is null);
        Assert.Equal("0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.", loser.Message);
        await StopAsync(scheduler, run);
    }

    [Fact]
    public async Task Only_the_leader_binds_and_a_standby_takes_over_when_it_stops()
    {
        await using var server = await TestApiServer.StartAsync();
        var client = server.Client;
        await client.CreateAsync(Node("only", cpu: "8"));
        await using var first = Start(client, out var firstRun, leaderElect: true, identity: "first");
        await Eventually.WaitAsync(() => Task.FromResult(first.IsLeader), Wait, "the first scheduler to lead");
        await using var second = Start(client, out var secondRun, leaderElect: true, identity: "second");

        await client.CreateAsync(Pod("under-first", cpu: "100m"));
        await BoundAsync(client, "under-first");
        await Eventually.WaitAsync(() => Task.FromResult(first.ScheduledCount == 1), Wait, "the leader to count its bind");
        Assert.False(second.IsLeader);

        await StopAsync(first, firstRun);
        await Eventually.WaitAsync(() => Task.FromResult(second.IsLeader), Wait, "the standby to take over");
        await client.CreateAsync(Pod("under-second", cpu: "100m"));
        await BoundAsync(client, "under-second");
        await Eventually.WaitAsync(() => Task.FromResult(second.ScheduledCount == 1), Wait, "the new leader to count its bind");
        Assert.Equal(1, first.ScheduledCount);
        await StopAsync(second, secondRun);
    }

    private static readonly Dictionary<SchedulerService, CancellationTokenSource> Stops = [];

    private static SchedulerService Start(MiniKubeClient client, out Task run, bool leaderElect = false, string identity = "test")
    {
        var scheduler = new SchedulerService(client, SchedulerConfiguration.Default, new SchedulerOptions
        {
            LeaderElection = new LeaderElectionOptions
            {
                LeaderElect = leaderElect,
                LeaseName = SchedulerOptions.DefaultLeaseName,
                Identity = identity,
                LeaseDuration = TimeSpan.FromSeconds(2),
                RenewDeadline = TimeSpan.FromSeconds(1.5),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            },
        });
        var stop = new CancellationTokenSource();
        lock (Stops)
        {
            Stops[scheduler] = stop;
        }
        run = Task.Run(() => scheduler.RunAsync(stop.Token));
        return scheduler;
    }

    private static async Task StopAsync(SchedulerService scheduler, Task run)
    {
        CancellationTokenSource stop;
        lock (Stops)
        {
            stop = Stops[scheduler];
            Stops.Remove(scheduler);
        }
        await stop.CancelAsync();
        await run.WaitAsync(Wait);
        stop.Dispose();
    }

    private static Task<Pod> BoundAsync(MiniKubeClient client, string name) =>
        Eventually.WaitAsync(async () => await client.GetAsync<Pod>(name), p => !string.IsNullOrEmpty(p.Spec?.NodeName), Wait, $"{name} to be bound");

    private static Task<(string? Node, string? Message)> PlacedOrUnschedulableAsync(MiniKubeClient client, string name) =>
        Eventually.WaitAsync(async () =>
        {
            var pod = await client.GetAsync<Pod>(name);
            var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
            return (pod.Spec?.NodeName is { Length: > 0 } node ? node : null, condition?.Status == "False" ? condition.Message : null);
        }, r => r.Item1 is not null || r.Item2 is not null, Wait, $"{name} to be placed or found unschedulable");

    private static Pod Pod(string name, string cpu) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "c",
                    Image = "minikube/busybox:latest",
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu) } },
                },
            ],
        },
    };

    private static Node Node(string name, string cpu, Dictionary<string, string>? labels = null, Taint? taint = null)
    {
        var allLabels = new Dictionary<string, string>(labels ?? []) { ["kubernetes.io/hostname"] = name };
        var capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse("16Gi"), ["pods"] = Quantity.Parse("110") };
        return new Node
        {
            Metadata = new ObjectMeta { Name = name, Labels = allLabels },
            Spec = taint is null ? null : new NodeSpec { Taints = [taint] },
            Status = new NodeStatus { Capacity = capacity, Allocatable = capacity, Conditions = [new NodeCondition { Type = "Ready", Status = "True" }] },
        };
    }
}
