using MiniKube.Api;
using MiniKube.Controllers.Deployments;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class DeploymentControllerTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private DeploymentController _controller = null!;

    public Task InitializeAsync()
    {
        _controller = new DeploymentController(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        await _world.DisposeAsync();
    }

    /// <summary>A ReplicaSet the Deployment made for <paramref name="image"/> at <paramref name="revision"/>, with its status.</summary>
    private static ReplicaSet OwnedSet(Deployment d, string image, int replicas, int available, long revision, int minutesAgo)
    {
        var template = WorkloadObjects.Template(image);
        var hash = PodTemplateHash.Compute(template, null);
        var rs = WorkloadObjects.ReplicaSet("web-" + hash, replicas);
        return rs with
        {
            Metadata = rs.Metadata with
            {
                Uid = "uid-rs-" + revision,
                Labels = new Dictionary<string, string> { ["app"] = "web", [PodTemplateHash.Label] = hash },
                CreationTimestamp = UnitWorld.Start.AddMinutes(-minutesAgo),
                OwnerReferences = [Owners.ControllerRef(d)],
                Annotations = new Dictionary<string, string>
                {
                    [DeploymentUtil.RevisionAnnotation] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [DeploymentUtil.DesiredReplicasAnnotation] = DeploymentUtil.Replicas(d).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [DeploymentUtil.MaxReplicasAnnotation] = (DeploymentUtil.Replicas(d) + DeploymentUtil.MaxSurge(d)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            Spec = rs.Spec! with
            {
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web", [PodTemplateHash.Label] = hash } },
                Template = Defaulter.Apply(new Deployment { Spec = new DeploymentSpec { Template = PodTemplateHash.WithHash(template, hash) } }).Spec!.Template,
            },
            Status = new ReplicaSetStatus { Replicas = replicas, ReadyReplicas = available, AvailableReplicas = available, ObservedGeneration = 1 },
        };
    }

    [Fact]
    public async Task A_new_deployment_gets_a_replica_set_named_by_its_template_hash()
    {
        var d = WorkloadObjects.Deployment("web", 3);
        _world.Seed(d);

        await _controller.ReconcileAsync("default/web", default);

        var rs = Assert.Single(_world.Client.Written.OfType<ReplicaSet>());
        var hash = PodTemplateHash.Compute(d.Spec!.Template, null);
        Assert.Equal("web-" + hash, rs.Metadata.Name);
        Assert.Equal(3, rs.Spec!.Replicas);
        Assert.Equal(hash, rs.Spec.Template!.Metadata!.Labels![PodTemplateHash.Label]);
        Assert.Equal(hash, rs.Spec.Selector!.MatchLabels![PodTemplateHash.Label]);
        Assert.Equal(("1", "3", "4"), (rs.Metadata.Annotations![DeploymentUtil.RevisionAnnotation],
            rs.Metadata.Annotations[DeploymentUtil.DesiredReplicasAnnotation], rs.Metadata.Annotations[DeploymentUtil.MaxReplicasAnnotation]));
        Assert.True(Owners.IsControlledBy(rs, d));
        Assert.Contains($"Normal ScalingReplicaSet: Scaled up replica set web-{hash} from 0 to 3", _world.Events.Lines);
        Assert.Contains(_world.Client.PatchesSent, p => p.Action == "patch deployments default/web" && p.Patch.Contains("\"deployment.kubernetes.io/revision\":\"1\"", StringComparison.Ordinal));
        var status = _world.Client.Written.OfType<Deployment>().Last().Status!;
        var progressing = DeploymentUtil.Condition(status, DeploymentConditionType.Progressing)!;
        Assert.Equal(("True", "NewReplicaSetCreated", $"Created new replica set \"web-{hash}\""), (progressing.Status, progressing.Reason, progressing.Message));
    }

    [Fact]
    public async Task A_template_change_surges_one_new_pod_while_max_unavailable_is_0()
    {
        var old = WorkloadObjects.Deployment("web", 3, maxSurge: 1, maxUnavailable: 0);
        var d = WorkloadObjects.Deployment("web", 3, image: "busybox:2.0", maxSurge: 1, maxUnavailable: 0);
        _world.Seed(d, OwnedSet(old, "busybox:1.0", 3, 3, 1, 60));

        await _controller.ReconcileAsync("default/web", default);

        var created = Assert.Single(_world.Client.Written.OfType<ReplicaSet>(), rs => rs.Spec!.Template!.Spec!.Containers[0].Image == "busybox:2.0");
        Assert.Equal(1, created.Spec!.Replicas);
        Assert.Equal("2", created.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        Assert.DoesNotContain(_world.Client.Actions, a => a.StartsWith("update replicasets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Old_replicas_go_only_as_new_ones_become_available()
    {
        var old = WorkloadObjects.Deployment("web", 3, maxSurge: 1, maxUnavailable: 0);
        var d = WorkloadObjects.Deployment("web", 3, image: "busybox:2.0", maxSurge: 1, maxUnavailable: 0);
        var oldSet = OwnedSet(old, "busybox:1.0", 3, 3, 1, 60);
        var newSet = OwnedSet(d, "busybox:2.0", 1, 0, 2, 1);
        _world.Seed(d, oldSet, newSet);

        await _controller.ReconcileAsync("default/web", default);
        Assert.DoesNotContain(_world.Client.Actions, a => a.StartsWith("update replicasets", StringComparison.Ordinal));

        _world.Seed(newSet with { Status = newSet.Status! with { ReadyReplicas = 1, AvailableReplicas = 1 } });
        await _controller.ReconcileAsync("default/web", default);

        var scaled = Assert.Single(_world.Client.Written.OfType<ReplicaSet>());
        Assert.Equal((oldSet.Metadata.Name, 2), (scaled.Metadata.Name, scaled.Spec!.Replicas));
        Assert.Contains($"Normal ScalingReplicaSet: Scaled down replica set {oldSet.Metadata.Name} from 3 to 2", _world.Events.Lines);
    }

    [Fact]
    public async Task A_sync_that_starts_before_the_cache_has_seen_the_last_syncs_write_builds_on_that_write()
    {
        var old = WorkloadObjects.Deployment("web", 3, maxSurge: 1, maxUnavailable: 0);
        var d = WorkloadObjects.Deployment("web", 3, image: "busybox:2.0", maxSurge: 1, maxUnavailable: 0);
        var oldSet = OwnedSet(old, "busybox:1.0", 3, 3, 1, 60);
        var newSet = OwnedSet(d, "busybox:2.0", 1, 1, 2, 1);
        _world.Seed(d, oldSet, newSet);

        // The first sync scales the old set 3 → 2; the informer cache is not told, as when its watch lags behind.
        await _controller.ReconcileAsync("default/web", default);
        await _controller.ReconcileAsync("default/web", default);

        // From the stale copy (old at 3, 4 pods = the surge limit) the second sync would scale the old set 3 → 2 again and
        // leave the new one; from its own write (old at 2) it surges the new set to 2.
        var writes = _world.Client.Written.OfType<ReplicaSet>().Select(rs => (rs.Metadata.Name, rs.Spec!.Replicas)).ToList();
        Assert.Equal([(oldSet.Metadata.Name, 2), (newSet.Metadata.Name, 2)], writes);
    }

    [Fact]
    public async Task Recreate_scales_the_old_replica_set_to_0_before_creating_the_new_one()
    {
        var old = WorkloadObjects.Deployment("web", 2, strategy: DeploymentStrategyType.Recreate);
        var d = WorkloadObjects.Deployment("web", 2, image: "busybox:2.0", strategy: DeploymentStrategyType.Recreate);
        var oldSet = OwnedSet(old, "busybox:1.0", 2, 2, 1, 60);
        _world.Seed(d, oldSet, WorkloadObjects.Pod("old-1", owner: oldSet, node: "n1"));

        await _controller.ReconcileAsync("default/web", default);

        Assert.Equal(0, Assert.Single(_world.Client.Written.OfType<ReplicaSet>()).Spec!.Replicas);
        Assert.Empty(_world.Client.ActionsStartingWith("create"));

        // Scaled to 0 but a pod still terminates: wait.
        _world.Client.Written.Clear();
        _world.Seed(oldSet with { Spec = oldSet.Spec! with { Replicas = 0 }, Status = new ReplicaSetStatus { Replicas = 0, ObservedGeneration = 2 } });
        await _controller.ReconcileAsync("default/web", default);
        Assert.Empty(_world.Client.ActionsStartingWith("create"));
    }

    [Fact]
    public async Task Old_replica_sets_beyond_the_revision_history_limit_are_deleted_oldest_revision_first()
    {
        var d = WorkloadObjects.Deployment("web", 1);
        d = d with { Spec = d.Spec! with { RevisionHistoryLimit = 1 } };
        var current = OwnedSet(d, "busybox:1.0", 1, 1, 4, 1);
        _world.Seed(d, current,
            OwnedSet(d, "busybox:0.1", 0, 0, 1, 40) with { Metadata = WorkloadObjects.Meta("web-r1", "default", "r1") with { Labels = WorkloadObjects.WebLabels,  Annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = "1" }, OwnerReferences = [Owners.ControllerRef(d)] } },
            OwnedSet(d, "busybox:0.2", 0, 0, 2, 30) with { Metadata = WorkloadObjects.Meta("web-r2", "default", "r2") with { Labels = WorkloadObjects.WebLabels,  Annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = "2" }, OwnerReferences = [Owners.ControllerRef(d)] } },
            OwnedSet(d, "busybox:0.3", 0, 0, 3, 20) with { Metadata = WorkloadObjects.Meta("web-r3", "default", "r3") with { Labels = WorkloadObjects.WebLabels,  Annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = "3" }, OwnerReferences = [Owners.ControllerRef(d)] } });

        await _controller.ReconcileAsync("default/web", default);

        Assert.Equal(["delete replicasets default/web-r1", "delete replicasets default/web-r2"], _world.Client.ActionsStartingWith("delete"));
    }

    [Fact]
    public async Task A_rollout_without_progress_past_its_deadline_is_marked_ProgressDeadlineExceeded()
    {
        var old = WorkloadObjects.Deployment("web", 2);
        var d = WorkloadObjects.Deployment("web", 2, image: "busybox:2.0");
        d = d with
        {
            Spec = d.Spec! with { ProgressDeadlineSeconds = 60 },
            Status = new DeploymentStatus
            {
                ObservedGeneration = 1,
                Replicas = 3,
                UpdatedReplicas = 1,
                AvailableReplicas = 2,
                ReadyReplicas = 2,
                Conditions = [DeploymentUtil.NewCondition(DeploymentConditionType.Progressing, "True", DeploymentUtil.ReplicaSetUpdated,
                    "ReplicaSet \"x\" is progressing.", UnitWorld.Start.AddMinutes(-2))],
            },
        };
        var newSet = OwnedSet(d, "busybox:2.0", 1, 0, 2, 2);
        _world.Seed(d, OwnedSet(old, "busybox:1.0", 2, 2, 1, 60), newSet);

        await _controller.ReconcileAsync("default/web", default);

        var status = _world.Client.Written.OfType<Deployment>().Last().Status!;
        var progressing = DeploymentUtil.Condition(status, DeploymentConditionType.Progressing)!;
        Assert.Equal(("False", "ProgressDeadlineExceeded", $"ReplicaSet \"{newSet.Metadata.Name}\" has timed out progressing."),
            (progressing.Status, progressing.Reason, progressing.Message));
    }

    [Fact]
    public async Task A_progressing_rollout_is_looked_at_again_when_its_deadline_passes()
    {
        var d = WorkloadObjects.Deployment("web", 2);
        d = d with { Spec = d.Spec! with { ProgressDeadlineSeconds = 60 } };
        var rs = OwnedSet(d, "busybox:1.0", 2, 1, 1, 1);
        _world.Seed(d, rs);

        var result = await _controller.ReconcileAsync("default/web", default);

        var status = _world.Client.Written.OfType<Deployment>().Last().Status!;
        Assert.Equal(DeploymentUtil.ReplicaSetUpdated, DeploymentUtil.Condition(status, DeploymentConditionType.Progressing)!.Reason);
        Assert.Equal(TimeSpan.FromSeconds(61), result.RequeueAfter);
    }

    [Fact]
    public async Task A_selector_matching_everything_is_refused_with_a_warning()
    {
        var d = WorkloadObjects.Deployment("web", 1);
        _world.Seed(d with { Spec = d.Spec! with { Selector = new LabelSelector() }, Metadata = d.Metadata with { Generation = 2 } });

        await _controller.ReconcileAsync("default/web", default);

        Assert.Contains("Warning SelectingAll: This deployment is selecting all pods. A non-empty selector is required.", _world.Events.Lines);
        Assert.Equal(["update-status deployments default/web"], _world.Client.Actions);
    }

    [Fact]
    public async Task Pausing_sets_the_paused_progressing_condition_and_does_not_roll_out()
    {
        var old = WorkloadObjects.Deployment("web", 2);
        var d = WorkloadObjects.Deployment("web", 2, image: "busybox:2.0");
        d = d with { Spec = d.Spec! with { Paused = true } };
        _world.Seed(d, OwnedSet(old, "busybox:1.0", 2, 2, 1, 60));

        await _controller.ReconcileAsync("default/web", default);

        Assert.Empty(_world.Client.ActionsStartingWith("create"));
        var progressing = DeploymentUtil.Condition(_world.Client.Written.OfType<Deployment>().First().Status, DeploymentConditionType.Progressing)!;
        Assert.Equal(("Unknown", "DeploymentPaused", "Deployment is paused"), (progressing.Status, progressing.Reason, progressing.Message));
    }

    [Fact]
    public async Task Resizing_mid_rollout_spreads_the_new_replicas_over_both_replica_sets_by_size()
    {
        var old = WorkloadObjects.Deployment("web", 10, maxSurge: 3, maxUnavailable: 0);
        var d = WorkloadObjects.Deployment("web", 15, image: "busybox:2.0", maxSurge: 3, maxUnavailable: 0);
        Dictionary<string, string> Annotations(long revision) => new()
        {
            [DeploymentUtil.RevisionAnnotation] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [DeploymentUtil.DesiredReplicasAnnotation] = "10",
            [DeploymentUtil.MaxReplicasAnnotation] = "13",
        };
        var oldSet = OwnedSet(old, "busybox:1.0", 8, 8, 1, 60);
        var newSet = OwnedSet(d, "busybox:2.0", 5, 0, 2, 1);
        _world.Seed(d, oldSet with { Metadata = oldSet.Metadata with { Annotations = Annotations(1) } },
            newSet with { Metadata = newSet.Metadata with { Annotations = Annotations(2) } });

        await _controller.ReconcileAsync("default/web", default);

        // 15 + 3 surge allowed, 13 running: 5 to add; the 8-replica set takes round(8 * 18 / 13) - 8 = 3, the other 2.
        var sizes = _world.Client.Written.OfType<ReplicaSet>().ToDictionary(rs => rs.Metadata.Name!, rs => rs.Spec!.Replicas);
        Assert.Equal(11, sizes[oldSet.Metadata.Name!]);
        Assert.Equal(7, sizes[newSet.Metadata.Name!]);
        Assert.All(_world.Client.Written.OfType<ReplicaSet>(), rs =>
            Assert.Equal(("15", "18"), (rs.Metadata.Annotations![DeploymentUtil.DesiredReplicasAnnotation], rs.Metadata.Annotations[DeploymentUtil.MaxReplicasAnnotation])));
    }

    [Fact]
    public async Task A_name_taken_by_a_foreign_replica_set_bumps_the_collision_count()
    {
        var d = WorkloadObjects.Deployment("web", 1);
        var hash = PodTemplateHash.Compute(d.Spec!.Template, null);
        _world.Seed(d);
        _world.Client.Seed(WorkloadObjects.ReplicaSet("web-" + hash, 1, uid: "someone-else"));

        await Assert.ThrowsAsync<ApiException>(() => _controller.ReconcileAsync("default/web", default));

        Assert.Equal(1, _world.Client.Written.OfType<Deployment>().Last().Status!.CollisionCount);
        Assert.NotEqual(hash, PodTemplateHash.Compute(d.Spec.Template, 1));
    }

    [Fact]
    public async Task An_old_replica_set_whose_status_still_counts_a_removed_pod_is_never_scaled_up()
    {
        var old = WorkloadObjects.Deployment("web", 3, maxSurge: 1, maxUnavailable: 0);
        var d = WorkloadObjects.Deployment("web", 3, image: "busybox:2.0", maxSurge: 1, maxUnavailable: 0);
        // Scaled 3 -> 2, but its status still reports 3 available; the new set has 2 of 2 available.
        _world.Seed(d, OwnedSet(old, "busybox:1.0", 2, 3, 1, 60), OwnedSet(d, "busybox:2.0", 2, 2, 2, 1));

        await _controller.ReconcileAsync("default/web", default);

        Assert.All(_world.Client.Written.OfType<ReplicaSet>().Where(rs => rs.Spec!.Template!.Spec!.Containers[0].Image == "busybox:1.0"),
            rs => Assert.True(rs.Spec!.Replicas <= 2, $"the old set went up to {rs.Spec.Replicas}"));
        Assert.DoesNotContain(_world.Events.Lines, l => l.EndsWith(" from 2 to 3", StringComparison.Ordinal) && l.Contains("Scaled up", StringComparison.Ordinal));
    }
}
