using System.Text.Json;
using MiniKube.Api;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// The control plane can die without taking the workloads with it: kubelets keep pods running (and restart their
/// containers) on their own, and <c>cluster up</c> restarts just the missing components, after which the API shows the
/// current state again and the ReplicaSet is made whole without duplicates.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ControlPlaneFaultTests(ClusterFixture cluster)
{
    private static readonly string[] ControlPlane = [ClusterComponents.ApiServer, ClusterComponents.Scheduler, ClusterComponents.ControllerManager];

    [DockerFact]
    public async Task Pods_keep_running_while_the_control_plane_is_down_and_up_restores_it_without_duplicates()
    {
        var name = "ft-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 3);
            var pods = await Workloads.WaitRunningAsync(cluster, name, 3, $"3 running pods of deployment {name}");

            // The controller-manager dies first; a pod deleted meanwhile leaves its ReplicaSet one short.
            await KillAsync(ClusterComponents.ControllerManager);
            var victim = pods[0];
            var delete = await cluster.MinictlAsync("delete", "pod", victim.Metadata.Name!);
            Assert.True(delete.ExitCode == 0, delete.ToString());
            await Eventually.WaitAsync(async () => (await Workloads.PodsAsync(cluster, name)).Count == 2, Workloads.Timeout,
                $"pod {victim.Metadata.Name} to be gone (no controller-manager to replace it)");

            // Then the API server and the scheduler.
            await KillAsync(ClusterComponents.ApiServer);
            await KillAsync(ClusterComponents.Scheduler);
            var survivors = pods.Skip(1).ToList();
            var before = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pod in survivors)
            {
                before[pod.Metadata.Uid!] = (await AppContainerAsync(pod.Metadata.Uid!, running: true))!.Value.GetProperty("Id").GetString()!;
            }

            // With no API server, a kubelet still restarts a container that dies.
            var crashed = survivors[0];
            await DockerCli.KillAsync(before[crashed.Metadata.Uid!]);
            var replacement = await Eventually.WaitAsync(() => AppContainerAsync(crashed.Metadata.Uid!, running: true, except: before[crashed.Metadata.Uid!]),
                c => c is not null, Workloads.Timeout, $"the kubelet to restart the app container of {crashed.Metadata.Name} while the API server is down");
            // The other pod's container was never touched.
            var untouched = survivors[1];
            var still = await AppContainerAsync(untouched.Metadata.Uid!, running: true);
            Assert.Equal(before[untouched.Metadata.Uid!], still?.GetProperty("Id").GetString());

            var status = await cluster.MinictlAsync("cluster", "status");
            Assert.Equal(1, status.ExitCode);
            foreach (var component in ControlPlane)
            {
                Assert.Matches($@"(?m)^{component}\s+-\s+Stopped", status.Output);
            }

            // cluster up restarts exactly the missing components.
            var up = await cluster.MinictlAsync("cluster", "up");
            Assert.True(up.ExitCode == 0, up + "\n" + cluster.LogTails());
            Assert.Contains("started apiserver, scheduler, controller-manager", up.Output, StringComparison.Ordinal);

            // The ReplicaSet is topped up to 3, the restart shows in the API, nothing is duplicated.
            var after = await Workloads.WaitRunningAsync(cluster, name, 3, $"deployment {name} back to 3 running pods");
            Assert.Contains(after, p => p.Metadata.Uid == crashed.Metadata.Uid);
            Assert.Contains(after, p => p.Metadata.Uid == untouched.Metadata.Uid);
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>(crashed.Metadata.Name!, "default"),
                p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, Workloads.Timeout,
                $"the restart of {crashed.Metadata.Name}'s container to show in its status");
            var replicaSet = (await cluster.Client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name)).Items.Single();
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<ReplicaSet>(replicaSet.Metadata.Name!, "default"),
                rs => rs.Status?.Replicas == 3 && rs.Status.ReadyReplicas == 3, Workloads.Timeout, $"ReplicaSet {replicaSet.Metadata.Name} to report 3 ready replicas");
            Assert.Equal(3, (await Workloads.PodsAsync(cluster, name)).Count);
            var running = 0;
            foreach (var pod in after)
            {
                var containers = await DockerCli.ListContainersAsync($"io.minikube.pod.uid={pod.Metadata.Uid}");
                foreach (var id in containers)
                {
                    var inspect = await DockerCli.InspectAsync(id);
                    if (IsApp(inspect) && inspect.GetProperty("State").GetProperty("Running").GetBoolean())
                    {
                        running++;
                    }
                }
            }
            Assert.Equal(3, running);
            Assert.Equal(replacement!.Value.GetProperty("Id").GetString(), (await AppContainerAsync(crashed.Metadata.Uid!, running: true))?.GetProperty("Id").GetString());
            var healthy = await cluster.MinictlAsync("cluster", "status");
            Assert.True(healthy.ExitCode == 0, healthy.ToString());
        }
        finally
        {
            // Leave a whole cluster to the other tests even when this one failed half-way.
            await cluster.MinictlAsync("cluster", "up");
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }

    private async Task KillAsync(string component)
    {
        var record = cluster.State.Find(component) ?? throw new InvalidOperationException($"{component} is not in the cluster state");
        Assert.True(DetachedProcess.KillNow(record.Pid, record.StartTicks), $"{component} (pid {record.Pid}) was not running");
        await Eventually.WaitAsync(() => Task.FromResult(!ProcFs.IsAlive(record.Pid, record.StartTicks)), TimeSpan.FromSeconds(10),
            $"{component} (pid {record.Pid}) to die");
    }

    private static bool IsApp(JsonElement inspect) =>
        inspect.GetProperty("Config").GetProperty("Labels").TryGetProperty("io.minikube.container.type", out var type) && type.GetString() == "container";

    private static async Task<JsonElement?> AppContainerAsync(string uid, bool running, string? except = null)
    {
        foreach (var id in await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}"))
        {
            var inspect = await DockerCli.InspectAsync(id);
            if (IsApp(inspect) && inspect.GetProperty("Id").GetString() != except
                && inspect.GetProperty("State").GetProperty("Running").GetBoolean() == running)
            {
                return inspect;
            }
        }
        return null;
    }
}
