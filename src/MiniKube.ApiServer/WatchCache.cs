using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// The API server's view of one resource type: a single etcd watch kept in memory (current objects plus a ring of
/// recent events) and fanned out to every client watch. Each etcd event is decoded and encoded once, however many
/// watchers there are.
/// </summary>
internal sealed partial class WatchCache
{
    private readonly IObjectStore _store;
    private readonly ObjectCodec _codec;
    private readonly ApiServerOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CachedObject> _items = new(StringComparer.Ordinal);
    private readonly CacheEvent[] _ring;
    private readonly HashSet<CacheWatcher> _watchers = [];
    private readonly Dictionary<string, PendingWrite> _written = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ringStart;
    private int _ringCount;
    private long _revision;
    private long _oldestRevision;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WatchCache(ResourceInfo resource, IObjectStore store, ObjectCodec codec, ApiServerOptions options, ILogger logger)
    {
        Resource = resource;
        _store = store;
        _codec = codec;
        _options = options;
        _logger = logger;
        _ring = new CacheEvent[options.WatchCacheCapacity];
    }

    public ResourceInfo Resource { get; }

    public Task Synced => _synced.Task;

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    public int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Keeps the cache in step with etcd until <paramref name="stopping"/>: list, then watch; resume or re-list on failure.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var prefix = Resource.Plural + "/";
        var needList = true;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    var list = await _store.ListAsync(prefix, stopping).ConfigureAwait(false);
                    Reset(list);
                    needList = false;
                    _synced.TrySetResult();
                }
                long from;
                lock (_gate)
                {
                    from = _revision;
                }
                await foreach (var e in _store.WatchAsync(prefix, from, stopping).ConfigureAwait(false))
                {
                    Apply(e);
                    backoff = TimeSpan.FromMilliseconds(100);
                }
            }
            catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or StorageException)
            {
                // Stopping: the etcd watch ends as a cancelled call, not a lost watch.
                break;
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Gone)
            {
                LogRelist(_logger, Resource.Plural, ex.Message);
                needList = true;
            }
            catch (Exception ex) when (ex is StorageException or IOException)
            {
                LogWatchBroken(_logger, Resource.Plural, ex.Message);
                try
                {
                    await Task.Delay(backoff, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Close();
            }
            _watchers.Clear();
        }
    }

    /// <summary>Objects matching <paramref name="filter"/> if the cache has caught up with <paramref name="atLeast"/>; else null.</summary>
    public (List<CachedObject> Items, long Revision)? TryList(ObjectFilter filter, long atLeast)
    {
        lock (_gate)
        {
            if (!_synced.Task.IsCompleted || _revision < atLeast)
            {
                return null;
            }
            var items = new List<CachedObject>();
            foreach (var item in _items.Values)
            {
                if (filter.Matches(item))
                {
                    items.Add(item);
                }
            }
            return (items, _revision);
        }
    }

    /// <summary>
    /// Announces a write this server is about to make of <paramref name="stored"/> (the encoding of
    /// <paramref name="unversioned"/>, an object without a resourceVersion), before it goes to etcd: the write's etcd event
    /// often arrives before the write's own reply, and then finds the object here instead of decoding the bytes again.
    /// Used only for an event at that key whose value equals <paramref name="stored"/>. The writer must end it with
    /// <see cref="CompleteWrite"/> or, when the write failed, <see cref="AbandonWrite"/>: at most one per key waits here.
    /// </summary>
    public PendingWrite ExpectWrite(string key, KubeObject unversioned, byte[] stored)
    {
        var pending = new PendingWrite(key, unversioned, stored);
        lock (_gate)
        {
            _written[key] = pending;
        }
        return pending;
    }

    /// <summary>The write is stored: its event, if it has not arrived yet, takes the reply's entry (no second stamp).</summary>
    public void CompleteWrite(PendingWrite pending, CachedObject served)
    {
        lock (_gate)
        {
            if (_written.TryGetValue(pending.Key, out var waiting) && ReferenceEquals(waiting, pending))
            {
                if (served.Revision > _revision)
                {
                    pending.Served = served;
                }
                else
                {
                    // The cache has passed the write's revision: its event went by (matched or superseded).
                    _written.Remove(pending.Key);
                }
            }
        }
    }

    /// <summary>The write failed (or its outcome is unknown): the announcement is withdrawn; an event still decodes.</summary>
    public void AbandonWrite(PendingWrite pending)
    {
        lock (_gate)
        {
            if (_written.TryGetValue(pending.Key, out var waiting) && ReferenceEquals(waiting, pending))
            {
                _written.Remove(pending.Key);
            }
        }
    }

    /// <summary>
    /// Offers the entry a write through this server just stored (the one its reply is made of), with the exact bytes it
    /// stored, for writes that could not announce themselves with <see cref="ExpectWrite"/> (their bytes are made inside
    /// the etcd transaction's preparation). Ignored once the cache has passed the revision.
    /// </summary>
    public void OfferWritten(CachedObject served, byte[] stored)
    {
        lock (_gate)
        {
            if (served.Revision > _revision)
            {
                _written[served.Key] = new PendingWrite(served.Key, null, stored) { Served = served };
            }
        }
    }

    /// <summary>Offers not yet matched by their etcd event (for tests: the hand-off stays bounded).</summary>
    internal int PendingWrittenCount
    {
        get
        {
            lock (_gate)
            {
                return _written.Count;
            }
        }
    }

    public CachedObject? TryGet(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits (bounded) until the cache has seen <paramref name="revision"/>; false on timeout.</summary>
    public async Task<bool> WaitForRevisionAsync(long revision, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task advanced;
            lock (_gate)
            {
                if (_revision >= revision)
                {
                    return true;
                }
                advanced = _advanced.Task;
            }
            try
            {
                await advanced.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Registers a watcher. <paramref name="fromRevision"/> null: the current state as ADDED, then changes.
    /// Otherwise every change after it, replayed from the ring. Returns null when the ring no longer reaches back
    /// that far (the caller then watches etcd directly).
    /// </summary>
    public CacheWatcher? Watch(ObjectFilter filter, long? fromRevision, bool bookmarks)
    {
        lock (_gate)
        {
            if (fromRevision is { } from && from < _oldestRevision)
            {
                return null;
            }
            var initial = new List<OutgoingEvent>();
            long minRevision;
            if (fromRevision is null)
            {
                foreach (var item in _items.Values)
                {
                    if (filter.Matches(item))
                    {
                        initial.Add(new OutgoingEvent(WatchEventTypes.Added, item.Json, item.Revision));
                    }
                }
                initial.Sort(static (a, b) => a.Revision.CompareTo(b.Revision));
                minRevision = _revision;
            }
            else
            {
                for (var i = 0; i < _ringCount; i++)
                {
                    ref readonly var e = ref _ring[(_ringStart + i) % _ring.Length];
                    if (e.Revision <= fromRevision.Value)
                    {
                        continue;
                    }
                    var type = CacheWatcher.Translate(e, filter);
                    if (type is not null)
                    {
                        initial.Add(new OutgoingEvent(type, e.Object.Json, e.Revision));
                    }
                }
                // A client may hold a version newer than the cache (read straight from etcd); skip what it has seen.
                minRevision = Math.Max(fromRevision.Value, _revision);
            }
            var watcher = new CacheWatcher(filter, minRevision, bookmarks, _options.WatcherBufferCapacity, initial);
            _watchers.Add(watcher);
            return watcher;
        }
    }

    public void Unregister(CacheWatcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
        watcher.Close();
    }

    /// <summary>
    /// Sends a bookmark to every watcher that asked for one. It carries the newest version the watcher is known to be
    /// current at: the cache's, or the watcher's own start version when that is newer (a list read straight from etcd).
    /// </summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            if (_watchers.Count == 0)
            {
                return;
            }
            var encoded = new Dictionary<long, OutgoingEvent>();
            foreach (var watcher in _watchers)
            {
                if (!watcher.Bookmarks)
                {
                    continue;
                }
                var revision = Math.Max(_revision, watcher.MinRevision);
                if (!encoded.TryGetValue(revision, out var bookmark))
                {
                    bookmark = new OutgoingEvent(WatchEventTypes.Bookmark, _codec.EncodeBookmark(Resource, revision), revision);
                    encoded[revision] = bookmark;
                }
                watcher.OfferBookmark(bookmark);
            }
        }
    }

    private void Reset(StoredList list)
    {
        var decoded = new List<CachedObject>(list.Items.Count);
        foreach (var item in list.Items)
        {
            var cached = TryDecode(item.Key, item.Value, item.ModRevision);
            if (cached is not null)
            {
                decoded.Add(cached);
            }
        }
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                // Their view may now have gaps; closing makes clients resume (and re-list if needed).
                watcher.Close();
            }
            _watchers.Clear();
            _items.Clear();
            _written.Clear();
            foreach (var item in decoded)
            {
                _items[item.Key] = item;
            }
            _ringStart = 0;
            _ringCount = 0;
            _revision = list.Revision;
            _oldestRevision = list.Revision;
            SignalAdvanced();
        }
    }

    private void Apply(StorageEvent e)
    {
        CachedObject? current = null;
        if (e.Type == StorageEventType.Put)
        {
            current = TakeWritten(e) ?? TryDecode(e.Key, e.Value, e.Revision);
            if (current is null)
            {
                return;
            }
        }
        else if (e.Type != StorageEventType.Delete)
        {
            return;
        }

        lock (_gate)
        {
            if (_written.TryGetValue(e.Key, out var offered) && offered.Served is { } served && served.Revision <= e.Revision)
            {
                // A completed write offered after TakeWritten looked, or one this event supersedes. A write still in flight
                // stays: this event is an earlier one at its key.
                _written.Remove(e.Key);
            }
            _items.TryGetValue(e.Key, out var previous);
            if (CacheEvent.From(e, current, previous, _codec, Resource) is not { } cacheEvent)
            {
                // A deletion of an object the cache never held: only the revision moves on.
                _revision = Math.Max(_revision, e.Revision);
                SignalAdvanced();
                return;
            }
            if (current is not null)
            {
                _items[e.Key] = current;
            }
            else
            {
                _items.Remove(e.Key);
            }
            Append(cacheEvent);
            _revision = e.Revision;
            List<CacheWatcher>? dropped = null;
            foreach (var watcher in _watchers)
            {
                if (!watcher.Offer(cacheEvent))
                {
                    (dropped ??= []).Add(watcher);
                }
            }
            if (dropped is not null)
            {
                foreach (var watcher in dropped)
                {
                    _watchers.Remove(watcher);
                    LogSlowWatcher(_logger, Resource.Plural);
                }
            }
            SignalAdvanced();
        }
    }

    private void Append(in CacheEvent e)
    {
        if (_ringCount < _ring.Length)
        {
            _ring[(_ringStart + _ringCount) % _ring.Length] = e;
            _ringCount++;
            return;
        }
        // Full: the oldest event falls out and the ring now covers only what follows it.
        _oldestRevision = _ring[_ringStart].Revision;
        _ring[_ringStart] = e;
        _ringStart = (_ringStart + 1) % _ring.Length;
    }

    private void SignalAdvanced()
    {
        var previous = _advanced;
        _advanced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    /// <summary>
    /// The cache entry for a put this server wrote, without decoding: the reply's entry when the write has completed at
    /// this revision, else the written object stamped with the event's revision (the served JSON spliced from the event's
    /// bytes exactly as <see cref="ObjectCodec.FromStorage"/> does). Used only when the event carries the very bytes
    /// written, so it is the entry decoding would have made.
    /// </summary>
    private CachedObject? TakeWritten(StorageEvent e)
    {
        PendingWrite? offered;
        lock (_gate)
        {
            if (!_written.TryGetValue(e.Key, out offered) || !e.Value.Span.SequenceEqual(offered.Stored))
            {
                return null;
            }
            _written.Remove(e.Key);
        }
        if (offered.Served is { } served && served.Revision == e.Revision)
        {
            return served.Compact();
        }
        return offered.Object is { } obj ? _codec.Stamp(Resource, e.Key, obj, e.Revision, e.Value.Span).Compact() : null;
    }

    private CachedObject? TryDecode(string key, ReadOnlyMemory<byte> value, long revision)
    {
        try
        {
            return _codec.FromStorage(Resource, key, value, revision).Compact();
        }
        catch (Exception ex) when (ex is DecodeException or System.Text.Json.JsonException)
        {
            LogUndecodable(_logger, key, ex.Message);
            return null;
        }
    }

    /// <summary>A write through this server whose etcd event has not been applied yet (see <see cref="ExpectWrite"/>).</summary>
    internal sealed class PendingWrite(string key, KubeObject? unversioned, byte[] stored)
    {
        public string Key { get; } = key;

        public KubeObject? Object { get; } = unversioned;

        public byte[] Stored { get; } = stored;

        /// <summary>Set under the cache's lock once the write is stored.</summary>
        public CachedObject? Served { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch cache for {Resource} re-lists: {Reason}")]
    private static partial void LogRelist(ILogger logger, string resource, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch cache for {Resource} lost its etcd watch, resuming: {Reason}")]
    private static partial void LogWatchBroken(ILogger logger, string resource, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed a {Resource} watcher that fell too far behind")]
    private static partial void LogSlowWatcher(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipping undecodable object at {Key}: {Reason}")]
    private static partial void LogUndecodable(ILogger logger, string key, string reason);
}
