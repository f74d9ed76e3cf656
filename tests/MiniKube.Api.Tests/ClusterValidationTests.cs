using System.Text;
using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

/// <summary>Node, Namespace, ConfigMap, Secret, Lease, HPA, Event and Binding validation.</summary>
public sealed class ClusterValidationTests
{
    private static Node NodeWith(params Taint[] taints) => new() { Metadata = new ObjectMeta { Name = "n1" }, Spec = new NodeSpec { Taints = taints } };

    private static HorizontalPodAutoscaler HpaWith(Func<HorizontalPodAutoscalerSpec, HorizontalPodAutoscalerSpec> change) => ValidHpa with { Spec = change(ValidHpa.Spec!) };

    private static MetricSpec Cpu(MetricTarget target) => new() { Type = "Resource", Resource = new ResourceMetricSource { Name = "cpu", Target = target } };

    private static readonly Dictionary<string, (KubeObject Obj, string[] Errors)> Cases = new()
    {
        ["node taint key missing"] = (NodeWith(new Taint { Effect = "NoSchedule" }), ["spec.taints[0].key: Invalid value: \"\": name part must be non-empty"]),
        ["node taint key invalid"] = (NodeWith(new Taint { Key = "dedicated!", Effect = "NoSchedule" }),
            ["spec.taints[0].key: Invalid value: \"dedicated!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
        ["node taint effect missing"] = (NodeWith(new Taint { Key = "k" }), ["spec.taints[0].effect: Required value"]),
        ["node taint effect unsupported"] = (NodeWith(new Taint { Key = "k", Effect = "NoExecuteLater" }),
            ["spec.taints[0].effect: Unsupported value: \"NoExecuteLater\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""]),
        ["node taint duplicate"] = (NodeWith(new Taint { Key = "k", Value = "a", Effect = "NoSchedule" }, new Taint { Key = "k", Value = "b", Effect = "NoSchedule" }),
            ["spec.taints[1]: Duplicate value: {\"effect\":\"NoSchedule\",\"key\":\"k\"}: taints must be unique by key and effect pair"]),
        ["node name invalid"] = (new Node { Metadata = new ObjectMeta { Name = "Node_1" } },
            ["metadata.name: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"]),

        ["namespace name with a dot"] = (new Namespace { Metadata = new ObjectMeta { Name = "team.a" } },
            ["metadata.name: Invalid value: \"team.a\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]),
        ["namespace with a namespace"] = (new Namespace { Metadata = new ObjectMeta { Name = "a", Namespace = "default" } }, ["metadata.namespace: Forbidden: not allowed on this type"]),

        ["configmap key invalid"] = (new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Data = Map("a/b=1") },
            ["data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"]),
        ["configmap key dot-dot"] = (new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Data = Map("..data=1") },
            ["data[..data]: Invalid value: \"..data\": must not start with '..'"]),
        ["configmap key in data and binaryData"] = (new ConfigMap
            {
                Metadata = new ObjectMeta { Name = "cfg" },
                Data = Map("k=1"),
                BinaryData = new Dictionary<string, byte[]> { ["k"] = [1] },
            },
            ["data[k]: Invalid value: \"k\": duplicate of key present in binaryData"]),
        ["configmap binaryData key invalid"] = (new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, BinaryData = new Dictionary<string, byte[]> { ["a b"] = [1] } },
            ["binaryData[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"]),
        ["configmap too big"] = (new ConfigMap { Metadata = new ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["big"] = new string('x', 1024 * 1024 + 1) } },
            ["Too long: must have at most 1048576 bytes"]),

        ["secret key invalid"] = (new Secret { Metadata = new ObjectMeta { Name = "s" }, Data = new Dictionary<string, byte[]> { ["id rsa"] = [1] } },
            ["data[id rsa]: Invalid value: \"id rsa\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"]),
        ["secret stringData key invalid"] = (new Secret { Metadata = new ObjectMeta { Name = "s" }, StringData = Map("a:b=1") },
            ["stringData[a:b]: Invalid value: \"a:b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"]),
        ["tls secret without key"] = (new Secret { Metadata = new ObjectMeta { Name = "s" }, Type = SecretType.Tls, StringData = Map("tls.crt=x") }, ["data[tls.key]: Required value"]),

        ["lease duration zero"] = (new Lease { Metadata = new ObjectMeta { Name = "l" }, Spec = new LeaseSpec { LeaseDurationSeconds = 0 } },
            ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]),
        ["lease transitions negative"] = (new Lease { Metadata = new ObjectMeta { Name = "l" }, Spec = new LeaseSpec { LeaseTransitions = -1 } },
            ["spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"]),

        ["hpa target kind and name missing"] = (HpaWith(s => s with { ScaleTargetRef = new CrossVersionObjectReference() }),
            ["spec.scaleTargetRef.kind: Required value", "spec.scaleTargetRef.name: Required value"]),
        ["hpa minReplicas zero"] = (HpaWith(s => s with { MinReplicas = 0 }), ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"]),
        ["hpa maxReplicas below minReplicas"] = (HpaWith(s => s with { MinReplicas = 3, MaxReplicas = 2 }),
            ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]),
        ["hpa maxReplicas zero"] = (HpaWith(s => s with { MinReplicas = null, MaxReplicas = 0 }), ["spec.maxReplicas: Invalid value: 0: must be greater than 0"]),
        ["hpa utilization without value"] = (HpaWith(s => s with { Metrics = [Cpu(new MetricTarget { Type = "Utilization" })] }),
            ["spec.metrics[0].resource.target.averageUtilization: Required value: must populate averageUtilization when target type is Utilization"]),
        ["hpa utilization zero"] = (HpaWith(s => s with { Metrics = [Cpu(new MetricTarget { Type = "Utilization", AverageUtilization = 0 })] }),
            ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"]),
        ["hpa target type unsupported"] = (HpaWith(s => s with { Metrics = [Cpu(new MetricTarget { Type = "Percent", AverageUtilization = 50 })] }),
            ["spec.metrics[0].resource.target.type: Unsupported value: \"Percent\": supported values: \"AverageValue\", \"Utilization\", \"Value\""]),
        ["hpa averageValue not positive"] = (HpaWith(s => s with { Metrics = [Cpu(new MetricTarget { Type = "AverageValue", AverageValue = Quantity.Parse("0") })] }),
            ["spec.metrics[0].resource.target.averageValue: Invalid value: \"0\": must be positive"]),
        ["hpa metric type unsupported"] = (HpaWith(s => s with { Metrics = [new MetricSpec { Type = "External" }] }),
            ["spec.metrics[0].type: Unsupported value: \"External\": supported values: \"ContainerResource\", \"Object\", \"Pods\", \"Resource\""]),
        ["hpa pods metric without name or average"] = (HpaWith(s => s with
            {
                Metrics = [new MetricSpec { Type = "Pods", Pods = new PodsMetricSource { Target = new MetricTarget { Type = "Value", Value = Quantity.Parse("1") } } }],
            }),
            ["spec.metrics[0].pods.metric.name: Required value: must specify a metric name",
                "spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue"]),
        ["hpa object metric without described object or target"] = (HpaWith(s => s with
            {
                Metrics = [new MetricSpec
                {
                    Type = "Object",
                    Object = new ObjectMetricSource { Metric = new MetricIdentifier { Name = "rps" }, Target = new MetricTarget { Type = "Utilization", AverageUtilization = 5 } },
                }],
            }),
            ["spec.metrics[0].object.describedObject.kind: Required value", "spec.metrics[0].object.describedObject.name: Required value",
                "spec.metrics[0].object.target.type: Unsupported value: \"Utilization\": supported values: \"AverageValue\", \"Value\"",
                "spec.metrics[0].object.target.averageValue: Required value: must set either a target value or averageValue"]),
        ["hpa pods source on a resource metric"] = (HpaWith(s => s with
            {
                Metrics = [Cpu(new MetricTarget { Type = "Utilization", AverageUtilization = 50 }) with { Pods = new PodsMetricSource() }],
            }),
            ["spec.metrics[0].pods: Forbidden: must populate the given metric source only"]),
        ["hpa metric source missing"] = (HpaWith(s => s with { Metrics = [new MetricSpec { Type = "Resource" }] }),
            ["spec.metrics[0].resource: Required value: must populate information for the given metric source"]),
        ["hpa resource name missing"] = (HpaWith(s => s with { Metrics = [new MetricSpec { Type = "Resource", Resource = new ResourceMetricSource { Target = new MetricTarget { Type = "Utilization", AverageUtilization = 50 } } }] }),
            ["spec.metrics[0].resource.name: Required value: must specify a resource name"]),
        ["hpa scaling policy invalid"] = (HpaWith(s => s with
            {
                Behavior = new HorizontalPodAutoscalerBehavior { ScaleDown = new HPAScalingRules { Policies = [new HPAScalingPolicy { Type = "Pods", Value = 0, PeriodSeconds = 15 }] } },
            }),
            ["spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero"]),

        ["event without involved object"] = (new Event { Metadata = new ObjectMeta { Name = "e", Namespace = "default" } },
            ["involvedObject.kind: Required value", "involvedObject.name: Required value"]),
        ["event in another namespace"] = (new Event
            {
                Metadata = new ObjectMeta { Name = "e", Namespace = "default" },
                InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web", Namespace = "other" },
            },
            ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"]),

        ["binding without target"] = (new Binding { Metadata = new ObjectMeta { Name = "web", Namespace = "default" } }, ["target.name: Required value"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Invalid_object_reports_exact_errors(string name)
    {
        var (obj, expected) = Cases[name];
        Assert.Equal(expected, Errors(obj));
    }

    public static TheoryData<string, KubeObject> ValidObjects => new()
    {
        { "node", NodeWith(new Taint { Key = "node-role.kubernetes.io/control-plane", Effect = "NoSchedule" }, new Taint { Key = "node-role.kubernetes.io/control-plane", Effect = "NoExecute" }) },
        { "namespace", Defaulter.Apply(new Namespace { Metadata = new ObjectMeta { Name = "team-a" }, Spec = new NamespaceSpec { Finalizers = ["kubernetes"] } }) },
        { "configmap", new ConfigMap { Metadata = new ObjectMeta { Name = "cfg", Namespace = "default" }, Data = Map("game.properties=x", "UI_MODE=dark"), BinaryData = new Dictionary<string, byte[]> { ["logo.png"] = [1, 2] } } },
        { "secret", Defaulter.Apply(new Secret { Metadata = new ObjectMeta { Name = "s" }, StringData = Map("password=hunter2") }) },
        { "tls secret", new Secret { Metadata = new ObjectMeta { Name = "s" }, Type = SecretType.Tls, Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes("c"), ["tls.key"] = Encoding.UTF8.GetBytes("k") } } },
        { "lease", new Lease { Metadata = new ObjectMeta { Name = "kube-scheduler", Namespace = "kube-system" }, Spec = new LeaseSpec { HolderIdentity = "s1", LeaseDurationSeconds = 15 } } },
        { "hpa", ValidHpa },
        { "hpa defaulted", Defaulter.Apply(ValidHpa) },
        { "hpa average value", HpaWith(s => s with { Metrics = [Cpu(new MetricTarget { Type = "AverageValue", AverageValue = Quantity.Parse("500m") })] }) },
        { "event", Defaulter.Apply(new Event { Metadata = new ObjectMeta { Name = "web.17a", Namespace = "default" }, InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web", Namespace = "default" }, Type = "Normal" }) },
        { "binding", new Binding { Metadata = new ObjectMeta { Name = "web", Namespace = "default" }, Target = new ObjectReference { Kind = "Node", Name = "n1" } } },
    };

    [Theory]
    [MemberData(nameof(ValidObjects))]
    public void Valid_objects_have_no_errors(string name, KubeObject obj)
    {
        Assert.True(Errors(obj).Length == 0, name + ": " + string.Join("\n", Errors(obj)));
    }
}
