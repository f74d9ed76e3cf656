using MiniKube.Api;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

public sealed class NamespaceIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Deleting_a_namespace_terminates_it_deletes_everything_in_it_and_then_removes_it()
    {
        var ns = await cluster.NewNamespaceAsync("ns-delete");
        var created = await cluster.Client.GetAsync<Namespace>(ns);
        Assert.Contains(Finalizers.Kubernetes, created.Spec!.Finalizers!);
        await cluster.Client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec { Replicas = 2, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = WorkloadObjects.Template() },
        });
        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "settings", Namespace = ns } });
        await Cluster.WaitForRunningPodsAsync(cluster.Client, ns, 2);

        var marked = await cluster.Client.DeleteAsync<Namespace>(ns);

        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(NamespacePhase.Terminating, marked.Status!.Phase);
        var refused = await Assert.ThrowsAsync<ApiException>(() =>
            cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "late", Namespace = ns } }));
        Assert.Equal(403, refused.Code);
        await Cluster.WaitForGoneAsync<Namespace>(cluster.Client, ns, null);
        Assert.Empty((await cluster.Client.ListAsync<Pod>(ns)).Items);
        Assert.Empty((await cluster.Client.ListAsync<ConfigMap>(ns)).Items);
        Assert.Empty((await cluster.Client.ListAsync<ReplicaSet>(ns)).Items);
    }
}
