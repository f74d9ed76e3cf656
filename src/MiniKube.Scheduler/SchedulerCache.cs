using System.Runtime.InteropServices;
using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler;

/// <summary>
/// The scheduler's view of nodes and the pods on them: bound pods from the watch plus pods this scheduler
/// has <em>assumed</em> (decided, binding in flight), so the next cycle already sees their capacity taken.
/// Thread-safe: informer threads mutate it while a cycle reads its own <see cref="NodeSnapshot"/>.
/// Every change builds a new immutable <see cref="NodeInfo"/> and moves the node to the front of a
/// recently-changed list, so <see cref="UpdateSnapshot"/> touches only what changed since the last cycle.
/// </summary>
public sealed class SchedulerCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NodeItem> _nodes = new(StringComparer.Ordinal);

    // Most recently changed first; UpdateSnapshot walks it until it reaches what the snapshot already has.
    private readonly LinkedList<NodeItem> _recentlyChanged = new();

    // Names of nodes that have a Node object, in the order first seen: the snapshot's node order.
    private readonly List<string> _nodeOrder = [];
    private readonly Dictionary<string, PodState> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _imageNodeCounts = new(StringComparer.Ordinal);
    private long _generation;
    private long _nodeSetGeneration;
    private long _imageGeneration;

    public int NodeCount
    {
        get
        {
            lock (_gate)
            {
                return _nodeOrder.Count;
            }
        }
    }

    public int PodCount
    {
        get
        {
            lock (_gate)
            {
                return _pods.Count;
            }
        }
    }

    public int AssumedPodCount
    {
        get
        {
            lock (_gate)
            {
                return _pods.Values.Count(p => p.Assumed);
            }
        }
    }

    /// <summary>Adds a node, or updates it if known (informer ADDED after a re-list is not an error).</summary>
    public void AddNode(Node node) => UpdateNode(node);

    public void UpdateNode(Node node)
    {
        var name = node.Metadata.Name ?? throw new ArgumentException("node has no name", nameof(node));
        lock (_gate)
        {
            if (!_nodes.TryGetValue(name, out var item))
            {
                item = NewItem(NodeInfo.Create(node, ++_generation));
                _nodes[name] = item;
                AddToOrder(name);
                CountImages(null, item.Info);
                return;
            }
            var hadNode = item.Info.Node is not null;
            var before = item.Info;
            Set(item, item.Info.WithNode(node, ++_generation));
            CountImages(hadNode ? before : null, item.Info);
            if (!hadNode)
            {
                AddToOrder(name);
            }
        }
    }

    /// <summary>
    /// Removes a node. Pods still bound to it stay accounted on a node-less placeholder until they are
    /// deleted, so the node's capacity is right if it comes back.
    /// </summary>
    public void RemoveNode(string name)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(name, out var item) || item.Info.Node is null)
            {
                return;
            }
            _nodeOrder.Remove(name);
            _nodeSetGeneration++;
            CountImages(item.Info, null);
            if (item.Info.PodCount == 0)
            {
                DropItem(item);
            }
            else
            {
                Set(item, item.Info.WithNode(null, ++_generation));
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="pod"/> will run on <paramref name="nodeName"/> before the binding is
    /// confirmed: counted at once, so the next cycle sees the capacity taken.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pod is already in the cache.</exception>
    public void AssumePod(PodInfo pod, string nodeName)
    {
        lock (_gate)
        {
            if (_pods.ContainsKey(pod.Key))
            {
                throw new InvalidOperationException($"pod {pod} ({pod.Key}) is in the cache, so it can't be assumed");
            }
            AddToNode(pod, nodeName);
            _pods[pod.Key] = new PodState(pod, nodeName, Assumed: true);
        }
    }

    /// <summary>Undoes <see cref="AssumePod"/> after a failed bind. A pod that is confirmed by now is left alone.</summary>
    public void ForgetPod(Pod pod)
    {
        var key = PodInfo.KeyOf(pod);
        lock (_gate)
        {
            if (_pods.TryGetValue(key, out var state) && state.Assumed)
            {
                RemoveFromNode(key, state.NodeName);
                _pods.Remove(key);
            }
        }
    }

    public bool IsAssumed(Pod pod)
    {
        lock (_gate)
        {
            return _pods.TryGetValue(PodInfo.KeyOf(pod), out var state) && state.Assumed;
        }
    }

    /// <summary>
    /// A pod bound to a node arrived from the watch. Confirms it if this scheduler assumed it (moving it if
    /// it was bound elsewhere after all); pods that have finished (Succeeded/Failed) free their node.
    /// </summary>
    public void AddPod(Pod pod)
    {
        var nodeName = pod.Spec?.NodeName;
        if (string.IsNullOrEmpty(nodeName))
        {
            return;
        }
        if (IsFinished(pod))
        {
            RemovePod(pod);
            return;
        }
        var info = PodInfo.Create(pod);
        lock (_gate)
        {
            if (_pods.TryGetValue(info.Key, out var state))
            {
                RemoveFromNode(info.Key, state.NodeName);
            }
            AddToNode(info, nodeName);
            _pods[info.Key] = new PodState(info, nodeName, Assumed: false);
        }
    }

    /// <summary>An update of a pod; one that lost its node or finished is removed.</summary>
    public void UpdatePod(Pod oldPod, Pod newPod)
    {
        if (string.IsNullOrEmpty(newPod.Spec?.NodeName) || IsFinished(newPod))
        {
            RemovePod(oldPod);
            return;
        }
        AddPod(newPod);
    }

    public void RemovePod(Pod pod)
    {
        var key = PodInfo.KeyOf(pod);
        lock (_gate)
        {
            if (_pods.Remove(key, out var state))
            {
                RemoveFromNode(key, state.NodeName);
            }
        }
    }

    /// <summary>The current version of one node (null when unknown).</summary>
    public NodeInfo? GetNodeInfo(string name)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(name, out var item) ? item.Info : null;
        }
    }

    /// <summary>A new, complete snapshot (O(nodes)); a scheduling loop should reuse one through <see cref="UpdateSnapshot"/>.</summary>
    public NodeSnapshot Snapshot()
    {
        var snapshot = new NodeSnapshot();
        UpdateSnapshot(snapshot);
        return snapshot;
    }

    /// <summary>
    /// Brings <paramref name="snapshot"/> up to date, copying only the nodes changed since it was last
    /// updated; the node list is rebuilt only when nodes were added or removed.
    /// </summary>
    public void UpdateSnapshot(NodeSnapshot snapshot)
    {
        lock (_gate)
        {
            if (snapshot.ImageGeneration != _imageGeneration)
            {
                snapshot.SetImageCounts(new Dictionary<string, int>(_imageNodeCounts, StringComparer.Ordinal));
                snapshot.ImageGeneration = _imageGeneration;
            }
            if (snapshot.NodeSetGeneration != _nodeSetGeneration)
            {
                var infos = new NodeInfo[_nodeOrder.Count];
                for (var i = 0; i < infos.Length; i++)
                {
                    infos[i] = _nodes[_nodeOrder[i]].Info;
                }
                snapshot.Rebuild(infos);
                snapshot.NodeSetGeneration = _nodeSetGeneration;
                snapshot.Generation = _generation;
                return;
            }
            var refreshAffinity = false;
            for (var link = _recentlyChanged.First; link is not null; link = link.Next)
            {
                var info = link.Value.Info;
                if (info.Generation <= snapshot.Generation)
                {
                    break;
                }
                if (snapshot.Replace(info, out var previous)
                    && ((previous!.PodsWithAffinity > 0) != (info.PodsWithAffinity > 0)
                        || (previous.PodsWithRequiredAntiAffinity > 0) != (info.PodsWithRequiredAntiAffinity > 0)
                        || info.PodsWithAffinity > 0 || info.PodsWithRequiredAntiAffinity > 0))
                {
                    refreshAffinity = true;
                }
            }
            if (refreshAffinity)
            {
                snapshot.RefreshAffinityLists();
            }
            snapshot.Generation = _generation;
        }
    }

    /// <summary>Keeps the cluster-wide count of nodes per image in step with node changes (images rarely change).</summary>
    private void CountImages(NodeInfo? before, NodeInfo? after)
    {
        var old = before?.Images;
        var now = after?.Images;
        if (ReferenceEquals(old, now) || (old?.Count ?? 0) == 0 && (now?.Count ?? 0) == 0)
        {
            return;
        }
        var changed = false;
        foreach (var image in old?.Keys ?? [])
        {
            if (now is null || !now.ContainsKey(image))
            {
                changed = true;
                if (--CollectionsMarshal.GetValueRefOrAddDefault(_imageNodeCounts, image, out _) <= 0)
                {
                    _imageNodeCounts.Remove(image);
                }
            }
        }
        foreach (var image in now?.Keys ?? [])
        {
            if (old is null || !old.ContainsKey(image))
            {
                changed = true;
                CollectionsMarshal.GetValueRefOrAddDefault(_imageNodeCounts, image, out _)++;
            }
        }
        if (changed)
        {
            _imageGeneration++;
        }
    }

    private static bool IsFinished(Pod pod) =>
        pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed;

    private void AddToNode(PodInfo pod, string nodeName)
    {
        if (!_nodes.TryGetValue(nodeName, out var item))
        {
            // The pod's node is not known (yet): account the pod on a placeholder so nothing is lost.
            item = NewItem(NodeInfo.CreateEmpty(nodeName, ++_generation));
            _nodes[nodeName] = item;
        }
        Set(item, item.Info.WithPod(pod, ++_generation));
    }

    private void RemoveFromNode(string podKey, string nodeName)
    {
        if (!_nodes.TryGetValue(nodeName, out var item))
        {
            return;
        }
        var updated = item.Info.WithoutPod(podKey, ++_generation);
        if (updated is null)
        {
            return;
        }
        if (updated.Node is null && updated.PodCount == 0)
        {
            DropItem(item);
            return;
        }
        Set(item, updated);
    }

    private NodeItem NewItem(NodeInfo info)
    {
        var item = new NodeItem(info);
        item.Link = _recentlyChanged.AddFirst(item);
        return item;
    }

    private void Set(NodeItem item, NodeInfo info)
    {
        item.Info = info;
        if (_recentlyChanged.First != item.Link)
        {
            _recentlyChanged.Remove(item.Link!);
            _recentlyChanged.AddFirst(item.Link!);
        }
    }

    private void DropItem(NodeItem item)
    {
        _recentlyChanged.Remove(item.Link!);
        _nodes.Remove(item.Info.Name);
    }

    private void AddToOrder(string name)
    {
        _nodeOrder.Add(name);
        _nodeSetGeneration++;
    }

    private sealed class NodeItem(NodeInfo info)
    {
        public NodeInfo Info { get; set; } = info;

        public LinkedListNode<NodeItem>? Link { get; set; }
    }

    private sealed record PodState(PodInfo Pod, string NodeName, bool Assumed);
}
