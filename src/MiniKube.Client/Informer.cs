using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>What an informer watches.</summary>
public sealed record InformerOptions
{
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>
    /// First wait before retrying a failed list or watch (or re-listing after Gone); doubles per consecutive failure up to
    /// <see cref="MaxBackoff"/>, each wait jittered down to half, and starts again from here once a watch is established.
    /// </summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts: a server that is back is reached within this time.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(800);
}

/// <summary>What the factory needs of an informer of any kind.</summary>
public interface IInformer : IAsyncDisposable
{
    bool HasSynced { get; }

    void Start();

    Task WaitForSyncAsync(CancellationToken cancellationToken = default);
}

/// <summary>Receives an informer's changes. Called on the informer's own loop: keep it quick (enqueue a key).</summary>
public interface IInformerHandler<in T> where T : KubeObject
{
    void OnAdd(T obj, bool isInitialList);

    void OnUpdate(T oldObj, T newObj);

    void OnDelete(T obj);
}

/// <summary>
/// List, then watch from the list's version; on a dropped stream resume from the last version seen; on Gone re-list
/// (with jittered backoff) and report what disappeared meanwhile as deletions. Keeps an indexed local cache and
/// tells handlers about every change. One informer per kind and selector per process: see <see cref="InformerFactory"/>.
/// </summary>
public sealed partial class Informer<T> : IInformer where T : KubeObject
{
    private readonly MiniKubeClient _client;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _handlersGate = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private IInformerHandler<T>[] _handlers = [];
    private Task? _run;
    private string _resourceVersion = "";
    private long _relists;
    private long _watchesEstablished;
    private volatile bool _watching;
    private long _connectedSinceTicks;

