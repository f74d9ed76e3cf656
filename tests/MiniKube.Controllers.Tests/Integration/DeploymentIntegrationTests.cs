using System.Collections.Concurrent;
using MiniKube.Api;
using MiniKube.Rollout;
using MiniKube.Client;
using MiniKube.Controllers.Deployments;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

public sealed class DeploymentIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private MiniKubeClient Client => cluster.Client;

    private static Deployment NewDeployment(string ns, int replicas, string image, string strategy = DeploymentStrategyType.RollingUpdate,
        IntOrString? maxSurge = null, IntOrString? maxUnavailable = null, int? progressDeadlineSeconds = null) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = ns },
        Spec = new DeploymentSpec
        {
            Replicas = replicas,
            Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels },
            Template = WorkloadObjects.Template(image),
            Strategy = new DeploymentStrategy
            {
                Type = strategy,
                RollingUpdate = strategy == DeploymentStrategyType.Recreate ? null : new RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable },
            },
            ProgressDeadlineSeconds = progressDeadlineSeconds,
        },
    };

    private Task<Deployment> WaitForCompleteAsync(string ns, string image) =>
        Cluster.WaitForAsync<Deployment>(Client, "web", ns, d =>
            d.Spec!.Template.Spec!.Containers[0].Image == image && RolloutStatusDone(d), $"the rollout of {image} to complete");

    private static bool RolloutStatusDone(Deployment d)
    {
        try
        {
            return RolloutStatus.Evaluate(d).Done;
        }
        catch (RolloutException)
        {
            return false;
        }
    }

    private async Task SetImageAsync(string ns, string image) =>
        await new RolloutOperations(Client).SetImageAsync(ns, "web", new Dictionary<string, string> { ["app"] = image });

    [Fact]
    public async Task Creates_a_replica_set_named_by_the_template_hash_with_revision_annotations_and_conditions()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-create");
        await Client.CreateAsync(NewDeployment(ns, 3, "busybox:1.0"));

        var d = await WaitForCompleteAsync(ns, "busybox:1.0");

        var rs = Assert.Single((await Client.ListAsync<ReplicaSet>(ns)).Items);
        var hash = rs.Spec!.Template!.Metadata!.Labels![PodTemplateHash.Label];
        Assert.Equal("web-" + hash, rs.Metadata.Name);
        Assert.Equal(hash, rs.Spec.Selector!.MatchLabels![PodTemplateHash.Label]);
        Assert.Equal("1", rs.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("3", rs.Metadata.Annotations[DeploymentUtil.DesiredReplicasAnnotation]);
        Assert.Equal("4", rs.Metadata.Annotations[DeploymentUtil.MaxReplicasAnnotation]);
        Assert.Equal("1", d.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        var pods = await Cluster.WaitForRunningPodsAsync(Client, ns, 3);
        Assert.All(pods, p => Assert.Equal(hash, p.Metadata.Labels![PodTemplateHash.Label]));
        Assert.Equal((3, 3, 3, 3, 0), (d.Status!.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UnavailableReplicas));
        var available = DeploymentUtil.Condition(d.Status, DeploymentConditionType.Available)!;
        Assert.Equal(("True", "MinimumReplicasAvailable", "Deployment has minimum availability."), (available.Status, available.Reason, available.Message));
        var progressing = DeploymentUtil.Condition(d.Status, DeploymentConditionType.Progressing)!;
        Assert.Equal(("True", "NewReplicaSetAvailable", $"ReplicaSet \"{rs.Metadata.Name}\" has successfully progressed."),
            (progressing.Status, progressing.Reason, progressing.Message));
        var events = await Eventually.WaitAsync(() => Cluster.EventsAsync(Client, ns, "web"), e => e.Any(x => x.Reason == "ScalingReplicaSet"),
            Cluster.Timeout, "a ScalingReplicaSet event");
        Assert.Contains(events, e => e.Message == $"Scaled up replica set {rs.Metadata.Name} from 0 to 3" && e.Source!.Component == "deployment-controller");
    }

    [Fact]
    public async Task Rolling_update_with_max_unavailable_0_never_has_fewer_ready_pods_than_desired()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-rolling");
        await Client.CreateAsync(NewDeployment(ns, 3, "busybox:1.0", maxSurge: 1, maxUnavailable: 0));
        await WaitForCompleteAsync(ns, "busybox:1.0");
        await Cluster.WaitForRunningPodsAsync(Client, ns, 3);

        // Follow every pod change through a watch and keep the lowest number of ready, non-terminating pods seen.
        var pods = new ConcurrentDictionary<string, Pod>();
        var minReady = int.MaxValue;
        var maxTotal = 0;
        using var stop = new CancellationTokenSource();
        var seenInitial = new TaskCompletionSource();
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in Client.WatchAsync<Pod>(ns, cancellationToken: stop.Token))
                {
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        pods.TryRemove(e.Object.Metadata.Name!, out _);
                    }
                    else
                    {
                        pods[e.Object.Metadata.Name!] = e.Object;
                    }
                    var live = pods.Values.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
                    if (live.Count(Controllers.Pods.IsReady) >= 3)
                    {
                        seenInitial.TrySetResult();
                    }
                    if (seenInitial.Task.IsCompleted)
                    {
                        minReady = Math.Min(minReady, live.Count(Controllers.Pods.IsReady));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Done watching.
            }
        });
        // maxSurge bounds the replicas the ReplicaSets ask for (pods of a scaled-down set may linger a moment longer).
        var setReplicas = new ConcurrentDictionary<string, int>();
        var setsSeen = new TaskCompletionSource();
        var history = new ConcurrentQueue<string>();
        var setWatch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in Client.WatchAsync<ReplicaSet>(ns, cancellationToken: stop.Token))
                {
                    setReplicas[e.Object.Metadata.Name!] = e.Type == WatchEventTypes.Deleted ? 0 : e.Object.Spec?.Replicas ?? 0;
                    history.Enqueue($"{e.Type} {e.Object.Metadata.Name} rv={e.Object.Metadata.ResourceVersion} replicas={e.Object.Spec?.Replicas} avail={e.Object.Status?.AvailableReplicas}");
                    maxTotal = Math.Max(maxTotal, setReplicas.Values.Sum());
                    setsSeen.TrySetResult();
                }
            }
            catch (OperationCanceledException)
            {
                // Done watching.
            }
        });
        await seenInitial.Task.WaitAsync(Cluster.Timeout);
        await setsSeen.Task.WaitAsync(Cluster.Timeout);

        await SetImageAsync(ns, "busybox:2.0");
        var d = await WaitForCompleteAsync(ns, "busybox:2.0");
        var final = await Cluster.WaitForRunningPodsAsync(Client, ns, 3);
        await stop.CancelAsync();
        await watch;
        await setWatch;

        Assert.Equal(3, minReady);
        Assert.True(maxTotal == 4, $"the replica sets should ask for 3 + 1 surge = 4 replicas at most and at some point, saw {maxTotal} ({string.Join(" | ", history)})");
        Assert.All(final, p => Assert.Equal("busybox:2.0", p.Spec!.Containers[0].Image));
        Assert.Equal("2", d.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        var sets = (await Client.ListAsync<ReplicaSet>(ns)).Items;
        Assert.Equal(2, sets.Count);
        Assert.Contains(sets, rs => rs.Spec!.Replicas == 0 && rs.Metadata.Annotations![DeploymentUtil.RevisionAnnotation] == "1");
        Assert.Contains(sets, rs => rs.Spec!.Replicas == 3 && rs.Metadata.Annotations![DeploymentUtil.RevisionAnnotation] == "2");
        var events = await Cluster.EventsAsync(Client, ns, "web");
        Assert.Contains(events, e => e.Message!.StartsWith("Scaled down replica set web-", StringComparison.Ordinal) && e.Message.EndsWith(" from 1 to 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recreate_removes_every_old_pod_before_creating_new_ones()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-recreate");
        await Client.CreateAsync(NewDeployment(ns, 2, "busybox:1.0", DeploymentStrategyType.Recreate));
        await WaitForCompleteAsync(ns, "busybox:1.0");
        await Cluster.WaitForRunningPodsAsync(Client, ns, 2);

        var pods = new ConcurrentDictionary<string, Pod>();
        var overlap = false;
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in Client.WatchAsync<Pod>(ns, cancellationToken: stop.Token))
                {
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        pods.TryRemove(e.Object.Metadata.Name!, out _);
                    }
                    else
                    {
                        pods[e.Object.Metadata.Name!] = e.Object;
                    }
                    var images = pods.Values.Select(p => p.Spec!.Containers[0].Image).Distinct().Count();
                    overlap |= images > 1;
                }
            }
            catch (OperationCanceledException)
            {
                // Done watching.
            }
        });

        await SetImageAsync(ns, "busybox:2.0");
        await WaitForCompleteAsync(ns, "busybox:2.0");
        var final = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);
        await stop.CancelAsync();
        await watch;

        Assert.False(overlap, "old and new pods existed at the same time");
        Assert.All(final, p => Assert.Equal("busybox:2.0", p.Spec!.Containers[0].Image));
    }

    [Fact]
    public async Task Undo_to_revision_1_brings_back_the_first_template_as_revision_3()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-undo");
        await Client.CreateAsync(NewDeployment(ns, 2, "busybox:1.0"));
        await WaitForCompleteAsync(ns, "busybox:1.0");
        await SetImageAsync(ns, "busybox:2.0");
        await WaitForCompleteAsync(ns, "busybox:2.0");
        var ops = new RolloutOperations(Client);

        var result = await ops.UndoAsync(ns, "web", toRevision: 1);

        Assert.Equal("deployment.apps/web rolled back", result);
        var d = await WaitForCompleteAsync(ns, "busybox:1.0");
        Assert.Equal("3", d.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        var pods = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);
        Assert.All(pods, p => Assert.Equal("busybox:1.0", p.Spec!.Containers[0].Image));
        var sets = (await Client.ListAsync<ReplicaSet>(ns)).Items;
        Assert.Equal(2, sets.Count);
        var revived = Assert.Single(sets, rs => rs.Spec!.Template!.Spec!.Containers[0].Image == "busybox:1.0");
        Assert.Equal("3", revived.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("1", revived.Metadata.Annotations[DeploymentUtil.RevisionHistoryAnnotation]);
        var history = await ops.FormatHistoryAsync(ns, "web");
        Assert.Equal("deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n", history);
        Assert.Equal("deployment.apps/web skipped rollback (current template already matches revision 3)",
            await ops.UndoAsync(ns, "web", toRevision: 3));
    }

    [Fact]
    public async Task A_paused_deployment_does_not_roll_out_until_resumed()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-pause");
        await Client.CreateAsync(NewDeployment(ns, 2, "busybox:1.0"));
        await WaitForCompleteAsync(ns, "busybox:1.0");
        var ops = new RolloutOperations(Client);

        Assert.Equal("deployment.apps/web paused", await ops.PauseAsync(ns, "web"));
        await SetImageAsync(ns, "busybox:2.0");
        var paused = await Cluster.WaitForAsync<Deployment>(Client, "web", ns,
            d => d.Status?.ObservedGeneration == d.Metadata.Generation
                 && DeploymentUtil.Condition(d.Status, DeploymentConditionType.Progressing)?.Reason == DeploymentUtil.DeploymentPaused,
            "the paused change to be observed");

        Assert.Equal("Deployment is paused", DeploymentUtil.Condition(paused.Status, DeploymentConditionType.Progressing)!.Message);
        Assert.Single((await Client.ListAsync<ReplicaSet>(ns)).Items);
        var error = await Assert.ThrowsAsync<RolloutException>(() => ops.PauseAsync(ns, "web"));
        Assert.Equal("deployments.apps \"web\" is already paused", error.Message);

        Assert.Equal("deployment.apps/web resumed", await ops.ResumeAsync(ns, "web"));
        var messages = new List<string>();
        await ops.WaitAsync(ns, "web", messages.Add, Cluster.Timeout);
        Assert.Equal("deployment \"web\" successfully rolled out", messages[^1]);
        Assert.Equal(2, (await Client.ListAsync<ReplicaSet>(ns)).Items.Count);
        Assert.All(await Cluster.WaitForRunningPodsAsync(Client, ns, 2), p => Assert.Equal("busybox:2.0", p.Spec!.Containers[0].Image));
    }

    [Fact]
    public async Task A_rollout_that_makes_no_progress_exceeds_its_progress_deadline()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-deadline");
        var deployment = NewDeployment(ns, 2, "busybox:1.0", progressDeadlineSeconds: 2);
        // No node carries this label: the pods stay Pending.
        deployment = deployment with
        {
            Spec = deployment.Spec! with
            {
                Template = deployment.Spec.Template with
                {
                    Spec = deployment.Spec.Template.Spec! with { NodeSelector = new Dictionary<string, string> { ["disk"] = "none-has-it" } },
                },
            },
        };
        await Client.CreateAsync(deployment);

        var d = await Cluster.WaitForAsync<Deployment>(Client, "web", ns,
            x => DeploymentUtil.Condition(x.Status, DeploymentConditionType.Progressing)?.Reason == DeploymentUtil.ProgressDeadlineExceeded,
            "ProgressDeadlineExceeded");

        var condition = DeploymentUtil.Condition(d.Status, DeploymentConditionType.Progressing)!;
        Assert.Equal("False", condition.Status);
        Assert.Matches("^ReplicaSet \"web-[a-z0-9]+\" has timed out progressing.$", condition.Message);
        var available = DeploymentUtil.Condition(d.Status, DeploymentConditionType.Available)!;
        Assert.Equal(("False", "MinimumReplicasUnavailable"), (available.Status, available.Reason));
        var error = await Assert.ThrowsAsync<RolloutException>(() => new RolloutOperations(Client).WaitAsync(ns, "web", _ => { }, Cluster.Timeout));
        Assert.Equal("deployment \"web\" exceeded its progress deadline", error.Message);
    }

    [Fact]
    public async Task Restart_rolls_every_pod_and_scale_resizes()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-restart");
        await Client.CreateAsync(NewDeployment(ns, 2, "busybox:1.0"));
        await WaitForCompleteAsync(ns, "busybox:1.0");
        var before = (await Cluster.WaitForRunningPodsAsync(Client, ns, 2)).Select(p => p.Metadata.Name).ToHashSet();
        var ops = new RolloutOperations(Client);

        Assert.Equal("deployment.apps/web restarted", await ops.RestartAsync(ns, "web"));
        await ops.WaitAsync(ns, "web", _ => { }, Cluster.Timeout);
        var after = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);
        Assert.DoesNotContain(after, p => before.Contains(p.Metadata.Name));
        Assert.All(after, p => Assert.True(p.Metadata.Annotations?.ContainsKey(RolloutOperations.RestartedAtAnnotation)));

        Assert.Equal("deployment.apps/web scaled", await ops.ScaleAsync(ns, "web", 4));
        await Cluster.WaitForRunningPodsAsync(Client, ns, 4);
        var d = await Cluster.WaitForAsync<Deployment>(Client, "web", ns, x => x.Status?.AvailableReplicas == 4, "4 available");
        Assert.Equal("2", d.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
    }
}
