using MiniKube.Api;

namespace MiniKube.Api.Tests;

/// <summary>Manifests as Kubernetes' documentation writes them, decoded, validated and defaulted end to end.</summary>
public sealed class ManifestValidationTests
{
    public static TheoryData<string, string> AllManifests => new()
    {
        { "Deployment", Manifests.Deployment },
        { "Services", Manifests.Services },
        { "ConfigMap", Manifests.ConfigMap },
        { "Secret", Manifests.Secret },
        { "Node", Manifests.Node },
        { "Lease", Manifests.Lease },
        { "Job", Manifests.Job },
        { "Hpa", Manifests.Hpa },
        { "DaemonSet", Manifests.DaemonSet },
    };

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Documented_manifests_are_valid_before_and_after_defaulting(string name, string yaml)
    {
        var objects = KubeSerializer.DecodeManifests(yaml);
        Assert.NotEmpty(objects);
        foreach (var obj in objects)
        {
            Assert.True(Validator.Validate(obj).Count == 0, name + ": " + string.Join("\n", Validator.Validate(obj)));
            var defaulted = Defaulter.Apply(obj);
            Assert.True(Validator.Validate(defaulted).Count == 0, name + " (defaulted): " + string.Join("\n", Validator.Validate(defaulted)));
            Assert.Equal(KubeSerializer.ToJson(defaulted), KubeSerializer.ToJson(Defaulter.Apply(defaulted)));
            Assert.Empty(Validator.ValidateUpdate(defaulted, defaulted));
        }
    }

    [Fact]
    public void Toleration_seconds_on_a_NoSchedule_toleration_is_rejected_as_in_kubernetes()
    {
        // The sample pod tolerates a NoSchedule taint for 3600 seconds; Kubernetes only times out NoExecute tolerations.
        var pod = Assert.Single(KubeSerializer.DecodeManifests(Manifests.Pod));
        Assert.Equal(
            ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"],
            Validator.Validate(pod).Select(e => e.ToString()));
    }

    [Fact]
    public void Decoded_pod_defaults_like_kubernetes()
    {
        var pod = (Pod)Defaulter.Apply(Assert.Single(KubeSerializer.DecodeManifests(Manifests.Pod)));
        Assert.Equal("Burstable", pod.Status!.QosClass);
        Assert.Equal("IfNotPresent", pod.Spec!.InitContainers![0].ImagePullPolicy);
        Assert.Equal(3, pod.Spec.Tolerations!.Count);
        Assert.Equal(256, pod.Spec.Volumes!.Single(v => v.Name == "secret-volume").Secret!.DefaultMode);
    }
}