    public Informer(MiniKubeClient client, InformerOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _client = client;
        _options = options ?? new InformerOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public InformerCache<T> Cache { get; } = new();

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The version of the last change applied (from a list, event or bookmark).</summary>
    public string LastResourceVersion => Volatile.Read(ref _resourceVersion);

    /// <summary>How many times the informer listed (1 after start; more after Gone).</summary>
    public long ListCount => Interlocked.Read(ref _relists);

    /// <summary>How many watches the server accepted (1 after start; one more per reconnect).</summary>
    public long WatchCount => Interlocked.Read(ref _watchesEstablished);

    /// <summary>
    /// True while a watch is established: the cache follows the server. False before the first watch and from the moment a
    /// watch breaks until the next one is accepted; meanwhile the cache may be stale.
    /// </summary>
    public bool IsWatching => _watching;

    /// <summary>When the current watch was established (the cache has followed the server since); null while not watching.</summary>
    public DateTimeOffset? WatchingSince => _watching ? new DateTimeOffset(Interlocked.Read(ref _connectedSinceTicks), TimeSpan.Zero) : null;

    /// <summary>For unit tests that seed the cache by hand: behave as if a watch had been established at <paramref name="since"/> (null: as if it broke).</summary>
    internal void SetWatchingForTest(DateTimeOffset? since)
    {
        Interlocked.Exchange(ref _connectedSinceTicks, since?.UtcTicks ?? 0);
        _watching = since is not null;
    }

    /// <summary>Registers a handler. Added after sync, it first receives the current objects as adds.</summary>
    public void AddHandler(IInformerHandler<T> handler)
    {
        lock (_handlersGate)
        {
            _handlers = [.. _handlers, handler];
            if (HasSynced)
            {
                foreach (var obj in Cache.List())
                {
                    handler.OnAdd(obj, isInitialList: true);
                }
            }
        }
    }

    public void AddHandler(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) =>
        AddHandler(new DelegateHandler(onAdd, onUpdate, onDelete));

    /// <summary>Starts the list/watch loop in the background (idempotent).</summary>
    public void Start()
    {
        lock (_handlersGate)
        {
            _run ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var backoff = _options.InitialBackoff;
        var needList = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(ct).ConfigureAwait(false);
                    needList = false;
                    backoff = _options.InitialBackoff;
                }
                await WatchAsync(ct, () => backoff = _options.InitialBackoff).ConfigureAwait(false);
                // The stream ended (server closed it, e.g. we fell behind or it stopped): resume from the last version.
                _watching = false;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                _watching = false;
                return;
            }
            catch (ApiException ex) when (ex.IsGone)
            {
                _watching = false;
                LogGone(_logger, typeof(T).Name, LastResourceVersion);
                needList = true;
                await DelayAsync(Jitter(backoff), ct).ConfigureAwait(false);
                backoff = Next(backoff);
            }
            catch (Exception ex) when (ex is ApiException or IOException or Grpc.Core.RpcException or DecodeException)
            {
                _watching = false;
                LogRetry(_logger, typeof(T).Name, ex.Message);
                await DelayAsync(Jitter(backoff), ct).ConfigureAwait(false);
                backoff = Next(backoff);
            }
        }
    }

    private async Task ListAsync(CancellationToken ct)
    {
        var resource = ResourceRegistry.For<T>();
        var (items, version) = await _client.ListAsync(resource, _options.Namespace, _options.LabelSelector, _options.FieldSelector, ct)
            .ConfigureAwait(false);
        Interlocked.Increment(ref _relists);
        var initial = !HasSynced;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (T obj in items)
        {
            seen.Add(ObjectKeys.For(obj));
            var old = Cache.Upsert(obj);
            if (old is null)
            {
                Dispatch(h => h.OnAdd(obj, initial));
            }
            else if (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
            {
                Dispatch(h => h.OnUpdate(old, obj));
            }
        }
        // Whatever we held that the fresh list lacks was deleted while we could not watch.
        foreach (var key in Cache.Keys())
        {
            if (!seen.Contains(key) && Cache.Remove(key) is { } gone)
            {
                Dispatch(h => h.OnDelete(gone));
            }
        }
        Volatile.Write(ref _resourceVersion, version);
        _synced.TrySetResult();
    }

    private async Task WatchAsync(CancellationToken ct, Action resetBackoff)
    {
        void Established()
        {
            resetBackoff();
            Interlocked.Exchange(ref _connectedSinceTicks, _time.GetUtcNow().UtcTicks);
            Interlocked.Increment(ref _watchesEstablished);
            _watching = true;
        }

        await foreach (var e in _client.WatchAsync<T>(_options.Namespace, _options.LabelSelector, _options.FieldSelector, LastResourceVersion,
                           allowBookmarks: true, ct, Established).ConfigureAwait(false))
        {
            var obj = e.Object;
            switch (e.Type)
            {
                case WatchEventTypes.Added:
                case WatchEventTypes.Modified:
                    var old = Cache.Upsert(obj);
                    if (old is null)
                    {
                        Dispatch(h => h.OnAdd(obj, false));
                    }
                    else
                    {
                        Dispatch(h => h.OnUpdate(old, obj));
                    }
                    break;
                case WatchEventTypes.Deleted:
                    Cache.Remove(ObjectKeys.For(obj));
                    Dispatch(h => h.OnDelete(obj));
                    break;
            }
            if (obj.Metadata.ResourceVersion is { Length: > 0 } rv)
            {
                Volatile.Write(ref _resourceVersion, rv);
            }
        }
    }

    private void Dispatch(Action<IInformerHandler<T>> call)
    {
        IInformerHandler<T>[] handlers;
        lock (_handlersGate)
        {
            handlers = _handlers;
        }
        foreach (var handler in handlers)
        {
            try
            {
                call(handler);
            }
            catch (Exception ex)
            {
                // A faulty handler must not stop the informer for everyone else.
                LogHandlerFailed(_logger, typeof(T).Name, ex);
            }
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping; the loop checks the token next.
        }
    }

    private TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));

    /// <summary>Between half the back-off and all of it: clients that lost the same server do not come back in step.</summary>
    private static TimeSpan Jitter(TimeSpan backoff) => backoff * (0.5 + (Random.Shared.NextDouble() * 0.5));

    private sealed class DelegateHandler(Action<T>? onAdd, Action<T, T>? onUpdate, Action<T>? onDelete) : IInformerHandler<T>
    {
        public void OnAdd(T obj, bool isInitialList) => onAdd?.Invoke(obj);

        public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

        public void OnDelete(T obj) => onDelete?.Invoke(obj);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} informer: version {Version} is gone, re-listing")]
    private static partial void LogGone(ILogger logger, string kind, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} informer: list/watch failed, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} informer: a handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, string kind, Exception exception);
}
