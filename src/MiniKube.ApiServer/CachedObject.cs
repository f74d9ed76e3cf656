using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// An object as the API serves it: decoded once (for selectors) and encoded once with its resourceVersion
/// (the bytes every watcher and list shares).
/// </summary>
internal sealed class CachedObject
{
    public CachedObject(string key, KubeObject obj, byte[] json, long revision, IReadOnlyDictionary<string, string> fields)
    {
        Key = key;
        Object = obj;
        Json = json;
        Revision = revision;
        Fields = fields;
    }

    public string Key { get; }

    public KubeObject Object { get; }

    public byte[] Json { get; }

    public long Revision { get; }

    public IReadOnlyDictionary<string, string> Fields { get; }

    public string? Namespace => Object.Metadata.Namespace;
}

internal enum CacheEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change as the watch cache saw it; <see cref="Previous"/> lets watchers detect selector transitions.</summary>
internal readonly record struct CacheEvent(CacheEventType Type, CachedObject Object, CachedObject? Previous, long Revision);

/// <summary>An event ready for the wire.</summary>
internal readonly record struct OutgoingEvent(string Type, byte[] Json, long Revision);

/// <summary>What a list or watch asks for.</summary>
internal sealed record ObjectFilter(string? Namespace, Selector Labels, FieldSelector Fields)
{
    public static ObjectFilter All { get; } = new(null, Selector.Everything, FieldSelector.Everything);

    public bool Matches(CachedObject obj) =>
        (string.IsNullOrEmpty(Namespace) || obj.Namespace == Namespace)
        && Labels.Matches(obj.Object.Metadata.Labels)
        && Fields.Matches(obj.Fields);
}
