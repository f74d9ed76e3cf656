using System.Globalization;

namespace MiniKube.Kubelet;

/// <summary>The labels the kubelet puts on every container it creates; its only record of what belongs to which pod.</summary>
public static class ContainerLabels
{
    public const string Node = "io.minikube.node";
    public const string PodNamespace = "io.minikube.pod.namespace";
    public const string PodName = "io.minikube.pod.name";
    public const string PodUid = "io.minikube.pod.uid";
    public const string ContainerName = "io.minikube.container.name";
    public const string ContainerType = "io.minikube.container.type";
    public const string RestartCount = "io.minikube.container.restartCount";
    public const string SandboxId = "io.minikube.sandbox.id";
    public const string SpecHash = "io.minikube.container.hash";

    public const string TypeSandbox = "sandbox";
    public const string TypeContainer = "container";

    public static Dictionary<string, string> ForSandbox(string node, string ns, string pod, string uid) => new(StringComparer.Ordinal)
    {
        [Node] = node,
        [PodNamespace] = ns,
        [PodName] = pod,
        [PodUid] = uid,
        [ContainerType] = TypeSandbox,
    };

    public static Dictionary<string, string> ForContainer(string node, string ns, string pod, string uid, string container, int restartCount,
        string sandboxId, string specHash) => new(StringComparer.Ordinal)
    {
        [Node] = node,
        [PodNamespace] = ns,
        [PodName] = pod,
        [PodUid] = uid,
        [ContainerType] = TypeContainer,
        [ContainerName] = container,
        [RestartCount] = restartCount.ToString(CultureInfo.InvariantCulture),
        [SandboxId] = sandboxId,
        [SpecHash] = specHash,
    };

    /// <summary>Docker container names, as the dockershim kubelet wrote them: <c>k8s_&lt;container&gt;_&lt;pod&gt;_&lt;ns&gt;_&lt;uid&gt;_&lt;attempt&gt;</c>.</summary>
    public static string ContainerDockerName(string container, string pod, string ns, string uid, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"k8s_{container}_{pod}_{ns}_{uid}_{attempt}");

    public static string SandboxDockerName(string pod, string ns, string uid, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"k8s_POD_{pod}_{ns}_{uid}_{attempt}");

    /// <summary>Decodes labels into a <see cref="RuntimeContainer"/> skeleton; null when the container is not a pod's.</summary>
    public static RuntimeContainer? Decode(string id, IDictionary<string, string>? labels)
    {
        if (labels is null || !labels.TryGetValue(PodUid, out var uid))
        {
            return null;
        }
        return new RuntimeContainer
        {
            Id = id,
            PodUid = uid,
            PodName = labels.TryGetValue(PodName, out var name) ? name : "",
            PodNamespace = labels.TryGetValue(PodNamespace, out var ns) ? ns : "",
            ContainerName = labels.TryGetValue(ContainerName, out var c) ? c : "",
            IsSandbox = labels.TryGetValue(ContainerType, out var type) && type == TypeSandbox,
            RestartCount = labels.TryGetValue(RestartCount, out var rc) && int.TryParse(rc, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0,
            SandboxId = labels.TryGetValue(SandboxId, out var sb) ? sb : "",
            SpecHash = labels.TryGetValue(SpecHash, out var hash) ? hash : "",
        };
    }
}
