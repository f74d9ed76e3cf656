using MiniKube.Api;
using MiniKube.Controllers.Deployments;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class DeploymentUtilTests
{
    [Theory]
    [InlineData("25%", "25%", 10, 3, 2)]
    [InlineData("25%", "25%", 3, 1, 0)]
    [InlineData("0", "0", 5, 0, 1)]
    [InlineData("0%", "0%", 5, 0, 1)]
    [InlineData("1", "0", 3, 1, 0)]
    [InlineData("50%", "50%", 5, 3, 2)]
    public void Surge_rounds_up_unavailable_rounds_down_and_they_are_never_both_0(string surge, string unavailable, int desired, int expectedSurge, int expectedUnavailable)
    {
        static IntOrString Parse(string s) => int.TryParse(s, out var i) ? IntOrString.FromInt(i) : IntOrString.FromString(s);

        Assert.Equal((expectedSurge, expectedUnavailable), DeploymentUtil.ResolveFenceposts(Parse(surge), Parse(unavailable), desired));
    }

    [Fact]
    public void The_new_replica_set_grows_only_within_the_surge()
    {
        var d = WorkloadObjects.Deployment("web", 10, maxSurge: IntOrString.FromString("20%"), maxUnavailable: 0);
        var oldSet = WorkloadObjects.ReplicaSet("old", 10);
        var newSet = WorkloadObjects.ReplicaSet("new", 0);

        Assert.Equal(2, DeploymentUtil.NewReplicaSetReplicas(d, [oldSet, newSet], newSet));
        Assert.Equal(2, DeploymentUtil.NewReplicaSetReplicas(d, [oldSet with { Spec = oldSet.Spec! with { Replicas = 10 } }, WorkloadObjects.ReplicaSet("new", 2)], WorkloadObjects.ReplicaSet("new", 2)));
        Assert.Equal(10, DeploymentUtil.NewReplicaSetReplicas(WorkloadObjects.Deployment("web", 10, strategy: DeploymentStrategyType.Recreate), [oldSet, newSet], newSet));
    }

    [Fact]
    public void Template_hash_is_stable_changes_with_the_template_and_the_collision_count()
    {
        var a = WorkloadObjects.Template("busybox:1.0");
        var hash = PodTemplateHash.Compute(a, null);

        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{1,10}$", hash);
        Assert.Equal(hash, PodTemplateHash.Compute(WorkloadObjects.Template("busybox:1.0"), null));
        Assert.NotEqual(hash, PodTemplateHash.Compute(WorkloadObjects.Template("busybox:2.0"), null));
        Assert.NotEqual(hash, PodTemplateHash.Compute(a, 1));
    }

    [Fact]
    public void Templates_compare_equal_without_the_hash_label_and_ignoring_empty_fields()
    {
        var plain = WorkloadObjects.Template();
        var hashed = PodTemplateHash.WithHash(plain, "abc12");
        var withEmpty = plain with { Spec = plain.Spec! with { Volumes = [] } };

        Assert.True(PodTemplateHash.EqualIgnoringHash(plain, hashed));
        Assert.True(PodTemplateHash.EqualIgnoringHash(plain, withEmpty));
        Assert.False(PodTemplateHash.EqualIgnoringHash(plain, WorkloadObjects.Template("busybox:2.0")));
    }

    [Fact]
    public void Revision_annotations_move_forward_and_keep_history()
    {
        var d = WorkloadObjects.Deployment("web", 2);
        d = d with { Metadata = d.Metadata with { Annotations = new Dictionary<string, string> { [DeploymentUtil.ChangeCauseAnnotation] = "set image", [WellKnownAnnotations.LastAppliedConfiguration] = "{}" } } };
        var rs = WorkloadObjects.ReplicaSet("web-1", 2);
        rs = rs with { Metadata = rs.Metadata with { Annotations = new Dictionary<string, string> { [DeploymentUtil.RevisionAnnotation] = "1" } } };

        var annotations = DeploymentUtil.NewReplicaSetAnnotations(d, rs, 3, exists: true)!;

        Assert.Equal("3", annotations[DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("1", annotations[DeploymentUtil.RevisionHistoryAnnotation]);
        Assert.Equal("set image", annotations[DeploymentUtil.ChangeCauseAnnotation]);
        Assert.False(annotations.ContainsKey(WellKnownAnnotations.LastAppliedConfiguration));
        Assert.Null(DeploymentUtil.NewReplicaSetAnnotations(d, rs with { Metadata = rs.Metadata with { Annotations = annotations } }, 3, exists: true));
    }

    [Fact]
    public void Proportional_scaling_splits_by_size()
    {
        var d = WorkloadObjects.Deployment("web", 15, maxSurge: 3, maxUnavailable: 0);
        var big = WorkloadObjects.ReplicaSet("big", 8);
        big = big with { Metadata = big.Metadata with { Annotations = new Dictionary<string, string> { [DeploymentUtil.MaxReplicasAnnotation] = "13" } } };

        // 10 + 3 surge grew to 15 + 3: an 8-replica set of the 13 takes round(8 * 18 / 13) - 8 = 3 of the 5 added.
        Assert.Equal(3, DeploymentUtil.Proportion(big, d, 5, 0));
        Assert.Equal(2, DeploymentUtil.Proportion(big, d, 5, 3));
    }
}
