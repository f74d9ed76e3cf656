using System.Runtime.CompilerServices;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// The one watch implementation behind both wires: events from the resource's watch cache (snapshot or replay, then
/// live), or straight from etcd for a version older than the cache's ring. Gone (410) surfaces as a
/// <see cref="StorageException"/> with <see cref="StorageErrorCode.Gone"/>.
/// </summary>
internal sealed partial class WatchStreams(WatchCacheSet caches, IObjectStore store, ObjectCodec codec, ILogger<WatchStreams> logger)
{
    private static readonly TimeSpan CacheSyncWait = TimeSpan.FromSeconds(30);

    public async IAsyncEnumerable<OutgoingEvent> WatchAsync(
        ResourceInfo resource, ObjectFilter filter, long? from, bool bookmarks, [EnumeratorCancellation] CancellationToken ct,
        Func<Task>? registered = null, bool initialEventsEnd = false)
    {
        var cache = caches.For(resource);
        await cache.Synced.WaitAsync(CacheSyncWait, ct).ConfigureAwait(false);
        var watcher = cache.Watch(filter, from, bookmarks);
        // The caller may tell its client the watch is in place (gRPC sends the response headers: the client resets its
        // back-off and trusts its cache from now on).
        registered ??= static () => Task.CompletedTask;
        if (watcher is null)
        {
            LogDirectWatch(logger, resource.Plural, from!.Value);
            await registered().ConfigureAwait(false);
            await foreach (var e in WatchStoreAsync(resource, filter, from.Value, ct).ConfigureAwait(false))
            {
                yield return e;
            }
            yield break;
        }
        try
        {
            await registered().ConfigureAwait(false);
            foreach (var e in watcher.Initial)
            {
                yield return e;
            }
            if (initialEventsEnd && from is null)
            {
                // A watch-list (sendInitialEvents=true) learns that the initial state is complete from this bookmark.
                yield return new OutgoingEvent(WatchEventTypes.Bookmark, codec.EncodeBookmark(resource, watcher.MinRevision, initialEventsEnd: true), watcher.MinRevision);
            }
            await foreach (var e in watcher.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            cache.Unregister(watcher);
        }
    }

    /// <summary>
    /// A watch-list whose initial state must be consistent (no resourceVersion): <paramref name="items"/>, a consistent
    /// list at <paramref name="revision"/> (the watch cache may not have applied a write that was already answered), as
    /// ADDED events, the bookmark that ends them, then every change after that revision.
    /// </summary>
    public async IAsyncEnumerable<OutgoingEvent> WatchListAsync(ResourceInfo resource, ObjectFilter filter, IReadOnlyList<CachedObject> items,
        long revision, bool bookmarks, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var item in items.OrderBy(i => i.Revision))
        {
            yield return new OutgoingEvent(WatchEventTypes.Added, item.Json, item.Revision);
        }
        yield return new OutgoingEvent(WatchEventTypes.Bookmark, codec.EncodeBookmark(resource, revision, initialEventsEnd: true), revision);
        await foreach (var e in WatchAsync(resource, filter, revision, bookmarks, ct).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>The newest revision the resource's watch cache has seen: "now" for a watch that wants no initial state.</summary>
    public long CurrentRevision(ResourceInfo resource) => caches.For(resource).Revision;

    /// <summary>Waits (up to 3 s, as Kubernetes does) until the resource's watch cache has seen <paramref name="revision"/>.</summary>
    public Task<bool> WaitForRevisionAsync(ResourceInfo resource, long revision, CancellationToken ct) =>
        caches.For(resource).WaitForRevisionAsync(revision, TimeSpan.FromSeconds(3), ct);

    /// <summary>For a version older than the cache's ring: watch etcd itself (Gone if etcd compacted it).</summary>
    private async IAsyncEnumerable<OutgoingEvent> WatchStoreAsync(ResourceInfo resource, ObjectFilter filter, long from, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in store.WatchAsync(resource.Plural + "/", from, ct).ConfigureAwait(false))
        {
            var previous = e.PrevValue.IsEmpty ? null : codec.FromStorage(resource, e.Key, e.PrevValue, e.Revision);
            var current = e.Type == StorageEventType.Put ? codec.FromStorage(resource, e.Key, e.Value, e.Revision) : null;
            if (CacheEvent.From(e, current, previous, codec, resource) is not { } change)
            {
                continue;
            }
            var type = CacheWatcher.Translate(change, filter);
            if (type is not null)
            {
                yield return new OutgoingEvent(type, change.Object.Json, e.Revision);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource} from {Revision} is older than the watch cache; serving it from etcd")]
    private static partial void LogDirectWatch(ILogger logger, string resource, long revision);
}

/// <summary>Parses the label and field selectors of a list or watch (both wires), refusing fields the kind cannot select on.</summary>
internal static class ObjectFilters
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> SupportedFields = new();

    public static ObjectFilter Parse(ResourceInfo resource, string? ns, string? labelSelector, string? fieldSelector)
    {
        Selector labels;
        FieldSelector fields;
        try
        {
            labels = Selector.Parse(labelSelector ?? "");
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"unable to parse requirement: {ex.Message}");
        }
        try
        {
            fields = FieldSelector.Parse(fieldSelector ?? "");
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"invalid field selector: {ex.Message}");
        }
        var supported = SupportedFields.GetOrAdd(resource.Plural, _ => resource.Fields((KubeObject)Activator.CreateInstance(resource.Type)!).Keys.ToHashSet());
        foreach (var requirement in fields.Requirements)
        {
            if (!supported.Contains(requirement.Field))
            {
                throw ApiException.BadRequest($"field label not supported: {requirement.Field}");
            }
        }
        return new ObjectFilter(resource.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null, labels, fields);
    }
}
