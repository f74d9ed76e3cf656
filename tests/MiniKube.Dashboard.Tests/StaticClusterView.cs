using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Dashboard.State;

namespace MiniKube.Dashboard.Tests;

/// <summary>TEST DOUBLE of the informer-backed view for bUnit tests: objects put in by the test, and the same change signal.</summary>
public sealed class StaticClusterView : IClusterView
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, KubeObject>> _objects = new(StringComparer.Ordinal);

    public event Action<ResourceInfo>? Changed;

    public IReadOnlyList<ResourceInfo> Resources { get; } = [.. ResourceRegistry.All];

    public bool HasSynced(ResourceInfo resource) => true;

    public void Put(params KubeObject[] objects)
    {
        foreach (var obj in objects)
        {
            var resource = ResourceRegistry.ByType(obj.GetType());
            lock (_gate)
            {
                if (!_objects.TryGetValue(resource.Plural, out var items))
                {
                    _objects[resource.Plural] = items = new Dictionary<string, KubeObject>(StringComparer.Ordinal);
                }
                items[ObjectKeys.For(obj)] = obj;
            }
            Changed?.Invoke(resource);
        }
    }

    public IReadOnlyList<KubeObject> List(ResourceInfo resource)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource.Plural, out var items) ? [.. items.Values] : [];
        }
    }

    public KubeObject? Get(ResourceInfo resource, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource.Plural, out var items) ? items.GetValueOrDefault(ObjectKeys.For(resource.Namespaced ? ns : null, name)) : null;
        }
    }

    public IReadOnlyList<Event> EventsFor(KubeObject obj) =>
        [.. this.List<Event>().Where(e => e.InvolvedObject.Uid == obj.Metadata.Uid).OrderByDescending(ClusterStore.EventTime)];

    public IReadOnlyList<KubeObject> OwnedBy(string uid) =>
        [.. Resources.SelectMany(List).Where(o => o.Metadata.OwnerReferences?.Any(r => r.Uid == uid) == true)];

    public IReadOnlyList<Pod> PodsOn(string node) => [.. this.List<Pod>().Where(p => p.Spec?.NodeName == node)];
}
