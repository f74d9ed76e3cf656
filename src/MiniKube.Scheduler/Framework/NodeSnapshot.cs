namespace MiniKube.Scheduler.Framework;

/// <summary>
/// The nodes one scheduling cycle works on: a consistent set of immutable <see cref="NodeInfo"/> versions.
/// The scheduling loop keeps one snapshot and lets the cache bring it up to date before each cycle, which
/// copies only the nodes that changed since (kube-scheduler's generation-based UpdateSnapshot).
/// </summary>
public sealed class NodeSnapshot
{
    private NodeInfo[] _nodes = [];
    private int _count;
    private Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);
    private NodeInfo[] _withPodAffinity = [];
    private NodeInfo[] _withRequiredAntiAffinity = [];
    private IReadOnlyDictionary<string, int> _imageNodeCounts = new Dictionary<string, int>();

    /// <summary>Cache generation this snapshot reflects.</summary>
    public long Generation { get; internal set; } = -1;

    /// <summary>Cache node-set generation (adds and removes) this snapshot's node list reflects.</summary>
    internal long NodeSetGeneration { get; set; } = -1;

    /// <summary>Every node, in a stable order (the order the cache first saw them).</summary>
    public ReadOnlySpan<NodeInfo> Nodes => _nodes.AsSpan(0, _count);

    public int Count => _count;

    /// <summary>Nodes running at least one pod with pod affinity or anti-affinity terms.</summary>
    public ReadOnlySpan<NodeInfo> NodesWithPodAffinity => _withPodAffinity;

    /// <summary>Nodes running at least one pod with required anti-affinity.</summary>
    public ReadOnlySpan<NodeInfo> NodesWithRequiredAntiAffinity => _withRequiredAntiAffinity;

    public NodeInfo? Get(string name) => _indexByName.TryGetValue(name, out var i) ? _nodes[i] : null;

    /// <summary>How many nodes have the image (normalised name): ImageLocality favours images spread widely.</summary>
    public int NodesWithImage(string normalizedImage) => _imageNodeCounts.GetValueOrDefault(normalizedImage);

    /// <summary>Cache image-set generation this snapshot's image counts reflect.</summary>
    internal long ImageGeneration { get; set; } = -1;

    internal void SetImageCounts(IReadOnlyDictionary<string, int> counts) => _imageNodeCounts = counts;

    /// <summary>A stand-alone snapshot of these nodes (tests and tools; the scheduler gets its own from the cache).</summary>
    public static NodeSnapshot Create(IEnumerable<NodeInfo> nodeInfos)
    {
        var snapshot = new NodeSnapshot();
        snapshot.Rebuild(nodeInfos);
        return snapshot;
    }

    internal void Rebuild(IEnumerable<NodeInfo> ordered)
    {
        var list = ordered.ToArray();
        var index = new Dictionary<string, int>(list.Length, StringComparer.Ordinal);
        for (var i = 0; i < list.Length; i++)
        {
            index[list[i].Name] = i;
        }
        _nodes = list;
        _count = list.Length;
        _indexByName = index;
        RefreshAffinityLists();
        if (ImageGeneration < 0)
        {
            // Stand-alone snapshots (not fed by a cache) count images themselves.
            var images = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var n in list)
            {
                foreach (var image in n.Images.Keys)
                {
                    images[image] = images.GetValueOrDefault(image) + 1;
                }
            }
            _imageNodeCounts = images;
        }
    }

    /// <summary>Swaps in a newer version of a node already in the list; false if the node is not listed.</summary>
    internal bool Replace(NodeInfo info, out NodeInfo? previous)
    {
        if (!_indexByName.TryGetValue(info.Name, out var i))
        {
            previous = null;
            return false;
        }
        previous = _nodes[i];
        _nodes[i] = info;
        return true;
    }

    internal void RefreshAffinityLists()
    {
        List<NodeInfo>? affinity = null;
        List<NodeInfo>? anti = null;
        foreach (var n in Nodes)
        {
            if (n.PodsWithAffinity > 0)
            {
                (affinity ??= []).Add(n);
            }
            if (n.PodsWithRequiredAntiAffinity > 0)
            {
                (anti ??= []).Add(n);
            }
        }
        _withPodAffinity = affinity?.ToArray() ?? [];
        _withRequiredAntiAffinity = anti?.ToArray() ?? [];
    }
}
