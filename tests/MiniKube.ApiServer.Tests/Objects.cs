using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

/// <summary>Small builders for test objects.</summary>
internal static class Objects
{
    public static Pod Pod(string name, string? ns = null, IReadOnlyDictionary<string, string>? labels = null, string image = "minikube/busybox:latest") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Spec = new PodSpec { Containers = [new Container { Name = "main", Image = image }] },
    };

    public static Node Node(string name) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
        Status = new NodeStatus
        {
            Capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("4"), ["memory"] = Quantity.Parse("8Gi"), ["pods"] = Quantity.Parse("110") },
            Allocatable = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("4"), ["memory"] = Quantity.Parse("8Gi"), ["pods"] = Quantity.Parse("110") },
            Conditions = [new NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    public static ConfigMap ConfigMap(string name, string? ns = null, string value = "v") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Data = new Dictionary<string, string> { ["key"] = value },
    };

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}
