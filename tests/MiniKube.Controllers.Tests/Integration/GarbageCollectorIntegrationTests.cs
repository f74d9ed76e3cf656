using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

public sealed class GarbageCollectorIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private MiniKubeClient Client => cluster.Client;

    private async Task<(string Ns, Deployment Deployment)> DeploymentWithPodsAsync(string prefix, int replicas = 2)
    {
        var ns = await cluster.NewNamespaceAsync(prefix);
        var d = await Client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec { Replicas = replicas, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = WorkloadObjects.Template() },
        });
        await Cluster.WaitForRunningPodsAsync(Client, ns, replicas);
        return (ns, d);
    }

    [Fact]
    public async Task Background_deletion_removes_the_replica_sets_and_pods_after_the_owner()
    {
        var (ns, _) = await DeploymentWithPodsAsync("gc-background");

        await Client.DeleteAsync<Deployment>("web", ns);

        await Cluster.WaitForGoneAsync<Deployment>(Client, "web", ns);
        await Eventually.WaitAsync(async () => (await Client.ListAsync<ReplicaSet>(ns)).Items.Count == 0, Cluster.Timeout, "the replica sets to go");
        await Eventually.WaitAsync(async () => (await Client.ListAsync<Pod>(ns)).Items.Count == 0, Cluster.Timeout, "the pods to go");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_blocking_dependents_are_gone()
    {
        var (ns, _) = await DeploymentWithPodsAsync("gc-foreground");
        var podsWhenOwnerWent = -1;
        var replicaSetsWhenOwnerWent = -1;
        using var stop = new CancellationTokenSource(Cluster.Timeout);
        var list = await Client.ListAsync<Deployment>(ns);
        var watch = Task.Run(async () =>
        {
            await foreach (var e in Client.WatchAsync<Deployment>(ns, resourceVersion: list.ResourceVersion, cancellationToken: stop.Token))
            {
                if (e.Type == WatchEventTypes.Deleted)
                {
                    podsWhenOwnerWent = (await Client.ListAsync<Pod>(ns)).Items.Count;
                    replicaSetsWhenOwnerWent = (await Client.ListAsync<ReplicaSet>(ns)).Items.Count;
                    return;
                }
            }
        });

        var marked = await Client.DeleteAsync<Deployment>("web", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground });

        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Contains(Finalizers.ForegroundDeletion, marked.Metadata.Finalizers!);
        await watch;
        Assert.Equal((0, 0), (podsWhenOwnerWent, replicaSetsWhenOwnerWent));
    }

    [Fact]
    public async Task Orphan_deletion_removes_the_owner_reference_and_keeps_the_dependents()
    {
        var ns = await cluster.NewNamespaceAsync("gc-orphan");
        await Client.CreateAsync(new ReplicaSet
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new ReplicaSetSpec { Replicas = 2, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = WorkloadObjects.Template() },
        });
        var pods = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);

        await Client.DeleteAsync<ReplicaSet>("web", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Orphan });

        await Cluster.WaitForGoneAsync<ReplicaSet>(Client, "web", ns);
        var left = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);
        Assert.Equal(pods.Select(p => p.Metadata.Uid).Order(), left.Select(p => p.Metadata.Uid).Order());
        Assert.All(left, p => Assert.True(p.Metadata.OwnerReferences is null or { Count: 0 }));
    }

    [Fact]
    public async Task Any_kind_can_own_another_and_an_object_with_a_remaining_owner_survives()
    {
        var ns = await cluster.NewNamespaceAsync("gc-kinds");
        var secret = await Client.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "owner-a", Namespace = ns } });
        var other = await Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "owner-b", Namespace = ns } });
        OwnerReference Ref(KubeObject o) => new() { ApiVersion = o.ApiVersion, Kind = o.Kind, Name = o.Metadata.Name!, Uid = o.Metadata.Uid! };
        await Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "only-a", Namespace = ns, OwnerReferences = [Ref(secret)] } });
        await Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "a-and-b", Namespace = ns, OwnerReferences = [Ref(secret), Ref(other)] } });
        await Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "svc", Namespace = ns, OwnerReferences = [Ref(secret)] },
            Spec = new ServiceSpec { Ports = [new ServicePort { Port = 80 }] },
        });

        await Client.DeleteAsync<Secret>("owner-a", ns);

        await Cluster.WaitForGoneAsync<ConfigMap>(Client, "only-a", ns);
        await Cluster.WaitForGoneAsync<Service>(Client, "svc", ns);
        var survivor = await Cluster.WaitForAsync<ConfigMap>(Client, "a-and-b", ns, c => c.Metadata.OwnerReferences!.Count == 1,
            "the dangling reference to be dropped");
        Assert.Equal(other.Metadata.Uid, survivor.Metadata.OwnerReferences![0].Uid);
    }
}
