using MiniKube.Api;
using MiniKube.Rollout;
using MiniKube.Controllers.Deployments;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class RolloutTests
{
    private static Deployment WithStatus(int replicas, int updated, int available, int total, long generation = 2, long observed = 2, string? progressingReason = null)
    {
        var d = WorkloadObjects.Deployment("web", replicas);
        return d with
        {
            Metadata = d.Metadata with { Generation = generation },
            Status = new DeploymentStatus
            {
                ObservedGeneration = observed,
                Replicas = total,
                UpdatedReplicas = updated,
                AvailableReplicas = available,
                Conditions = progressingReason is null ? null : [new DeploymentCondition { Type = "Progressing", Status = "False", Reason = progressingReason }],
            },
        };
    }

    [Fact]
    public void Status_messages_are_kubectls()
    {
        Assert.Equal(new RolloutStatusResult("Waiting for deployment spec update to be observed...", false),
            RolloutStatus.Evaluate(WithStatus(3, 3, 3, 3, generation: 3, observed: 2)));
        Assert.Equal(new RolloutStatusResult("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...", false),
            RolloutStatus.Evaluate(WithStatus(3, 1, 3, 4)));
        Assert.Equal(new RolloutStatusResult("Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...", false),
            RolloutStatus.Evaluate(WithStatus(3, 3, 3, 4)));
        Assert.Equal(new RolloutStatusResult("Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...", false),
            RolloutStatus.Evaluate(WithStatus(3, 3, 1, 3)));
        Assert.Equal(new RolloutStatusResult("deployment \"web\" successfully rolled out", true), RolloutStatus.Evaluate(WithStatus(3, 3, 3, 3)));
        var error = Assert.Throws<RolloutException>(() => RolloutStatus.Evaluate(WithStatus(3, 1, 1, 3, progressingReason: "ProgressDeadlineExceeded")));
        Assert.Equal("deployment \"web\" exceeded its progress deadline", error.Message);
    }

    private static ReplicaSet Revision(long revision, string image, string? cause = null)
    {
        var rs = WorkloadObjects.ReplicaSet("web-" + revision, 0);
        var annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (cause is not null)
        {
            annotations[DeploymentUtil.ChangeCauseAnnotation] = cause;
        }
        return rs with
        {
            Metadata = rs.Metadata with { Annotations = annotations },
            Spec = rs.Spec! with { Template = PodTemplateHash.WithHash(WorkloadObjects.Template(image), "h" + revision) },
        };
    }

    [Fact]
    public void History_lists_revisions_with_change_causes()
    {
        var text = RolloutHistory.Format("deployment.apps/web", RolloutHistory.Revisions([Revision(3, "c"), Revision(1, "a", "kubectl create"), Revision(2, "b")]));

        Assert.Equal("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         kubectl create\n2         <none>\n3         <none>\n\n", text);
    }

    [Fact]
    public void A_revision_shows_its_template_without_the_hash_label()
    {
        var revision = RolloutHistory.Revisions([Revision(2, "busybox:2.0", "set image")])[0];

        var text = RolloutHistory.FormatRevision("deployment.apps/web", revision);

        Assert.StartsWith("deployment.apps/web with revision #2\nPod Template:\n  Labels:\tapp=web\n  Annotations:\tkubernetes.io/change-cause=set image\n", text, StringComparison.Ordinal);
        Assert.Contains("    Image:\tbusybox:2.0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pod-template-hash", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Undo_picks_the_previous_revision_by_default_and_names_a_missing_one()
    {
        ReplicaSet[] sets = [Revision(1, "a"), Revision(3, "c"), Revision(2, "b")];

        Assert.Equal("web-2", DeploymentRollback.ForRevision("web", sets, 0).Metadata.Name);
        Assert.Equal("web-1", DeploymentRollback.ForRevision("web", sets, 1).Metadata.Name);
        Assert.Equal("unable to find specified revision 7 in history", Assert.Throws<RolloutException>(() => DeploymentRollback.ForRevision("web", sets, 7)).Message);
        Assert.Equal("no rollout history found for deployment \"web\"",
            Assert.Throws<RolloutException>(() => DeploymentRollback.ForRevision("web", [Revision(1, "a")], 0)).Message);
    }

    [Fact]
    public async Task Undo_restores_the_template_and_the_revisions_annotations_but_keeps_the_deployments_own()
    {
        var client = new FakeControllerClient();
        var d = WorkloadObjects.Deployment("web", 2, image: "busybox:2.0");
        d = d with { Metadata = d.Metadata with { Annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = "2", ["team"] = "x" } } };
        var first = Revision(1, "busybox:1.0", "first") with { Metadata = Revision(1, "busybox:1.0", "first").Metadata with { OwnerReferences = [Owners.ControllerRef(d)] } };
        client.Seed(d, first);

        var result = await new RolloutOperations(client).UndoAsync("default", "web", 1);

        Assert.Equal("deployment.apps/web rolled back", result);
        var updated = Assert.Single(client.Written.OfType<Deployment>());
        Assert.Equal("busybox:1.0", updated.Spec!.Template.Spec!.Containers[0].Image);
        Assert.False(updated.Spec.Template.Metadata!.Labels!.ContainsKey(PodTemplateHash.Label));
        Assert.Equal("2", updated.Metadata.Annotations![DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("first", updated.Metadata.Annotations[DeploymentUtil.ChangeCauseAnnotation]);
        Assert.False(updated.Metadata.Annotations.ContainsKey("team"));
    }

    [Fact]
    public async Task Paused_deployments_refuse_undo_and_restart_and_resume_needs_a_pause()
    {
        var client = new FakeControllerClient();
        var d = WorkloadObjects.Deployment("web", 1);
        client.Seed(d with { Spec = d.Spec! with { Paused = true } });
        var ops = new RolloutOperations(client);

        Assert.Equal("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
            (await Assert.ThrowsAsync<RolloutException>(() => ops.UndoAsync("default", "web"))).Message);
        Assert.Equal("deployments.apps \"web\" can't restart paused deployment (run rollout resume first)",
            (await Assert.ThrowsAsync<RolloutException>(() => ops.RestartAsync("default", "web"))).Message);
        Assert.Equal("deployment.apps/web resumed", await ops.ResumeAsync("default", "web"));
        Assert.Equal("""{"spec":{"paused":null}}""", client.PatchesSent.Single().Patch);
        Assert.Equal("deployments.apps \"web\" is not paused", (await Assert.ThrowsAsync<RolloutException>(() => ops.ResumeAsync("default", "web"))).Message);
    }

    [Fact]
    public async Task Set_image_changes_the_named_containers_and_refuses_unknown_ones()
    {
        var client = new FakeControllerClient();
        client.Seed(WorkloadObjects.Deployment("web", 1));
        var ops = new RolloutOperations(client);

        Assert.Equal("deployment.apps/web image updated", await ops.SetImageAsync("default", "web", new Dictionary<string, string> { ["app"] = "busybox:2.0" }));
        Assert.Equal("busybox:2.0", client.Find<Deployment>("default", "web")!.Spec!.Template.Spec!.Containers[0].Image);
        Assert.Equal("unable to find container named \"sidecar\"",
            (await Assert.ThrowsAsync<RolloutException>(() => ops.SetImageAsync("default", "web", new Dictionary<string, string> { ["sidecar"] = "x" }))).Message);
        Assert.Equal("deployment.apps/web unchanged", await ops.SetImageAsync("default", "web", new Dictionary<string, string> { ["*"] = "busybox:2.0" }));
    }

    [Fact]
    public async Task Restart_stamps_restartedAt_on_the_template_and_scale_patches_replicas()
    {
        var client = new FakeControllerClient();
        client.Seed(WorkloadObjects.Deployment("web", 1), WorkloadObjects.ReplicaSet("plain", 1));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var ops = new RolloutOperations(client, time: time);

        Assert.Equal("deployment.apps/web restarted", await ops.RestartAsync("default", "web"));
        Assert.Equal("2025-03-04T05:06:07Z", client.Find<Deployment>("default", "web")!.Spec!.Template.Metadata!.Annotations![RolloutOperations.RestartedAtAnnotation]);
        Assert.Equal("deployment.apps/web scaled", await ops.ScaleAsync("default", "web", 5));
        Assert.Equal(5, client.Find<Deployment>("default", "web")!.Spec!.Replicas);
        Assert.Equal("replicaset.apps/plain scaled", await ops.ScaleAsync("default", "plain", 0, "replicasets"));
        await Assert.ThrowsAsync<RolloutException>(() => ops.ScaleAsync("default", "web", -1));
    }
}
