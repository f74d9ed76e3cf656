using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// The pod workers of one node: pods of the node (from the informer) are queued by UID and synced concurrently — one
/// worker per pod as in Kubernetes, or at most <see cref="KubeletOptions.EffectivePodWorkers"/> at once — never two syncs
/// of one pod at a time. Syncs are triggered by spec/deletion changes, container deaths (runtime events), probe
/// changes, requested re-checks (back-off expiry) and a periodic resync; housekeeping removes containers and volumes
/// of pods the API no longer has.
/// </summary>
internal sealed partial class PodWorkers : IInformerHandler<Pod>, IAsyncDisposable
{
    private readonly string _node;
    private readonly KubeletOptions _options;
    private readonly Informer<Pod> _informer;
    private readonly IContainerRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Pod> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pod> _deleted = new(StringComparer.Ordinal);
    // Pods that arrived by watch (not the initial list after a start): they cannot have containers yet.
    private readonly ConcurrentDictionary<string, bool> _fresh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _syncs = new(StringComparer.Ordinal);
    private readonly WorkQueue<string> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<string, Task> _syncing = new(StringComparer.Ordinal);
    private SemaphoreSlim? _slots;
    private PodSyncer? _syncer;

    public PodWorkers(string node, KubeletOptions options, Informer<Pod> informer, IContainerRuntime runtime, TimeProvider time, ILogger logger)
    {
        _node = node;
        _options = options;
        _informer = informer;
        _runtime = runtime;
        _time = time;
        _logger = logger;
        _queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(30) }, time);
    }

    /// <summary>Called when the runtime reports that a container started (the stats collector begins its stream then).</summary>
    public Action? ContainerStarted { get; init; }

    /// <summary>The node's pods as last seen, by UID.</summary>
    public IReadOnlyCollection<Pod> Pods => [.. _pods.Values];

    public IContainerRuntime Runtime => _runtime;

    public string NodeName => _node;

    /// <summary>How many syncs of the pod completed (tests wait on it instead of sleeping).</summary>
    public long SyncCount(string uid) => _syncs.GetValueOrDefault(uid);

    public Pod? FindPod(string ns, string name) => _pods.Values.FirstOrDefault(p => p.Metadata.Namespace == ns && p.Metadata.Name == name);

    public void Start(PodSyncer syncer)
    {
        _syncer = syncer;
        _informer.AddHandler(this);
        var limit = _options.EffectivePodWorkers;
        _slots = limit > 0 ? new SemaphoreSlim(limit, limit) : null;
        _loops.Add(Task.Run(() => DispatchAsync(_slots, _stop.Token)));
        _loops.Add(Task.Run(() => RuntimeEventsAsync(_stop.Token)));
        _loops.Add(Task.Run(() => ResyncAsync(_stop.Token)));
        _loops.Add(Task.Run(() => HousekeepingAsync(_stop.Token)));
    }

    /// <summary>Asks for a sync of the pod soon (probe results, runtime events).</summary>
    public void Enqueue(string uid) => _queue.Add(uid);

    public void OnAdd(Pod obj, bool isInitialList)
    {
        if (obj.Spec?.NodeName != _node || obj.Metadata.Uid is not { } uid)
        {
            return;
        }
        if (!isInitialList && !_pods.ContainsKey(uid))
        {
            _fresh[uid] = true;
        }
        _pods[uid] = obj;
        _queue.Add(uid);
    }

    public void OnUpdate(Pod oldObj, Pod newObj)
    {
        if (newObj.Metadata.Uid is not { } uid)
        {
            return;
        }
        if (newObj.Spec?.NodeName != _node)
        {
            if (_pods.TryRemove(uid, out var gone))
            {
                _deleted[uid] = gone;
                _queue.Add(uid);
            }
            return;
        }
        var known = _pods.ContainsKey(uid);
        _pods[uid] = newObj;
        // Our own status writes come back here too; only what changes the desired state needs a sync.
        var o = oldObj.Metadata;
        var n = newObj.Metadata;
        if (!known || o.Generation != n.Generation || o.DeletionTimestamp != n.DeletionTimestamp || o.DeletionGracePeriodSeconds != n.DeletionGracePeriodSeconds
            || oldObj.Spec?.NodeName != newObj.Spec?.NodeName || (oldObj.Status?.Phase != newObj.Status?.Phase && newObj.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed))
        {
            _queue.Add(uid);
        }
        if (oldObj.Status?.Phase != newObj.Status?.Phase && newObj.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            RetryDeferredResizes();
        }
    }

    public void OnDelete(Pod obj)
    {
        if (obj.Metadata.Uid is not { } uid || (obj.Spec?.NodeName != _node && !_pods.ContainsKey(uid)))
        {
            return;
        }
        _pods.TryRemove(uid, out _);
        _deleted[uid] = obj;
        _queue.Add(uid);
        RetryDeferredResizes();
    }

    /// <summary>A pod left the node: resizes that waited for room (PodResizePending Deferred) are tried again.</summary>
    private void RetryDeferredResizes()
    {
        foreach (var (uid, pod) in _pods)
        {
            if (ResizeStatus.IsDeferred(pod))
            {
                _queue.Add(uid);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.ShutDown();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await Task.WhenAll(_syncing.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
        if (_syncing.IsEmpty)
        {
            // A sync still running after the timeout releases its slot later.
            _slots?.Dispose();
        }
        _queue.Dispose();
        _stop.Dispose();
    }

    /// <summary>Hands each queued pod to a sync of its own, holding a slot when the number of workers is limited.</summary>
    private async Task DispatchAsync(SemaphoreSlim? slots, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                if (slots is not null)
                {
                    await slots.WaitAsync(ct).ConfigureAwait(false);
                }
                var (ok, uid) = await _queue.TryGetAsync(ct).ConfigureAwait(false);
                if (!ok)
                {
                    return;
                }
                // Registered before it starts, and the UID is handed to the queue's Done only after it is unregistered: the
                // queue gives a UID out again only after Done, so one pod never syncs twice at once.
                var sync = new Task<Task>(async () =>
                {
                    try
                    {
                        await SyncOneAsync(uid, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        _syncing.TryRemove(uid, out _);
                        slots?.Release();
                        _queue.Done(uid);
                    }
                });
                _syncing[uid] = sync.Unwrap();
                sync.Start(TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SyncOneAsync(string uid, CancellationToken ct)
    {
        try
        {
            _pods.TryGetValue(uid, out var pod);
            _deleted.TryGetValue(uid, out var lastKnown);
            var fresh = _fresh.TryRemove(uid, out _) && pod is not null;
            var requeue = await _syncer!.SyncAsync(uid, pod, lastKnown, fresh, ct).ConfigureAwait(false);
            if (pod is null)
            {
                _deleted.TryRemove(uid, out _);
            }
            _syncs.AddOrUpdate(uid, 1, (_, n) => n + 1);
            _queue.Forget(uid);
            if (requeue is { } delay)
            {
                _queue.AddAfter(uid, delay);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogSyncFailed(_logger, uid, ex.Message, ex);
            _queue.AddRateLimited(uid);
        }
    }

    private async Task RuntimeEventsAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _runtime.WatchEventsAsync(ct).ConfigureAwait(false))
                {
                    delay = TimeSpan.FromMilliseconds(500);
                    if (e.Action == "start")
                    {
                        ContainerStarted?.Invoke();
                    }
                    // "update": the container's resources changed (docker update); the sync re-reads them and brings them back to the spec.
                    if (e.Action is "die" or "oom" or "update" || e.Action.StartsWith("health_status", StringComparison.Ordinal))
                    {
                        _queue.Add(e.PodUid);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogEventsBroken(_logger, ex.Message);
            }
            try
            {
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            // Events may have been missed while the stream was down.
            foreach (var uid in _pods.Keys)
            {
                _queue.Add(uid);
            }
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.SyncFrequency, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var uid in _pods.Keys)
            {
                _queue.Add(uid);
            }
        }
    }

    private async Task HousekeepingAsync(CancellationToken ct)
    {
        try
        {
            await _informer.WaitForSyncAsync(ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await CollectOrphansAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHousekeepingFailed(_logger, ex.Message);
                }
                await Task.Delay(_options.HousekeepingInterval, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Containers and pod directories of this node whose pod the API does not have are synced away.</summary>
    internal async Task CollectOrphansAsync(CancellationToken ct)
    {
        var containers = await _runtime.ListContainersAsync(null, ct).ConfigureAwait(false);
        var orphans = containers.Select(c => c.PodUid).Where(uid => !_pods.ContainsKey(uid)).ToHashSet(StringComparer.Ordinal);
        foreach (var uid in _syncer?.Volumes.PodUidsOnDisk() ?? [])
        {
            if (!_pods.ContainsKey(uid))
            {
                orphans.Add(uid);
            }
        }
        foreach (var uid in orphans)
        {
            LogOrphan(_logger, uid);
            _queue.Add(uid);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of pod {Uid} failed, retrying: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string uid, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runtime event stream broke, reconnecting: {Reason}")]
    private static partial void LogEventsBroken(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Housekeeping failed: {Reason}")]
    private static partial void LogHousekeepingFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pod {Uid} has containers or volumes here but is not in the API: cleaning up")]
    private static partial void LogOrphan(ILogger logger, string uid);
}
