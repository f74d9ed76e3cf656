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

            // Follow every change of the pods through a watch from the listed version: each event is one state the store
            // went through, so the count of ready pods is known at every step of the rollout (sampling could miss a dip).
            var list = await cluster.Client.ListAsync<Pod>("default", labelSelector: "app=" + name);
            var seen = new ReadyPods(list.Items);
            using var stop = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in cluster.Client.WatchAsync<Pod>("default", labelSelector: "app=" + name, resourceVersion: list.ResourceVersion,
                                       cancellationToken: stop.Token))
                    {
                        seen.Apply(e.Type, e.Object);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            });
            var setImage = await cluster.MinictlAsync("set", "image", $"deployment/{name}", "app=minikube/busybox:2.0");
            Assert.True(setImage.ExitCode == 0, setImage.ToString());
            var rolled = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                pods => pods.Count == 3 && pods.All(p => p.Spec!.Containers[0].Image == "minikube/busybox:2.0" && p.Status?.Phase == "Running"
                    && p.Status.ContainerStatuses?.All(c => c.Ready) == true),
                Workloads.Timeout, $"all pods of {name} on minikube/busybox:2.0");
            // The watch has caught up with the end of the rollout too (it may lag the list a little).
            await Eventually.WaitAsync(() => Task.FromResult(seen.ReadyOnImage("minikube/busybox:2.0") == 3 && !watcher.IsCompleted), Workloads.Timeout,
                "the watch to see the rolled-out pods ready" + (watcher.IsFaulted ? ": " + watcher.Exception!.InnerException!.Message : ""));
            await stop.CancelAsync();
            await watcher;
            var (minimum, at, events) = seen.Lowest;
            Assert.True(events >= 6, $"the watch saw only {events} pod events during a rollout of 3 pods");
            Assert.True(minimum >= 3, $"only {minimum} ready pods after {at}");
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

/// <summary>The pods of one workload as a watch reports them, and the fewest ready at any point.</summary>
internal sealed class ReadyPods
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pod> _pods;
    private (int Count, string At, int Events) _lowest;

    public ReadyPods(IEnumerable<Pod> listed)
    {
        _pods = listed.ToDictionary(p => p.Metadata.Uid!, StringComparer.Ordinal);
        _lowest = (ReadyCount(), "the initial list", 0);
    }

    public (int Count, string At, int Events) Lowest
    {
        get
        {
            lock (_gate)
            {
                return _lowest;
            }
        }
    }

    public void Apply(string type, Pod pod)
    {
        lock (_gate)
        {
            if (type == "BOOKMARK")
            {
                return;
            }
            if (type == "DELETED")
            {
                _pods.Remove(pod.Metadata.Uid!);
            }
            else
            {
                _pods[pod.Metadata.Uid!] = pod;
            }
            var ready = ReadyCount();
            var events = _lowest.Events + 1;
            _lowest = ready < _lowest.Count
                ? (ready, $"{type} of {pod.Metadata.Name} at resourceVersion {pod.Metadata.ResourceVersion}", events)
                : _lowest with { Events = events };
        }
    }

    public int ReadyOnImage(string image)
    {
        lock (_gate)
        {
            return _pods.Values.Count(p => IsReady(p) && p.Spec?.Containers[0].Image == image);
        }
    }

    private int ReadyCount() => _pods.Values.Count(IsReady);

    private static bool IsReady(Pod p) =>
        p.Metadata.DeletionTimestamp is null && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
