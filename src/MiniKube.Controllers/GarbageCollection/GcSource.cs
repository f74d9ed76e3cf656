using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.GarbageCollection;

/// <summary>One kind the garbage collector watches, seen without its type: lookups and dependents by owner uid.</summary>
internal interface IGcSource
{
    ResourceInfo Resource { get; }

    KubeObject? Get(string? ns, string name);

    IEnumerable<KubeObject> DependentsOf(string ownerUid);

    IEnumerable<KubeObject> All();
}

/// <summary>An <see cref="IGcSource"/> over a shared informer; tells the collector about every change of its kind.</summary>
internal sealed class GcSource<T> : IGcSource where T : KubeObject
{
    private readonly InformerCache<T> _cache;

    public GcSource(Informer<T> informer, Action<IGcSource, KubeObject?, KubeObject?> changed)
    {
        _cache = informer.Cache;
        Indexes.EnsureOwnerUid(_cache);
        informer.AddHandler(
            onAdd: o => changed(this, null, o),
            onUpdate: (old, o) => changed(this, old, o),
            onDelete: o => changed(this, o, null));
    }

    public ResourceInfo Resource { get; } = ResourceRegistry.For<T>();

    public KubeObject? Get(string? ns, string name) => _cache.Get(ns, name);

    public IEnumerable<KubeObject> DependentsOf(string ownerUid) => _cache.ByIndex(Indexes.OwnerUid, ownerUid);

    public IEnumerable<KubeObject> All() => _cache.List();
}
