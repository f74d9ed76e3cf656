using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>Controller-manager, scheduler and three kubelets together.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MultiNodeTests(ClusterFixture cluster)
{
    [DockerFact]
    public async Task A_six_replica_deployment_spreads_over_all_three_nodes()
    {
        var name = "spread-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 6);
            var pods = await Workloads.WaitRunningAsync(cluster, name, 6, $"6 running pods of deployment {name}");
            var perNode = pods.GroupBy(p => p.Spec!.NodeName!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            Assert.Equal(cluster.NodeNames.Order(StringComparer.Ordinal), perNode.Keys.Order(StringComparer.Ordinal));
            // Each pod runs as its own container on the node it was bound to.
            foreach (var pod in pods)
            {
                var ids = await DockerCli.ListContainersAsync($"io.minikube.pod.uid={pod.Metadata.Uid}");
                Assert.NotEmpty(ids);
                var node = (await DockerCli.InspectAsync(ids[0])).GetProperty("Config").GetProperty("Labels").GetProperty("io.minikube.node").GetString();
                Assert.Equal(pod.Spec!.NodeName, node);
            }
        }
        finally
        {
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }
}
