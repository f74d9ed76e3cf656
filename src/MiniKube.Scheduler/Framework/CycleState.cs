namespace MiniKube.Scheduler.Framework;

/// <summary>
/// A typed key into <see cref="CycleState"/>. Each key gets a slot number once, so reading plugin state in a
/// filter is an array index rather than the string-keyed map lookup kube-scheduler does per node.
/// </summary>
public sealed class StateKey<T> where T : class
{
    private static int next = -1;

    public StateKey(string name)
    {
        Name = name;
        Slot = Interlocked.Increment(ref next);
    }

    public string Name { get; }

    internal int Slot { get; }

    public override string ToString() => Name;
}

/// <summary>
/// Per-cycle scratch space shared by the plugins of one scheduling attempt: PreFilter/PreScore write what
/// they computed for the pod, Filter/Score read it for every node. Reused across cycles (see
/// <see cref="Reset"/>) so a cycle allocates nothing for it. Not thread-safe: one cycle at a time.
/// </summary>
public sealed class CycleState
{
    private object?[] _slots = new object?[16];

    /// <summary>The pod being scheduled, with its precomputed requests, ports and owner.</summary>
    public PodInfo PodInfo { get; private set; } = null!;

    /// <summary>All nodes of the cycle's snapshot.</summary>
    public NodeSnapshot Snapshot { get; private set; } = null!;

    /// <summary>Nodes the pod may only go to, when a PreFilter narrowed them (null: every node).</summary>
    public IReadOnlySet<string>? NodeRestriction { get; private set; }

    /// <summary>The plugins that narrowed <see cref="NodeRestriction"/>, sorted.</summary>
    public IReadOnlyList<string> RestrictingPlugins => _restrictingPlugins;

    private readonly List<string> _restrictingPlugins = [];

    /// <summary>
    /// Called by a PreFilter that knows the only nodes the pod can use (node affinity on metadata.name, as
    /// DaemonSet pods have): the cycle filters just those, and counts the others as
    /// "node(s) didn't satisfy plugin(s) [Name]". Several restrictions intersect.
    /// </summary>
    public void RestrictNodes(string pluginName, IReadOnlySet<string> nodeNames)
    {
        if (NodeRestriction is null)
        {
            NodeRestriction = nodeNames;
        }
        else
        {
            var both = new HashSet<string>(NodeRestriction, StringComparer.Ordinal);
            both.IntersectWith(nodeNames);
            NodeRestriction = both;
        }
        if (!_restrictingPlugins.Contains(pluginName))
        {
            _restrictingPlugins.Add(pluginName);
            _restrictingPlugins.Sort(StringComparer.Ordinal);
        }
    }

    public T? Read<T>(StateKey<T> key) where T : class =>
        key.Slot < _slots.Length ? _slots[key.Slot] as T : null;

    public void Write<T>(StateKey<T> key, T value) where T : class
    {
        if (key.Slot >= _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(key.Slot + 1, _slots.Length * 2));
        }
        _slots[key.Slot] = value;
    }

    /// <summary>Starts a new cycle for <paramref name="pod"/> on <paramref name="snapshot"/>, dropping the last cycle's state.</summary>
    public void Reset(PodInfo pod, NodeSnapshot snapshot)
    {
        Array.Clear(_slots);
        NodeRestriction = null;
        _restrictingPlugins.Clear();
        PodInfo = pod;
        Snapshot = snapshot;
    }
}
