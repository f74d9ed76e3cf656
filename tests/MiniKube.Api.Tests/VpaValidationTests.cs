using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

/// <summary>A VerticalPodAutoscaler manifest written for Kubernetes decodes, and bad ones get path-qualified errors.</summary>
public sealed class VpaValidationTests
{
    private const string Manifest = """
        apiVersion: autoscaling.k8s.io/v1
        kind: VerticalPodAutoscaler
        metadata: {name: web, namespace: default}
        spec:
          targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          updatePolicy: {updateMode: InPlaceOrRecreate, minReplicas: 2}
          resourcePolicy:
            containerPolicies:
            - containerName: '*'
              minAllowed: {cpu: 50m, memory: 32Mi}
              maxAllowed: {cpu: "2", memory: 1Gi}
              controlledResources: [cpu, memory]
              controlledValues: RequestsAndLimits
            - containerName: sidecar
              mode: "Off"
        """;

    private static VerticalPodAutoscaler Valid => Assert.IsType<VerticalPodAutoscaler>(Assert.Single(KubeSerializer.DecodeManifests(Manifest)));

    private static VerticalPodAutoscaler With(Func<VerticalPodAutoscalerSpec, VerticalPodAutoscalerSpec> change) => Valid with { Spec = change(Valid.Spec!) };

    private static VerticalPodAutoscalerSpec WithPolicy(VerticalPodAutoscalerSpec s, ContainerResourcePolicy p) =>
        s with { ResourcePolicy = new PodResourcePolicy { ContainerPolicies = [p] } };

    [Fact]
    public void A_kubernetes_manifest_decodes_and_is_valid()
    {
        var vpa = Valid;
        Assert.Empty(Errors(vpa));
        Assert.Equal("InPlaceOrRecreate", vpa.Spec!.UpdatePolicy!.UpdateMode);
        Assert.Equal(2, vpa.Spec.UpdatePolicy.MinReplicas);
        Assert.Equal(Quantity.Parse("1Gi"), vpa.Spec.ResourcePolicy!.For("app")!.MaxAllowed![ResourceName.Memory]);
        Assert.Equal("Off", vpa.Spec.ResourcePolicy.For("sidecar")!.Mode);
        Assert.Equal(ResourceRegistry.For<VerticalPodAutoscaler>(), ResourceRegistry.Resolve("vpa"));
    }

    public static TheoryData<string, string[]> Cases => new()
    {
        { "no target", [] },
        { "bad kind", ["spec.targetRef.kind: Unsupported value: \"StatefulSet\": supported values: \"Deployment\", \"ReplicaSet\""] },
        { "bad mode", ["spec.updatePolicy.updateMode: Unsupported value: \"Auto\": supported values: \"InPlaceOrRecreate\", \"Initial\", \"Off\", \"Recreate\""] },
        { "minReplicas zero", ["spec.updatePolicy.minReplicas: Invalid value: 0: must be greater than 0"] },
        { "max below min", ["spec.resourcePolicy.containerPolicies[0].maxAllowed[cpu]: Invalid value: \"10m\": max resource for cpu is lower than min"] },
        { "bad resource", ["spec.resourcePolicy.containerPolicies[0].controlledResources[0]: Unsupported value: \"gpu\": supported values: \"cpu\", \"memory\""] },
        { "controlledValues with mode off", ["spec.resourcePolicy.containerPolicies[0].controlledValues: Forbidden: controlledValues shouldn't be specified if container scaling mode is off"] },
        { "no container name", ["spec.resourcePolicy.containerPolicies[0].containerName: Required value"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invalid_vpa_reports_exact_errors(string name, string[] expected)
    {
        VerticalPodAutoscaler vpa = name switch
        {
            "no target" => With(s => s with { TargetRef = null }),
            "bad kind" => With(s => s with { TargetRef = s.TargetRef! with { Kind = "StatefulSet" } }),
            "bad mode" => With(s => s with { UpdatePolicy = new PodUpdatePolicy { UpdateMode = "Auto" } }),
            "minReplicas zero" => With(s => s with { UpdatePolicy = new PodUpdatePolicy { MinReplicas = 0 } }),
            "max below min" => With(s => WithPolicy(s, new ContainerResourcePolicy
            {
                ContainerName = "app",
                MinAllowed = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m") },
                MaxAllowed = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("10m") },
            })),
            "bad resource" => With(s => WithPolicy(s, new ContainerResourcePolicy { ContainerName = "app", ControlledResources = ["gpu"] })),
            "controlledValues with mode off" => With(s => WithPolicy(s, new ContainerResourcePolicy { ContainerName = "app", Mode = "Off", ControlledValues = "RequestsOnly" })),
            "no container name" => With(s => WithPolicy(s, new ContainerResourcePolicy())),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        Assert.Equal(name == "no target" ? ["spec.targetRef: Required value"] : expected, Errors(vpa));
    }
}
