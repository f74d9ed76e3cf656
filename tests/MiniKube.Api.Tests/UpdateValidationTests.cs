using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

public sealed class UpdateValidationTests
{
    private static readonly Pod Stored = Defaulter.Apply(ValidPod with { Metadata = ValidPod.Metadata with { Uid = "u1" } });

    private static Pod Change(Func<PodSpec, PodSpec> change) => Stored with { Spec = change(Stored.Spec!) };

    private const string PodSpecForbidden =
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, " +
        "`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)";

    private static readonly Toleration GpuToleration = new() { Key = "gpu", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 60 };

    private static readonly Dictionary<string, (KubeObject Updated, KubeObject Old, string[] Errors)> Cases = new()
    {
        ["name changed"] = (Stored with { Metadata = Stored.Metadata with { Name = "other" } }, Stored, ["metadata.name: Invalid value: \"other\": field is immutable"]),
        ["namespace changed"] = (Stored with { Metadata = Stored.Metadata with { Namespace = "prod" } }, Stored, ["metadata.namespace: Invalid value: \"prod\": field is immutable"]),
        ["uid changed"] = (Stored with { Metadata = Stored.Metadata with { Uid = "u2" } }, Stored, ["metadata.uid: Invalid value: \"u2\": field is immutable"]),

        ["pod image changed"] = (Change(s => s with { Containers = [s.Containers[0] with { Image = "nginx:1.26" }] }), Stored, []),
        ["pod init image changed"] = (
            Change(s => s with { InitContainers = [new Container { Name = "init", Image = "busybox:2" }] }),
            Stored with { Spec = Stored.Spec! with { InitContainers = [new Container { Name = "init", Image = "busybox:1" }] } },
            []),
        ["pod labels changed"] = (Stored with { Metadata = Stored.Metadata with { Labels = Map("app=web", "canary=true") } }, Stored, []),
        ["pod toleration added"] = (Change(s => s with { Tolerations = [.. s.Tolerations!, GpuToleration] }), Stored, []),
        ["pod tolerationSeconds changed"] = (
            Change(s => s with { Tolerations = [GpuToleration with { TolerationSeconds = 10 }] }),
            Stored with { Spec = Stored.Spec! with { Tolerations = [GpuToleration] } },
            []),
        ["pod toleration removed"] = (Change(s => s with { Tolerations = s.Tolerations!.Skip(1).ToList() }), Stored,
            ["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]),
        ["pod activeDeadlineSeconds set"] = (Change(s => s with { ActiveDeadlineSeconds = 60 }), Stored, []),
        ["pod activeDeadlineSeconds raised"] = (Change(s => s with { ActiveDeadlineSeconds = 120 }), Stored with { Spec = Stored.Spec! with { ActiveDeadlineSeconds = 60 } },
            ["spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value"]),
        ["pod activeDeadlineSeconds removed"] = (Stored, Stored with { Spec = Stored.Spec! with { ActiveDeadlineSeconds = 60 } },
            ["spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"]),
        ["pod bound"] = (Change(s => s with { NodeName = "n1" }), Stored, []),
        ["pod moved to another node"] = (Change(s => s with { NodeName = "n2" }), Stored with { Spec = Stored.Spec! with { NodeName = "n1" } },
            ["spec.nodeName: Invalid value: \"n2\": field is immutable"]),
        ["pod unbound"] = (Stored, Stored with { Spec = Stored.Spec! with { NodeName = "n1" } }, ["spec.nodeName: Invalid value: \"\": field is immutable"]),
        ["pod restartPolicy changed"] = (Change(s => s with { RestartPolicy = "Never" }), Stored, [PodSpecForbidden]),
        ["pod container env changed"] = (Change(s => s with { Containers = [s.Containers[0] with { Env = [new EnvVar { Name = "A", Value = "1" }] }] }), Stored,
            [PodSpecForbidden]),
        ["pod resources changed"] = (Change(s => s with { Containers = [s.Containers[0] with { Resources = new ResourceRequirements { Limits = Res("cpu=1") } }] }), Stored,
            [PodSpecForbidden]),
        ["pod container added"] = (Change(s => s with { Containers = [s.Containers[0], s.Containers[0] with { Name = "sidecar", Ports = null }] }), Stored,
            ["spec.containers: Forbidden: pod updates may not add or remove containers"]),
        ["pod update also validated"] = (Change(s => s with { Containers = [s.Containers[0] with { Image = "" }] }), Stored, ["spec.containers[0].image: Required value"]),

        ["deployment selector changed"] = (
            WithDeploymentSpec(s => s with { Selector = new LabelSelector { MatchLabels = Map("app=web", "v=2") }, Template = Template() with { Metadata = new ObjectMeta { Labels = Map("app=web", "v=2") } } }),
            ValidDeployment,
            ["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"v\":\"2\"}}: field is immutable"]),
        ["deployment scaled and image changed"] = (
            WithDeploymentSpec(s => s with { Replicas = 10, Template = s.Template with { Spec = s.Template.Spec! with { Containers = [Web with { Image = "nginx:2" }] } } }),
            ValidDeployment,
            []),
        ["deployment selector map reordered"] = (WithDeploymentSpec(s => s with { Selector = new LabelSelector { MatchLabels = Map("b=2", "a=1") }, Template = Template() with { Metadata = new ObjectMeta { Labels = Map("a=1", "b=2") } } }),
            WithDeploymentSpec(s => s with { Selector = new LabelSelector { MatchLabels = Map("a=1", "b=2") }, Template = Template() with { Metadata = new ObjectMeta { Labels = Map("a=1", "b=2") } } }),
            []),
        ["replicaset selector changed"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Selector = new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "app", Operator = "Exists" }] } } },
            ValidReplicaSet,
            ["spec.selector: Invalid value: {\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\"}]}: field is immutable"]),
        ["daemonset selector changed"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { Selector = new LabelSelector { MatchLabels = Map("app=web", "x=y") }, Template = Template() with { Metadata = new ObjectMeta { Labels = Map("app=web", "x=y") } } } },
            ValidDaemonSet,
            ["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"x\":\"y\"}}: field is immutable"]),
        ["job suspended and resumed"] = (ValidJob with { Spec = ValidJob.Spec! with { Suspend = true, Parallelism = 3 } }, ValidJob, []),
        ["job template changed"] = (ValidJob with { Spec = ValidJob.Spec! with { Template = Template(RestartPolicy.OnFailure) } }, ValidJob,
            [$"spec.template: Invalid value: {JobTemplateJson(RestartPolicy.OnFailure)}: field is immutable"]),
        ["job completions changed"] = (ValidJob with { Spec = ValidJob.Spec! with { Completions = 3 } }, ValidJob with { Spec = ValidJob.Spec! with { Completions = 1 } },
            ["spec.completions: Invalid value: 3: field is immutable"]),

        ["service clusterIP changed"] = (WithServiceSpec(s => s with { ClusterIP = "10.96.0.2" }), WithServiceSpec(s => s with { ClusterIP = "10.96.0.1" }),
            ["spec.clusterIPs[0]: Invalid value: \"10.96.0.2\": may not change once set"]),
        ["service clusterIP dropped"] = (ValidService, WithServiceSpec(s => s with { ClusterIP = "10.96.0.1" }), ["spec.clusterIPs[0]: Invalid value: \"\": primary clusterIP can not be unset"]),
        ["service clusterIP allocated"] = (WithServiceSpec(s => s with { ClusterIP = "10.96.0.1" }), ValidService, []),
        ["service ports changed"] = (WithServiceSpec(s => s with { ClusterIP = "10.96.0.1", Ports = [new ServicePort { Port = 8080 }] }), WithServiceSpec(s => s with { ClusterIP = "10.96.0.1" }), []),
        ["service becomes ExternalName"] = (WithServiceSpec(s => s with { Type = "ExternalName", ExternalName = "db.example.com", Ports = null }), WithServiceSpec(s => s with { ClusterIP = "10.96.0.1" }), []),

        ["immutable configmap data changed"] = (
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Immutable = true, Data = Map("a=2") },
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Immutable = true, Data = Map("a=1") },
            ["data: Forbidden: field is immutable when `immutable` is set"]),
        ["immutable configmap made mutable"] = (
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Immutable = false, Data = Map("a=1") },
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Immutable = true, Data = Map("a=1") },
            ["immutable: Forbidden: field is immutable when `immutable` is set"]),
        ["immutable configmap labels changed"] = (
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg", Labels = Map("x=y") }, Immutable = true, Data = Map("a=1") },
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Immutable = true, Data = Map("a=1") },
            []),
        ["mutable configmap data changed"] = (
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Data = Map("a=2") },
            new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Data = Map("a=1") },
            []),
        ["immutable secret changed through stringData"] = (
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Immutable = true, Type = "Opaque", StringData = Map("a=2") },
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Immutable = true, Type = "Opaque", Data = new Dictionary<string, byte[]> { ["a"] = "1"u8.ToArray() } },
            ["data: Forbidden: field is immutable when `immutable` is set"]),
        ["immutable secret restated"] = (
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Immutable = true, StringData = Map("a=1") },
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Immutable = true, Type = "Opaque", Data = new Dictionary<string, byte[]> { ["a"] = "1"u8.ToArray() } },
            []),
        ["secret type changed"] = (
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Type = SecretType.BasicAuth, StringData = Map("username=u") },
            new Secret { Metadata = new ObjectMeta { Name = "s" }, Type = "Opaque" },
            ["type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"]),
    };

    private static string JobTemplateJson(string restartPolicy) =>
        "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"web\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"}]}],\"restartPolicy\":\"" + restartPolicy + "\"}}";

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Update_reports_exact_errors(string name)
    {
        var (updated, old, expected) = Cases[name];
        Assert.Equal(expected, UpdateErrors(updated, old));
    }

    [Fact]
    public void Changing_the_kind_is_rejected()
    {
        Assert.Contains("kind: Invalid value: \"Service\": may not change from Pod to Service", UpdateErrors(ValidService, ValidPod));
    }
}
