using MiniKube.Api;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

public sealed class ReplicaSetIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static ReplicaSet NewReplicaSet(string ns, int replicas) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = ns },
        Spec = new ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels },
            Template = WorkloadObjects.Template(),
        },
    };

    [Fact]
    public async Task Creates_the_replicas_from_the_template_owned_by_the_replica_set_and_reports_status()
    {
        var ns = await cluster.NewNamespaceAsync("rs-create");
        var rs = await cluster.Client.CreateAsync(NewReplicaSet(ns, 3));

        var pods = await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 3);

        Assert.All(pods, p =>
        {
            Assert.Matches("^web-[a-z0-9]{5}$", p.Metadata.Name);
            Assert.Equal("web", p.Metadata.Labels!["app"]);
            var owner = Assert.Single(p.Metadata.OwnerReferences!);
            Assert.Equal((rs.Metadata.Uid, "ReplicaSet", "web", true, true), (owner.Uid, owner.Kind, owner.Name, owner.Controller, owner.BlockOwnerDeletion));
        });
        var status = (await Cluster.WaitForAsync<ReplicaSet>(cluster.Client, "web", ns, r => r.Status?.AvailableReplicas == 3, "status")).Status!;
        Assert.Equal((3, 3, 3, 3, 1L), (status.Replicas, status.FullyLabeledReplicas, status.ReadyReplicas, status.AvailableReplicas, status.ObservedGeneration));
        var events = await Eventually.WaitAsync(() => Cluster.EventsAsync(cluster.Client, ns, "web"), e => e.Count(x => x.Reason == "SuccessfulCreate") == 3,
            Cluster.Timeout, "three SuccessfulCreate events");
        Assert.All(events, e => Assert.Matches("^Created pod: web-[a-z0-9]{5}$", e.Message));
        Assert.All(events, e => Assert.Equal("replicaset-controller", e.Source!.Component));
    }

    [Fact]
    public async Task Scales_up_and_down_and_replaces_a_deleted_pod()
    {
        var ns = await cluster.NewNamespaceAsync("rs-scale");
        await cluster.Client.CreateAsync(NewReplicaSet(ns, 2));
        var pods = await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 2);

        await cluster.Client.DeleteAsync<Pod>(pods[0].Metadata.Name!, ns);
        var replaced = await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 2);
        Assert.DoesNotContain(replaced, p => p.Metadata.Name == pods[0].Metadata.Name);

        await cluster.Client.PatchAsync<ReplicaSet>("web", ns, """{"spec":{"replicas":5}}""");
        await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 5);
        await cluster.Client.PatchAsync<ReplicaSet>("web", ns, """{"spec":{"replicas":1}}""");
        await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 1);
        var events = await Eventually.WaitAsync(() => Cluster.EventsAsync(cluster.Client, ns, "web"), e => e.Count(x => x.Reason == "SuccessfulDelete") >= 4,
            Cluster.Timeout, "SuccessfulDelete events");
        Assert.Contains(events, e => e.Message!.StartsWith("Deleted pod: web-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Adopts_a_matching_orphan_and_releases_a_pod_that_stops_matching()
    {
        var ns = await cluster.NewNamespaceAsync("rs-adopt");
        var orphan = await cluster.Client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "orphan", Namespace = ns, Labels = WorkloadObjects.WebLabels },
            Spec = WorkloadObjects.Template().Spec,
        });
        await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 1);

        var rs = await cluster.Client.CreateAsync(NewReplicaSet(ns, 2));

        var adopted = await Cluster.WaitForAsync<Pod>(cluster.Client, "orphan", ns, p => p.Metadata.OwnerReferences?.Any(r => r.Uid == rs.Metadata.Uid) == true,
            "the orphan to be adopted");
        Assert.Equal(orphan.Metadata.Uid, adopted.Metadata.Uid);
        var pods = await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 2);
        Assert.Contains(pods, p => p.Metadata.Name == "orphan");

        await cluster.Client.PatchAsync<Pod>("orphan", ns, """{"metadata":{"labels":{"app":"other"}}}""");

        await Cluster.WaitForAsync<Pod>(cluster.Client, "orphan", ns, p => p.Metadata.OwnerReferences is null or { Count: 0 }, "the pod to be released");
        await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 2, "app=web");
    }
}
