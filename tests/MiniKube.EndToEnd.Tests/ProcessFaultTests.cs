using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// kill -9 of one component of a real one-control-plane cluster (etcd, API server, controller-manager, scheduler, a kubelet
/// of hollow nodes, each its own process) in the middle of work, then a restart. The pods are counted from etcd's own
/// history, so a pod that existed for a moment between two looks is still seen.
/// </summary>
[Collection(ProcessFaultCollection.Name)]
public sealed class ProcessFaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private const int Replicas = 60;

    // A fast quiet machine made all 60 pods between the first pod's sighting and the kill (CI, stop 23; here 1 run in 3),
    // so the kill proved nothing. Throttled as Kubernetes' controller manager is by default (here 20 requests/s, no
    // burst), the scale-up takes seconds and the kill at the first pod is always in its middle.
    private static readonly string[] SlowScaleUp = ["--kube-api-qps=20", "--kube-api-burst=1"];

    [Fact]
    public async Task A_controller_manager_killed_mid_scale_up_never_makes_more_than_60_pods_and_converges_to_60_with_one_ReplicaSet()
    {
        await using var plane = await ProcessControlPlane.StartAsync(controllerManagerArguments: SlowScaleUp);
        await using var history = await PodHistory.StartAsync(plane.Etcd.ClientUrl, "app");
        var name = "cm-kill";
        await plane.Client.CreateAsync(Deployment(name, Replicas));
        // Killed at the first pod: on a busy machine the creates can all be done before a kill at the tenth lands.
        await Eventually.WaitAsync(() => Task.FromResult(history.Created(name) >= 1), Timeout, "the first pod to be created");

        await plane.ControllerManager.KillAsync();
        var atKill = history.Created(name);
        await plane.ControllerManager.StartAsync();

        await Eventually.WaitAsync(() => Task.FromResult(history.Live(name) == Replicas), Timeout,
            $"{Replicas} pods of {name} (now {history.Live(name)}; the controller-manager was killed at {atKill})");
        await history.CatchUpAsync(Timeout);
        Assert.True(atKill < Replicas, $"the kill came after the scale-up ended ({atKill} pods made): the test proved nothing");
        Assert.True(history.MaxLive(name) <= Replicas, $"{history.MaxLive(name)} pods of {name} existed at once (replicas {Replicas})");
        var replicaSets = await plane.Client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name);
        Assert.Single(replicaSets.Items);
        var deployment = await Eventually.WaitAsync(() => plane.Client.GetAsync<Deployment>(name, "default"),
            d => d.Status?.Replicas == Replicas && d.Status.AvailableReplicas == Replicas, Timeout, $"deployment {name} to report {Replicas} available");
        Assert.Equal(Replicas, deployment.Status!.UpdatedReplicas);
        Assert.Equal(Replicas, history.Live(name));
    }

    [Fact]
    public async Task An_API_server_killed_mid_scale_up_and_restarted_makes_no_more_pods_than_replicas_plus_max_surge()
    {
        await using var plane = await ProcessControlPlane.StartAsync(controllerManagerArguments: SlowScaleUp);
        await using var history = await PodHistory.StartAsync(plane.Etcd.ClientUrl, "app");
        var name = "api-kill";
        // maxSurge 0: a fresh Deployment's only ReplicaSet may never have more than `replicas` pods, so any create whose
        // reply the crash lost and that was then repeated shows as a pod too many.
        await plane.Client.CreateAsync(Deployment(name, Replicas, maxSurge: 0, maxUnavailable: 1));
        // Killed at the first pod, as soon as etcd's watch shows it (a poll can come after the whole scale-up): the creates go
        // fast once the ReplicaSet exists.
        await history.WhenCreatedAsync(name, 1).WaitAsync(Timeout);

        await plane.ApiServer.KillAsync();
        var atKill = history.Created(name);
        await plane.ApiServer.StartAsync();

        await Eventually.WaitAsync(() => Task.FromResult(history.Live(name) == Replicas), Timeout,
            $"{Replicas} pods of {name} (now {history.Live(name)}; the API server was killed at {atKill})");
        await Eventually.WaitAsync(() => plane.Client.GetAsync<Deployment>(name, "default"),
            d => d.Status?.Replicas == Replicas && d.Status.AvailableReplicas == Replicas, Timeout, $"deployment {name} to report {Replicas} available");
        await history.CatchUpAsync(Timeout);
        Assert.True(atKill < Replicas, $"the kill came after the scale-up ended ({atKill} pods made): the test proved nothing");
        Assert.True(history.Created(name) <= Replicas, $"{history.Created(name)} pods of {name} were ever created (replicas {Replicas} + maxSurge 0)");
        Assert.Equal(Replicas, history.Live(name));
        Assert.Single((await plane.Client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name)).Items);
    }

    [Fact]
    public async Task A_scheduler_killed_with_30_pending_pods_binds_each_exactly_once_after_restart()
    {
        await using var plane = await ProcessControlPlane.StartAsync();
        await using var history = await PodHistory.StartAsync(plane.Etcd.ClientUrl, "app");
        const string name = "sched-kill";
        await plane.Scheduler.KillAsync();
        var creates = Enumerable.Range(0, 30).Select(i => plane.Client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = $"{name}-{i}", Namespace = "default", Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "busybox:1.0" }] },
        }));
        await Task.WhenAll(creates);
        // Restart it while it binds: it is killed again once the first pods are bound.
        await plane.Scheduler.StartAsync();
        await Eventually.WaitAsync(() => Task.FromResult(history.BoundPods() >= 1), Timeout, "the first binding");
        await plane.Scheduler.KillAsync();
        await plane.Scheduler.StartAsync();

        await Eventually.WaitAsync(() => Task.FromResult(history.BoundPods() == 30), Timeout, $"all 30 pods bound (now {history.BoundPods()})");
        await Eventually.WaitAsync(async () => (await plane.Client.ListAsync<Pod>("default", labelSelector: "app=" + name)).Items.All(p => p.Status?.Phase == PodPhase.Running),
            Timeout, "all 30 pods running");
        await history.CatchUpAsync(Timeout);
        Assert.Empty(history.BoundMoreThanOnce());
        Assert.Equal(30, history.Created(name));
    }

    internal static Deployment Deployment(string name, int replicas, IntOrString? maxSurge = null, IntOrString? maxUnavailable = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new Deployment
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default" },
            Spec = new DeploymentSpec
            {
                Replicas = replicas,
                Selector = new LabelSelector { MatchLabels = labels },
                Template = WorkloadObjects.Template(labels: labels),
                Strategy = new DeploymentStrategy
                {
                    Type = DeploymentStrategyType.RollingUpdate,
                    RollingUpdate = new RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable },
                },
            },
        };
    }
}
