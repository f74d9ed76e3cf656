using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Tests;

/// <summary>Small builders for nodes and pods, so decision tables read as data.</summary>
internal static class Make
{
    private static int uid;

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
        var allocatable = new Dictionary<string, Quantity>
        {
            ["cpu"] = Quantity.Parse(cpu),
            ["memory"] = Quantity.Parse(memory),
            ["pods"] = Quantity.FromValue(pods),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, Quantity>())
        {
            allocatable[k] = v;
        }
        var labelMap = Labels(labels);
        labelMap.TryAdd("kubernetes.io/hostname", name);
        return new Node
        {
            Metadata = new ObjectMeta { Name = name, Labels = labelMap },
            Spec = new NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    public static Pod Pod(
        string name,
        string? cpu = null,
        string? memory = null,
        string? labels = null,
        string ns = "default",
        string? owner = null,
        int? priority = null,
        PodSpec? spec = null)
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
        var container = new Container
        {
            Name = "c",
            Image = "busybox",
            Resources = requests.Count == 0 ? null : new ResourceRequirements { Requests = requests },
        };
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
                Uid = $"uid-{name}-{Interlocked.Increment(ref uid)}",
                Labels = labels is null ? null : Labels(labels),
                OwnerReferences = owner is null
                    ? null
                    : [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = owner, Uid = "rs-" + owner, Controller = true }],
            },
            Spec = spec,
        };
    }

    public static Pod BoundTo(this Pod pod, string node) => pod with { Spec = pod.Spec! with { NodeName = node } };

    public static Container Container(string? cpu = null, string? memory = null, string? restartPolicy = null, params (int HostPort, string? Ip, string? Protocol)[] ports)
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
        return new Container
        {
            Name = "c" + Interlocked.Increment(ref uid),
            Image = "busybox",
            RestartPolicy = restartPolicy,
            Resources = requests.Count == 0 ? null : new ResourceRequirements { Requests = requests },
            Ports = ports.Length == 0
                ? null
                : ports.Select(p => new ContainerPortSpec { ContainerPort = 80, HostPort = p.HostPort, HostIP = p.Ip, Protocol = p.Protocol }).ToList(),
        };
    }

    /// <summary>"a=1,b=2" → map; "" or null → empty.</summary>
    public static Dictionary<string, string> Labels(string? spec) =>
        string.IsNullOrEmpty(spec)
            ? []
            : spec.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    public static NodeInfo Info(Node node, params Pod[] pods) =>
        NodeInfo.Create(node, pods.Select(PodInfo.Create).ToArray());

    public static Taint Taint(string key, string? value, string effect) => new() { Key = key, Value = value, Effect = effect };

    public static Toleration Toleration(string? key, string? op, string? value, string? effect) =>
        new() { Key = key, Operator = op, Value = value, Effect = effect };
}

/// <summary>Runs one plugin the way the framework does (PreFilter/PreScore first), for plugin-level tables.</summary>
internal static class Run
{
    public static FilterResult Filter(IFilterPlugin plugin, Pod pod, NodeInfo node, params NodeInfo[] allNodes)
    {
        var snapshot = NodeSnapshot.Create(allNodes.Length > 0 ? allNodes : [node]);
        var state = new CycleState();
        state.Reset(PodInfo.Create(pod), snapshot);
        if (plugin is IPreFilterPlugin pre)
        {
            var r = pre.PreFilter(state, pod);
            if (r.Code == FilterCode.Skip)
            {
                return FilterResult.Success;
            }
            if (!r.IsSuccess)
            {
                return r;
            }
        }
        return plugin.Filter(state, pod, node);
    }

    /// <summary>Raw scores (before normalisation) and normalised scores of every node.</summary>
    public static (long[] Raw, long[] Normalized) Score(IScorePlugin plugin, Pod pod, NodeInfo[] feasible, NodeInfo[]? allNodes = null)
    {
        var snapshot = NodeSnapshot.Create(allNodes ?? feasible);
        var state = new CycleState();
        state.Reset(PodInfo.Create(pod), snapshot);
        var raw = new long[feasible.Length];
        if (plugin is IPreScorePlugin pre && pre.PreScore(state, pod, feasible).Code == FilterCode.Skip)
        {
            return (raw, new long[feasible.Length]);
        }
        for (var i = 0; i < feasible.Length; i++)
        {
            raw[i] = plugin.Score(state, pod, feasible[i]);
        }
        var normalized = (long[])raw.Clone();
        (plugin as INormalizeScore)?.NormalizeScores(state, pod, feasible, normalized);
        return (raw, normalized);
    }
}
