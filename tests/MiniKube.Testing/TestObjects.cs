using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Testing;

/// <summary>
/// Builders for the test objects the suites share: plain pods, nodes and config maps for API and CLI tests, and
/// runnable pods (local busybox image, short grace period) for kubelet tests. Use them with
/// <c>using static MiniKube.Testing.TestObjects;</c> or qualified.
/// </summary>
public static class TestObjects
{
    /// <summary>The local busybox image that <c>deploy/images/build.sh</c> builds (no registry is reachable).</summary>
    public const string Busybox = "minikube/busybox:1.0";

    /// <summary>A pod with one container <c>main</c>; not meant to run (the API and CLI tests have no kubelet).</summary>
    public static Pod Pod(string name, string? ns = null, IReadOnlyDictionary<string, string>? labels = null, string image = "minikube/busybox:latest") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Spec = new PodSpec { Containers = [new Container { Name = "main", Image = image }] },
    };

    /// <summary>A runnable pod in <c>default</c>, labelled <c>app=&lt;name&gt;</c>, with a 2 s grace period.</summary>
    public static Pod PodWith(string name, params Container[] containers) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new PodSpec { Containers = containers, TerminationGracePeriodSeconds = 2 },
    };

    /// <summary>A busybox container running <paramref name="script"/> under <c>sh -c</c>.</summary>
    public static Container Shell(string name, string script) => new()
    {
        Name = name,
        Image = Busybox,
        Command = ["sh", "-c", script],
    };

    public static Pod WithPolicy(this Pod pod, string policy) => pod with { Spec = pod.Spec! with { RestartPolicy = policy } };

    private static int _serial;

    /// <summary>
    /// A Ready node with the hostname label (plus <paramref name="labels"/>, "a=1,b=2"), allocatable = capacity =
    /// the given resources (plus <paramref name="extra"/>), and the given taints and schedulability.
    /// </summary>
    public static Node Node(
        string name,
        string cpu = "4",
        string memory = "8Gi",
        int pods = 110,
        string? labels = null,
        IReadOnlyList<Taint>? taints = null,
        bool unschedulable = false,
        IReadOnlyDictionary<string, Quantity>? extra = null)
    {
        var resources = new Dictionary<string, Quantity>
        {
            ["cpu"] = Quantity.Parse(cpu),
            ["memory"] = Quantity.Parse(memory),
            ["pods"] = Quantity.Parse(pods.ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, Quantity>())
        {
            resources[k] = v;
        }
        var labelMap = ParseLabels(labels);
        labelMap.TryAdd("kubernetes.io/hostname", name);
        return new Node
        {
            Metadata = new ObjectMeta { Name = name, Labels = labelMap },
            Spec = new NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new NodeStatus
            {
                Capacity = resources,
                Allocatable = new Dictionary<string, Quantity>(resources),
                Conditions = [new NodeCondition { Type = "Ready", Status = "True" }],
            },
        };
    }

    /// <summary>
    /// A pod for scheduling tests: one container <c>c</c> requesting <paramref name="cpu"/> / <paramref name="memory"/>,
    /// a unique UID, optional labels ("a=1,b=2"), a controlling ReplicaSet <paramref name="owner"/>, a priority, or a
    /// whole <paramref name="spec"/> (its containers, if any, are kept).
    /// </summary>
    public static Pod PodRequesting(
        string name,
        string? cpu = null,
        string? memory = null,
        string? labels = null,
        string ns = "default",
        string? owner = null,
        int? priority = null,
        PodSpec? spec = null)
    {
        var container = new Container { Name = "c", Image = "busybox", Resources = Requests(cpu, memory) };
        spec ??= new PodSpec();
        if (spec.Containers.Count == 0)
        {
            spec = spec with { Containers = [container] };
        }
        if (priority is not null)
        {
            spec = spec with { Priority = priority };
        }
        return new Pod
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = ns,
                Uid = $"uid-{name}-{Interlocked.Increment(ref _serial)}",
                Labels = labels is null ? null : ParseLabels(labels),
                OwnerReferences = owner is null
                    ? null
                    : [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = owner, Uid = "rs-" + owner, Controller = true }],
            },
            Spec = spec,
        };
    }

    /// <summary>A uniquely named busybox container with requests and host ports (container port 80).</summary>
    public static Container Container(string? cpu = null, string? memory = null, string? restartPolicy = null, params (int HostPort, string? Ip, string? Protocol)[] ports) => new()
    {
        Name = "c" + Interlocked.Increment(ref _serial),
        Image = "busybox",
        RestartPolicy = restartPolicy,
        Resources = Requests(cpu, memory),
        Ports = ports.Length == 0
            ? null
            : ports.Select(p => new ContainerPortSpec { ContainerPort = 80, HostPort = p.HostPort, HostIP = p.Ip, Protocol = p.Protocol }).ToList(),
    };

    public static Pod BoundTo(this Pod pod, string node) => pod with { Spec = pod.Spec! with { NodeName = node } };

    public static Taint Taint(string key, string? value, string effect) => new() { Key = key, Value = value, Effect = effect };

    public static Toleration Toleration(string? key, string? op, string? value, string? effect) =>
        new() { Key = key, Operator = op, Value = value, Effect = effect };

    /// <summary>"a=1,b=2" → map; "" or null → empty.</summary>
    public static Dictionary<string, string> ParseLabels(string? spec) =>
        string.IsNullOrEmpty(spec)
            ? []
            : spec.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    private static ResourceRequirements? Requests(string? cpu, string? memory)
    {
        var requests = new Dictionary<string, Quantity>();
        if (cpu is not null)
        {
            requests["cpu"] = Quantity.Parse(cpu);
        }
        if (memory is not null)
        {
            requests["memory"] = Quantity.Parse(memory);
        }
        return requests.Count == 0 ? null : new ResourceRequirements { Requests = requests };
    }

    /// <summary>A config map with one entry, <c>key=&lt;value&gt;</c>.</summary>
    public static ConfigMap ConfigMap(string name, string? ns = null, string value = "v") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Data = new Dictionary<string, string> { ["key"] = value },
    };

    /// <summary>A config map with <paramref name="entries"/> entries <c>k0=v0</c>, <c>k1=v1</c> ….</summary>
    public static ConfigMap ConfigMap(string name, string? ns, int entries) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Data = Enumerable.Range(0, entries).ToDictionary(i => "k" + i, i => "v" + i),
    };

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}
