using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>Controllers, scheduler and kubelets repairing and rolling real Docker workloads.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SelfHealingTests(ClusterFixture cluster)
{
    [DockerFact]
    public async Task A_deleted_pod_of_a_deployment_is_replaced_by_a_running_one()
    {
        var name = "heal-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 3);
            var before = await Workloads.WaitRunningAsync(cluster, name, 3, $"3 running pods of {name}");
            var victim = before[0];

            var delete = await cluster.MinictlAsync("delete", "pod", victim.Metadata.Name!);
            Assert.True(delete.ExitCode == 0, delete.ToString());

            var after = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                pods => pods.Count == 3 && pods.All(p => p.Metadata.Uid != victim.Metadata.Uid && p.Status?.Phase == "Running"
                    && p.Status.ContainerStatuses?.All(c => c.Ready) == true),
                Workloads.Timeout, $"a running replacement for {victim.Metadata.Name}");
            Assert.Equal(2, after.Count(p => before.Any(b => b.Metadata.Uid == p.Metadata.Uid)));
            await Eventually.WaitAsync(async () => (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={victim.Metadata.Uid}")).Count == 0,
                Workloads.Timeout, "the deleted pod's containers to be removed");
        }
        finally
        {
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }

    [DockerFact]
    public async Task A_rolling_update_with_maxUnavailable_0_never_drops_below_the_desired_ready_pods_and_undo_restores_the_image()
    {
        var name = "roll-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 3);
            await Workloads.WaitRunningAsync(cluster, name, 3, $"3 running pods of {name}");
            // A merge patch: the controller keeps writing the Deployment's status, so a read-modify-write would race it.
            await cluster.Client.PatchAsync<Deployment>(name, null,
                """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":1}}}}""");

            // Sample the ready pods throughout the rollout; it must never dip below 3.
            using var stop = new CancellationTokenSource();
            var minimumReady = int.MaxValue;
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var pods = await Workloads.PodsAsync(cluster, name);
                    var ready = pods.Count(p => p.Metadata.DeletionTimestamp is null && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
                    minimumReady = Math.Min(minimumReady, ready);
                    await Task.Delay(100, CancellationToken.None);
                }
            });
            var setImage = await cluster.MinictlAsync("set", "image", $"deployment/{name}", "app=minikube/busybox:2.0");
            Assert.True(setImage.ExitCode == 0, setImage.ToString());
            var rolled = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                pods => pods.Count == 3 && pods.All(p => p.Spec!.Containers[0].Image == "minikube/busybox:2.0" && p.Status?.Phase == "Running"
                    && p.Status.ContainerStatuses?.All(c => c.Ready) == true),
                Workloads.Timeout, $"all pods of {name} on minikube/busybox:2.0");
            await stop.CancelAsync();
            await sampler;
            Assert.True(minimumReady >= 3, $"only {minimumReady} ready pods at one point of the rollout");
            Assert.Equal(3, rolled.Count);

            var undo = await cluster.MinictlAsync("rollout", "undo", $"deployment/{name}");
            Assert.True(undo.ExitCode == 0, undo.ToString());
            await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                pods => pods.Count == 3 && pods.All(p => p.Spec!.Containers[0].Image == "minikube/busybox:1.0" && p.Status?.Phase == "Running"
                    && p.Status.ContainerStatuses?.All(c => c.Ready) == true),
                Workloads.Timeout, $"all pods of {name} back on minikube/busybox:1.0");
        }
        finally
        {
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }
}
