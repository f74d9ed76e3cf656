using MiniKube.Bench.Chaos;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>The chaos checker's "no container left for a deleted pod" finds a container whose pod is gone.</summary>
public sealed class ChaosLeftoverContainerTests
{
    [DockerFact]
    public async Task A_container_labelled_for_the_node_whose_pod_is_gone_is_a_leftover_and_one_whose_pod_exists_is_not()
    {
        var node = "leftover-" + Guid.NewGuid().ToString("N")[..6];
        var uid = Guid.NewGuid().ToString();
        try
        {
            var run = await DockerCli.RunAsync("create", "--label", "io.minikube.node=" + node, "--label", "io.minikube.pod.uid=" + uid, "minikube/busybox:1.0", "true");
            var id = run.EnsureSuccess().StandardOutput.Trim();
            Assert.Equal([id[..12]], await LeftoverContainers.ListAsync(node, new HashSet<string>(StringComparer.Ordinal), CancellationToken.None));
            Assert.Empty(await LeftoverContainers.ListAsync(node, new HashSet<string>(StringComparer.Ordinal) { uid }, CancellationToken.None));
        }
        finally
        {
            await DockerCli.RemoveContainersWithLabelAsync("io.minikube.node=" + node);
        }
    }
}
