using MiniKube.Api;
using MiniKube.Controllers;

namespace MiniKube.Testing;

/// <summary>
/// Builders for workload objects (ReplicaSets, Deployments and the pods they own, with controller references), defaulted
/// the way the API server would store them, for tests that hand objects to controllers without an API server.
/// </summary>
public static class WorkloadObjects
{
    /// <summary>The fixed "now" of controller unit tests; objects are created relative to it.</summary>
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<string, string> WebLabels = new Dictionary<string, string> { ["app"] = "web" };

    public static PodTemplateSpec Template(string image = "busybox:1.0", IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Labels = labels ?? WebLabels },
        Spec = new PodSpec { Containers = [new Container { Name = "app", Image = image }] },
    };

    public static ReplicaSet ReplicaSet(string name, int replicas, string ns = "default", int minReadySeconds = 0, string? uid = null,
        IReadOnlyDictionary<string, string>? labels = null) =>
        Defaulter.Apply(new ReplicaSet
        {
            Metadata = Meta(name, ns, uid),
            Spec = new ReplicaSetSpec
            {
                Replicas = replicas,
                MinReadySeconds = minReadySeconds,
                Selector = new LabelSelector { MatchLabels = labels ?? WebLabels },
                Template = Template(labels: labels),
            },
        });

    public static Deployment Deployment(string name, int replicas, string ns = "default", string image = "busybox:1.0", string? strategy = null,
        IntOrString? maxSurge = null, IntOrString? maxUnavailable = null) =>
        Defaulter.Apply(new Deployment
        {
            Metadata = Meta(name, ns, null),
            Spec = new DeploymentSpec
            {
                Replicas = replicas,
                Selector = new LabelSelector { MatchLabels = WebLabels },
                Template = Template(image),
                Strategy = new DeploymentStrategy
                {
                    Type = strategy ?? DeploymentStrategyType.RollingUpdate,
                    RollingUpdate = strategy == DeploymentStrategyType.Recreate ? null : new RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable },
                },
            },
        });

    public static Pod Pod(string name, string ns = "default", KubeObject? owner = null, string? node = null, string phase = PodPhase.Running,
        bool ready = true, DateTimeOffset? created = null, DateTimeOffset? readySince = null, IReadOnlyDictionary<string, string>? labels = null,
        int restarts = 0) =>
        new()
        {
            Metadata = Meta(name, ns, null) with
            {
                Labels = labels ?? WebLabels,
                CreationTimestamp = created ?? Start.AddMinutes(-10),
                OwnerReferences = owner is null ? null : [Owners.ControllerRef(owner)],
            },
            Spec = new PodSpec { NodeName = node, Containers = [new Container { Name = "app", Image = "busybox:1.0" }] },
            Status = new PodStatus
            {
                Phase = phase,
                Conditions = [new PodCondition
                {
                    Type = PodConditionType.Ready,
                    Status = ready ? ConditionStatus.True : ConditionStatus.False,
                    LastTransitionTime = readySince ?? Start.AddMinutes(-5),
                }],
                ContainerStatuses = [new ContainerStatus { Name = "app", Ready = ready, RestartCount = restarts }],
            },
        };

    public static ObjectMeta Meta(string name, string? ns, string? uid) => new()
    {
        Name = name,
        Namespace = ns,
        Uid = uid ?? "uid-" + name,
        ResourceVersion = "1",
        Generation = 1,
        CreationTimestamp = Start.AddMinutes(-30),
    };
}
