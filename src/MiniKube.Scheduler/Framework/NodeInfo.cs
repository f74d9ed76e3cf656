using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>
/// A node as the scheduler sees it: the Node object, facts parsed from it once (allocatable, taints,
/// labels), and the aggregate of the pods on it (requests, non-zero requests, host ports, per-owner counts).
/// Immutable: the cache builds a new NodeInfo for every change, so a snapshot handed to a scheduling cycle
/// never changes under it and can be read without locks.
/// </summary>
public sealed class NodeInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private static readonly Dictionary<string, int> NoOwners = new(StringComparer.Ordinal);
    private static readonly IReadOnlyDictionary<string, long> NoImages = new Dictionary<string, long>();

    private readonly PodInfo[] _pods;
    private readonly Dictionary<string, int> _ownerCounts;

    private NodeInfo(
        string name, Node? node, NodeFacts facts, PodInfo[] pods, Resource requested, long nonZeroMilliCpu,
        long nonZeroMemory, HostPort[] usedPorts, Dictionary<string, int> ownerCounts, int podsWithAffinity,
        int podsWithRequiredAntiAffinity, long generation)
    {
        Name = name;
        Node = node;
        Facts = facts;
        _pods = pods;
        PodCount = pods.Length;
        Requested = requested;
        NonZeroMilliCpu = nonZeroMilliCpu;
        NonZeroMemory = nonZeroMemory;
        UsedPortsArray = usedPorts;
        _ownerCounts = ownerCounts;
        PodsWithAffinity = podsWithAffinity;
        PodsWithRequiredAntiAffinity = podsWithRequiredAntiAffinity;
        Generation = generation;
    }

    public string Name { get; }

    /// <summary>Null while pods are known for a node the cache has not seen (or has seen deleted).</summary>
    public Node? Node { get; }

    // A field of struct type: the filters read taints and allocatable straight from this object, without
    // following another reference per node.
    internal readonly NodeFacts Facts;

    public IReadOnlyDictionary<string, string> Labels => Facts.Labels;

    public IReadOnlyList<Taint> Taints => Facts.Taints;

    public bool Unschedulable => Facts.Unschedulable;

    /// <summary>
    /// A label value, with the well-known topology keys (hostname, zone, region) answered from fields read
    /// once per node update: spreading asks for them on every node of every cycle.
    /// </summary>
    public bool TryGetLabel(string key, out string value)
    {
        string? known = null;
        var isKnown = true;
        switch (key)
        {
            case WellKnownLabels.Hostname:
                known = Facts.Hostname;
                break;
            case WellKnownLabels.Zone:
                known = Facts.Zone;
                break;
            case WellKnownLabels.Region:
                known = Facts.Region;
                break;
            default:
                isKnown = false;
                break;
        }
        if (isKnown)
        {
            value = known ?? "";
            return known is not null;
        }
        return Facts.Labels.TryGetValue(key, out value!);
    }

    /// <summary>Images present on the node (status.images), by normalised name ("name:tag"), with their size in bytes.</summary>
    public IReadOnlyDictionary<string, long> Images => Facts.Images;

    public Resource Allocatable => Facts.Allocatable;

    /// <summary>allocatable["pods"]; a node that reports none admits no pods, as in Kubernetes.</summary>
    public long AllowedPodNumber => Facts.AllowedPodNumber;

    public ReadOnlySpan<PodInfo> Pods => _pods;

    public int PodCount { get; }

    /// <summary>Sum of the requests of the pods on the node (the fit check).</summary>
    public Resource Requested { get; }

    /// <summary>Sum of the non-zero CPU requests (scoring).</summary>
    public long NonZeroMilliCpu { get; }

    /// <summary>Sum of the non-zero memory requests (scoring).</summary>
    public long NonZeroMemory { get; }

    public ReadOnlySpan<HostPort> UsedPorts => UsedPortsArray;

    internal HostPort[] UsedPortsArray { get; }

    public int PodsWithAffinity { get; }

    public int PodsWithRequiredAntiAffinity { get; }

    /// <summary>Cache generation at which this version was built; a snapshot copies only newer ones.</summary>
    public long Generation { get; }

    /// <summary>
    /// A plugin's last computed answer about this node's pods (e.g. how many match a spread selector). Valid
    /// for the node's whole life because a NodeInfo never changes; a new version starts empty. One slot: pods
    /// of one workload arrive in bursts, so the last question is usually the next one.
    /// </summary>
    internal object? Memo { get; set; }

    /// <summary>Non-terminating pods on the node controlled by the owner with this UID.</summary>
    public int CountOwnedBy(string controllerUid) => _ownerCounts.GetValueOrDefault(controllerUid);

    public static NodeInfo Create(Node node, long generation = 0) =>
        new(node.Metadata.Name ?? "", node, NodeFacts.From(node), [], default, 0, 0, [], NoOwners, 0, 0, generation);

    /// <summary>A placeholder for pods bound to a node the cache has not seen yet.</summary>
    public static NodeInfo CreateEmpty(string name, long generation = 0) =>
        new(name, null, NodeFacts.Empty, [], default, 0, 0, [], NoOwners, 0, 0, generation);

    /// <summary>This node with pods <paramref name="podsOnNode"/> (test and benchmark fixtures).</summary>
    public static NodeInfo Create(Node node, params PodInfo[] podsOnNode)
    {
        var info = Create(node);
        foreach (var p in podsOnNode)
        {
            info = info.WithPod(p, 0);
        }
        return info;
    }

    public NodeInfo WithNode(Node? node, long generation) =>
        new(Name, node, node is null ? NodeFacts.Empty : NodeFacts.From(node), _pods, Requested, NonZeroMilliCpu,
            NonZeroMemory, UsedPortsArray, _ownerCounts, PodsWithAffinity, PodsWithRequiredAntiAffinity, generation);

    public NodeInfo WithPod(PodInfo pod, long generation)
    {
        var newPods = new PodInfo[_pods.Length + 1];
        _pods.CopyTo(newPods, 0);
        newPods[^1] = pod;
        var ports = UsedPortsArray;
        if (pod.HostPorts.Length > 0)
        {
            ports = [.. ports, .. pod.HostPorts];
        }
        var owners = _ownerCounts;
        if (pod.ControllerUid is { } uid && !pod.IsTerminating)
        {
            owners = new Dictionary<string, int>(_ownerCounts, StringComparer.Ordinal);
            owners[uid] = owners.GetValueOrDefault(uid) + 1;
        }
        return new NodeInfo(
            Name, Node, Facts, newPods, Requested.Add(pod.Requests), NonZeroMilliCpu + pod.NonZeroMilliCpu,
            NonZeroMemory + pod.NonZeroMemory, ports, owners,
            PodsWithAffinity + (pod.HasPodAffinityTerms ? 1 : 0),
            PodsWithRequiredAntiAffinity + (pod.HasRequiredAntiAffinity ? 1 : 0), generation);
    }

    /// <summary>This node without the pod with <paramref name="podKey"/>; null when the pod is not here.</summary>
    public NodeInfo? WithoutPod(string podKey, long generation)
    {
        var index = IndexOf(podKey);
        if (index < 0)
        {
            return null;
        }
        var pod = _pods[index];
        var newPods = new PodInfo[_pods.Length - 1];
        Array.Copy(_pods, 0, newPods, 0, index);
        Array.Copy(_pods, index + 1, newPods, index, _pods.Length - index - 1);
        var ports = UsedPortsArray;
        if (pod.HostPorts.Length > 0)
        {
            var list = new List<HostPort>(ports);
            foreach (var p in pod.HostPorts)
            {
                list.Remove(p);
            }
            ports = [.. list];
        }
        var owners = _ownerCounts;
        if (pod.ControllerUid is { } uid && !pod.IsTerminating)
        {
            owners = new Dictionary<string, int>(_ownerCounts, StringComparer.Ordinal);
            if (owners.GetValueOrDefault(uid) <= 1)
            {
                owners.Remove(uid);
            }
            else
            {
                owners[uid]--;
            }
        }
        return new NodeInfo(
            Name, Node, Facts, newPods, Requested.Subtract(pod.Requests), NonZeroMilliCpu - pod.NonZeroMilliCpu,
            NonZeroMemory - pod.NonZeroMemory, ports, owners,
            PodsWithAffinity - (pod.HasPodAffinityTerms ? 1 : 0),
            PodsWithRequiredAntiAffinity - (pod.HasRequiredAntiAffinity ? 1 : 0), generation);
    }

    public bool Contains(string podKey) => IndexOf(podKey) >= 0;

    private int IndexOf(string podKey)
    {
        for (var i = 0; i < _pods.Length; i++)
        {
            if (string.Equals(_pods[i].Key, podKey, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>An image reference with an explicit tag: "nginx" and "nginx:latest" are the same image.</summary>
    public static string NormalizeImageName(string name) =>
        name.LastIndexOf(':') <= name.LastIndexOf('/') ? name + ":latest" : name;

    public override string ToString() => $"{Name} ({_pods.Length} pods, requested {Requested})";

    /// <summary>What the filters need from the Node object, parsed once per node update rather than per pod.</summary>
    internal readonly struct NodeFacts
    {
        public static readonly NodeFacts Empty = new(NoLabels, [], false, default, 0, NoImages);

        public string? Hostname { get; }

        public string? Zone { get; }

        public string? Region { get; }

        private NodeFacts(
            IReadOnlyDictionary<string, string> labels, Taint[] taints, bool unschedulable, Resource allocatable, long allowedPods,
            IReadOnlyDictionary<string, long> images)
        {
            Labels = labels;
            Taints = taints;
            Unschedulable = unschedulable;
            Allocatable = allocatable;
            AllowedPodNumber = allowedPods;
            Images = images;
            Hostname = labels.TryGetValue(WellKnownLabels.Hostname, out var h) ? h : null;
            Zone = labels.TryGetValue(WellKnownLabels.Zone, out var z) ? z : null;
            Region = labels.TryGetValue(WellKnownLabels.Region, out var r) ? r : null;
        }

        public IReadOnlyDictionary<string, long> Images { get; }

        public IReadOnlyDictionary<string, string> Labels { get; }

        public Taint[] Taints { get; }

        public bool Unschedulable { get; }

        public Resource Allocatable { get; }

        public long AllowedPodNumber { get; }

        public static NodeFacts From(Node node)
        {
            var allocatable = node.Status?.Allocatable;
            var pods = allocatable is not null && allocatable.TryGetValue(ResourceName.Pods, out var q) ? q.Value : 0;
            return new NodeFacts(
                node.Metadata.Labels ?? NoLabels,
                node.Spec?.Taints?.ToArray() ?? [],
                node.Spec?.Unschedulable == true,
                PodResources.FromList(allocatable),
                pods,
                ImagesOf(node));
        }

        private static IReadOnlyDictionary<string, long> ImagesOf(Node node)
        {
            if (node.Status?.Images is not { Count: > 0 } images)
            {
                return NoImages;
            }
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var image in images)
            {
                foreach (var name in image.Names ?? [])
                {
                    result[NormalizeImageName(name)] = image.SizeBytes ?? 0;
                }
            }
            return result;
        }
    }
}
