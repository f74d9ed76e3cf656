using System.Text.Json;
using System.Text.Json.Serialization;
using MiniKube.Api;

namespace MiniKube.Api.Tests;

/// <summary>Valid objects of every kind for validation and defaulting tests to start from.</summary>
internal static class ValidationFixtures
{
    public static Dictionary<string, string> Map(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    public static Dictionary<string, Quantity> Res(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Quantity.Parse(p[1]));

    public static Container Web => new()
    {
        Name = "web",
        Image = "nginx:1.25",
        Ports = [new ContainerPortSpec { Name = "http", ContainerPort = 80 }],
    };

    public static PodSpec Spec => new() { Containers = [Web] };

    public static Pod ValidPod => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Labels = Map("app=web") },
        Spec = Spec,
    };

    public static Pod WithSpec(Func<PodSpec, PodSpec> change) => ValidPod with { Spec = change(Spec) };

    public static Pod WithContainer(Func<Container, Container> change) => WithSpec(s => s with { Containers = [change(Web)] });

    public static PodTemplateSpec Template(string? restartPolicy = null) => new()
    {
        Metadata = new ObjectMeta { Labels = Map("app=web") },
        Spec = Spec with { RestartPolicy = restartPolicy },
    };

    public static LabelSelector AppWeb => new() { MatchLabels = Map("app=web") };

    public static Deployment ValidDeployment => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new DeploymentSpec { Replicas = 2, Selector = AppWeb, Template = Template() },
    };

    public static Deployment WithDeploymentSpec(Func<DeploymentSpec, DeploymentSpec> change) => ValidDeployment with { Spec = change(ValidDeployment.Spec!) };

    public static ReplicaSet ValidReplicaSet => new()
    {
        Metadata = new ObjectMeta { Name = "web-1", Namespace = "default" },
        Spec = new ReplicaSetSpec { Replicas = 2, Selector = AppWeb, Template = Template() },
    };

    public static DaemonSet ValidDaemonSet => new()
    {
        Metadata = new ObjectMeta { Name = "agent", Namespace = "default" },
        Spec = new DaemonSetSpec { Selector = AppWeb, Template = Template() },
    };

    public static Job ValidJob => new()
    {
        Metadata = new ObjectMeta { Name = "pi", Namespace = "default" },
        Spec = new JobSpec { Template = Template(RestartPolicy.Never) },
    };

    public static Service ValidService => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new ServiceSpec
        {
            Selector = Map("app=web"),
            Ports = [new ServicePort { Port = 80, TargetPort = IntOrString.FromString("http") }],
        },
    };

    public static Service WithServiceSpec(Func<ServiceSpec, ServiceSpec> change) => ValidService with { Spec = change(ValidService.Spec!) };

    public static HorizontalPodAutoscaler ValidHpa => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            MinReplicas = 1,
            MaxReplicas = 5,
        },
    };

    public static string[] Errors(KubeObject obj) => Validator.Validate(obj).Select(e => e.ToString()).ToArray();

    public static string[] UpdateErrors(KubeObject updated, KubeObject old) =>
        Validator.ValidateUpdate(updated, old).Select(e => e.ToString()).ToArray();

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Deep comparison of records whose collections compare by reference.</summary>
    public static string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), JsonOptions);
}
