using MiniKube.Api;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

public sealed class LeaderElectionIntegrationTests
{
    [Fact]
    public async Task Only_the_leader_runs_controllers_and_a_standby_takes_over_when_it_stops()
    {
        await using var server = await TestApiServer.StartAsync();
        await using var kubelet = await FakeKubelet.StartAsync(server.Client, ["n1"]);
        await using var scheduler = await FakeScheduler.StartAsync(server.Client);
        ControllerManager Manager(string identity) => new(new ControllerManagerOptions
        {
            Server = server.GrpcAddress,
            LeaderElection = new()
            {
                LeaseName = ControllerManagerOptions.DefaultLeaseName,
                Identity = identity,
                // Long enough that a loaded machine cannot make the leader miss a renewal and hand over early; the
                // hand-over the test checks does not wait for it: a stopping leader releases the lease and the standby
                // takes it at its next retry.
                LeaseDuration = TimeSpan.FromSeconds(15),
                RenewDeadline = TimeSpan.FromSeconds(10),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            },
        });
        var first = Manager("manager-a");
        var second = Manager("manager-b");
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var runFirst = Task.Run(() => first.RunAsync(stopFirst.Token));
        await first.Started.WaitAsync(Cluster.Timeout);
        var runSecond = Task.Run(() => second.RunAsync(stopSecond.Token));

        var lease = await Cluster.WaitForAsync<Lease>(server.Client, "minikube-controller-manager", "kube-system",
            l => l.Spec?.HolderIdentity == "manager-a", "manager-a to hold the lease");
        Assert.Equal(15, lease.Spec!.LeaseDurationSeconds);
        await server.Client.CreateAsync(new ReplicaSet
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new ReplicaSetSpec { Replicas = 3, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = WorkloadObjects.Template() },
        });
        await Cluster.WaitForRunningPodsAsync(server.Client, "default", 3);
        Assert.True(first.IsLeading);
        Assert.False(second.IsLeading);
        // Events are written after the pods they describe: a Running pod does not mean its event is stored yet.
        var creates = await Eventually.WaitAsync(
            async () => (await Cluster.EventsAsync(server.Client, "default", "web")).Where(e => e.Reason == "SuccessfulCreate").ToList(),
            list => list.Count >= 3, Cluster.Timeout, "three SuccessfulCreate events");
        Assert.Equal(3, creates.Count);
        Assert.All(creates, e => Assert.Equal("manager-a", e.Source!.Host));

        await stopFirst.CancelAsync();
        await runFirst.WaitAsync(Cluster.Timeout);
        await second.Started.WaitAsync(Cluster.Timeout);
        Assert.True(second.IsLeading);
        await server.Client.PatchAsync<ReplicaSet>("web", "default", """{"spec":{"replicas":4}}""");

        var pods = await Cluster.WaitForRunningPodsAsync(server.Client, "default", 4);
        Assert.Equal(4, pods.Count);
        await Eventually.WaitAsync(async () => (await Cluster.EventsAsync(server.Client, "default", "web"))
            .Any(e => e.Reason == "SuccessfulCreate" && e.Source!.Host == "manager-b"), Cluster.Timeout, "manager-b to create the fourth pod");
        await stopSecond.CancelAsync();
        await runSecond.WaitAsync(Cluster.Timeout);
        Assert.False(first.LostLeadership);
    }
}
