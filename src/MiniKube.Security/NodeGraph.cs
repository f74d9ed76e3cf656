using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>
/// Which node each pod is bound to and what it references (Secrets, ConfigMaps, PersistentVolumeClaims, its
/// ServiceAccount), as the Node authorizer's graph has it: an object is related to a node when some pod bound to that
/// node uses it. Fed from the API server's pod watch (<see cref="Upsert"/>, <see cref="Remove"/>), never from etcd per
/// request; a decision looks up a reference count under a lock.
/// </summary>
public sealed class NodeGraph
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), PodEntry> _pods = [];
    private readonly Dictionary<(string Node, PodReference Reference), int> _references = [];

    /// <summary>How many pods the graph holds (bound or not).</summary>
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

    /// <summary>Adds or replaces a pod; a pod without spec.nodeName is kept but relates to no node.</summary>
    public void Upsert(Pod pod)
    {
        var key = (pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "");
        var entry = new PodEntry(pod.Spec?.NodeName ?? "", References(pod));
        lock (_gate)
        {
            if (_pods.TryGetValue(key, out var old))
            {
                Release(old);
            }
            _pods[key] = entry;
            foreach (var reference in entry.References)
            {
                var k = (entry.Node, reference);
                _references[k] = _references.GetValueOrDefault(k) + 1;
            }
        }
    }

    public void Remove(string ns, string name)
    {
        lock (_gate)
        {
            if (_pods.Remove((ns, name), out var old))
            {
                Release(old);
            }
        }
    }

    /// <summary>Forgets everything (before the pod watch is started again from a fresh list).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _pods.Clear();
            _references.Clear();
        }
    }

    /// <summary>Whether pod <paramref name="ns"/>/<paramref name="name"/> is bound to <paramref name="node"/>.</summary>
    public bool PodBoundTo(string node, string ns, string name)
    {
        lock (_gate)
        {
            return node.Length > 0 && _pods.TryGetValue((ns, name), out var entry) && entry.Node == node;
        }
    }

    /// <summary>Whether a pod bound to <paramref name="node"/> references the object (kind is the resource's plural).</summary>
    public bool Related(string node, string resource, string ns, string name)
    {
        lock (_gate)
        {
            return node.Length > 0 && _references.ContainsKey((node, new PodReference(resource, ns, name)));
        }
    }

    private void Release(PodEntry entry)
    {
        foreach (var reference in entry.References)
        {
            var k = (entry.Node, reference);
            if (_references.TryGetValue(k, out var count))
            {
                if (count <= 1)
                {
                    _references.Remove(k);
                }
                else
                {
                    _references[k] = count - 1;
                }
            }
        }
    }

    /// <summary>Every object a pod uses that the kubelet has to read: volumes, env and envFrom of all containers, pull secrets, its ServiceAccount.</summary>
    public static IReadOnlyList<PodReference> References(Pod pod)
    {
        var ns = pod.Metadata.Namespace ?? "";
        var spec = pod.Spec;
        if (spec is null || string.IsNullOrEmpty(spec.NodeName))
        {
            return [];
        }
        var found = new HashSet<PodReference>();
        void Add(string resource, string? name)
        {
            if (!string.IsNullOrEmpty(name))
            {
                found.Add(new PodReference(resource, ns, name));
            }
        }
        Add("serviceaccounts", string.IsNullOrEmpty(spec.ServiceAccountName) ? spec.ServiceAccount : spec.ServiceAccountName);
        foreach (var secret in spec.ImagePullSecrets ?? [])
        {
            Add("secrets", secret.Name);
        }
        foreach (var volume in spec.Volumes ?? [])
        {
            Add("secrets", volume.Secret?.SecretName);
            Add("configmaps", volume.ConfigMap?.Name);
            Add("persistentvolumeclaims", volume.PersistentVolumeClaim?.ClaimName);
        }
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers))
        {
            foreach (var from in container.EnvFrom ?? [])
            {
                Add("secrets", from.SecretRef?.Name);
                Add("configmaps", from.ConfigMapRef?.Name);
            }
            foreach (var env in container.Env ?? [])
            {
                Add("secrets", env.ValueFrom?.SecretKeyRef?.Name);
                Add("configmaps", env.ValueFrom?.ConfigMapKeyRef?.Name);
            }
        }
        return [.. found];
    }

    private sealed record PodEntry(string Node, IReadOnlyList<PodReference> References);
}

/// <summary>An object a pod references, by resource plural, namespace and name.</summary>
public readonly record struct PodReference(string Resource, string Namespace, string Name);
