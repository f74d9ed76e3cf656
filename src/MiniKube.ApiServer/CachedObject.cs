using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// An object as the API serves it: encoded once with its resourceVersion (the bytes every watcher and list shares),
/// with what selectors need (namespace, labels, fields) at hand.
/// </summary>
/// <remarks>
/// The watch cache keeps its entries <see cref="Compact"/>: without the decoded object graph, which it decodes again
/// (and keeps) only when someone asks for <see cref="Object"/>. Every cached object survives the garbage collections of
/// its first seconds, and copying a pod's ~70 small objects instead of a few arrays made those collections' pauses —
/// the API server's latency tail under a burst of creates — several times longer.
/// </remarks>
internal sealed class CachedObject
{
    private readonly Type _type;
    private KubeObject? _object;

    public CachedObject(string key, KubeObject obj, byte[] json, long revision, IReadOnlyDictionary<string, string> fields)
    {
        Key = key;
        _object = obj;
        _type = obj.GetType();
        Json = json;
        Revision = revision;
        Fields = fields;
        Namespace = obj.Metadata.Namespace;
        Labels = obj.Metadata.Labels;
    }

    private CachedObject(CachedObject source)
    {
        Key = source.Key;
        _type = source._type;
        Json = source.Json;
        Revision = source.Revision;
        Fields = source.Fields;
        Namespace = source.Namespace;
        Labels = source.Labels;
    }

    public string Key { get; }

    /// <summary>The decoded object (stamped with its resourceVersion); a compact entry decodes <see cref="Json"/> on first use.</summary>
    public KubeObject Object
    {
        get
        {
            var obj = Volatile.Read(ref _object);
            if (obj is null)
            {
                obj = (KubeObject)KubeSerializer.FromJson(Json, _type);
                obj = Interlocked.CompareExchange(ref _object, obj, null) ?? obj;
            }
            return obj;
        }
    }

    public byte[] Json { get; }

    public long Revision { get; }

    public IReadOnlyDictionary<string, string> Fields { get; }

    public string? Namespace { get; }

    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>The same entry without its decoded object graph (see the remarks above).</summary>
    public CachedObject Compact() => _object is null ? this : new CachedObject(this);
}

internal enum CacheEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change as the watch cache saw it; <see cref="Previous"/> lets watchers detect selector transitions.</summary>
internal readonly record struct CacheEvent(CacheEventType Type, CachedObject Object, CachedObject? Previous, long Revision)
{
    /// <summary>
    /// The event for one etcd event, for the watch cache and for a watch served from etcd alike: a put is Added or
    /// Modified by whether the object existed before it; a deletion of a known object is Deleted and, as Kubernetes
    /// delivers it, carries the object's last state at the deletion's version. Null for anything else (a put that
    /// could not be decoded, a deletion of an object never seen).
    /// </summary>
    public static CacheEvent? From(StorageEvent e, CachedObject? current, CachedObject? previous, ObjectCodec codec, ResourceInfo resource)
    {
        if (e.Type == StorageEventType.Put && current is not null)
        {
            return new CacheEvent(previous is null ? CacheEventType.Added : CacheEventType.Modified, current, previous, e.Revision);
        }
        if (e.Type == StorageEventType.Delete && previous is not null)
        {
            var last = previous.Revision == e.Revision ? previous : codec.WithRevision(resource, previous, e.Revision);
            return new CacheEvent(CacheEventType.Deleted, last, previous, e.Revision);
        }
        return null;
    }
}

/// <summary>An event ready for the wire.</summary>
internal readonly record struct OutgoingEvent(string Type, byte[] Json, long Revision);

/// <summary>What a list or watch asks for.</summary>
internal sealed record ObjectFilter(string? Namespace, Selector Labels, FieldSelector Fields)
{
    public static ObjectFilter All { get; } = new(null, Selector.Everything, FieldSelector.Everything);

    public bool Matches(CachedObject obj) =>
        (string.IsNullOrEmpty(Namespace) || obj.Namespace == Namespace)
        && Labels.Matches(obj.Labels)
        && Fields.Matches(obj.Fields);
}
