using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The VerticalPodAutoscaler's admission step: a pod created for a VPA's target (its controller is the target ReplicaSet,
/// or a ReplicaSet of the target Deployment) whose VPA is in mode Initial, Recreate or InPlaceOrRecreate and has a
/// recommendation gets the recommended requests (<see cref="VpaPodResources"/>) and the <c>vpaUpdates</c> annotation.
/// Runs on create for both wires; reads the VPAs and ReplicaSets from the watch cache (etcd while it is not synced).
/// </summary>
internal sealed partial class ObjectApi
{
    private async Task<KubeObject> AdmitVpaAsync(KubeObject obj, CancellationToken ct)
    {
        if (obj is not Pod pod || pod.Metadata.Namespace is not { } ns
            || pod.Metadata.OwnerReferences?.Any(r => r.Controller == true && r.Kind == "ReplicaSet") != true)
        {
            return obj;
        }
        var vpas = (await CachedListAsync(ResourceRegistry.For<VerticalPodAutoscaler>(), ns, ct).ConfigureAwait(false))
            .Select(o => (VerticalPodAutoscaler)o.Object)
            .Where(v => VpaUpdateMode.AppliesOnCreate(v.Spec?.UpdatePolicy?.UpdateMode) && v.Status?.Recommendation?.ContainerRecommendations is { Count: > 0 })
            .OrderBy(v => v.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        if (vpas.Count == 0)
        {
            return obj;
        }
        var replicaSets = new Dictionary<string, ReplicaSet?>(StringComparer.Ordinal);
        foreach (var vpa in vpas)
        {
            if (!VpaPodResources.Targets(vpa, pod, name => replicaSets.TryGetValue(name, out var rs) ? rs : null))
            {
                // The Deployment case needs the pod's ReplicaSet: look it up once, then ask again.
                var owner = pod.Metadata.OwnerReferences!.First(r => r.Controller == true && r.Kind == "ReplicaSet").Name;
                if (vpa.Spec?.TargetRef?.Kind != "Deployment" || replicaSets.ContainsKey(owner))
                {
                    continue;
                }
                replicaSets[owner] = await CachedGetAsync(ResourceRegistry.For<ReplicaSet>(), ns, owner, ct).ConfigureAwait(false) as ReplicaSet;
                if (!VpaPodResources.Targets(vpa, pod, name => replicaSets.GetValueOrDefault(name)))
                {
                    continue;
                }
            }
            // The first VPA (by name) that targets the pod decides, as the VPA's admission controller picks one.
            if (VpaPodResources.Apply(pod, vpa) is not { } applied)
            {
                return obj;
            }
            var annotations = new Dictionary<string, string>(applied.Pod.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                [VpaPodResources.UpdatesAnnotation] = $"Pod resources updated by {vpa.Metadata.Name}: {applied.Changes}",
            };
            return applied.Pod with { Metadata = applied.Pod.Metadata with { Annotations = annotations } };
        }
        return obj;
    }

    private async Task<IReadOnlyList<CachedObject>> CachedListAsync(ResourceInfo resource, string ns, CancellationToken ct)
    {
        var filter = new ObjectFilter(ns, Selector.Everything, FieldSelector.Everything);
        if (_caches.For(resource).TryList(filter, 0) is { } cached)
        {
            return cached.Items;
        }
        return (await ListAsync(resource, filter, ct).ConfigureAwait(false)).Items;
    }

    private async Task<KubeObject?> CachedGetAsync(ResourceInfo resource, string ns, string name, CancellationToken ct)
    {
        var cache = _caches.For(resource);
        if (cache.Synced.IsCompleted)
        {
            return cache.TryGet(Keys.For(resource, ns, name))?.Object;
        }
        var key = Keys.For(resource, ns, name);
        if (await _store.GetAsync(key, ct).ConfigureAwait(false) is not { } stored)
        {
            return null;
        }
        return _codec.FromStorage(resource, key, stored.Value, stored.ModRevision).Object;
    }
}
