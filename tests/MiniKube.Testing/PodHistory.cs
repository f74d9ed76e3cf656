using System.Text.Json;
using MiniKube.Storage;

namespace MiniKube.Testing;

/// <summary>
/// Every change to the pods in etcd from a given revision on, read from etcd's own watch (its history, not the API server's
/// view): so it sees every pod ever created, also those whose create reply an API-server crash lost, and it survives any
/// component's crash but etcd's. Counts pods per value of one label: how many were ever created, how many exist now and
/// the most that existed at once, and how often each pod's <c>spec.nodeName</c> was set.
/// </summary>
public sealed class PodHistory : IAsyncDisposable
{
    private readonly EtcdObjectStore _store;
    private readonly string _label;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _created = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _maxLive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _bindings = new(StringComparer.Ordinal);
    private readonly List<(string Value, int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Task _follow;
    private long _revision;

    private PodHistory(EtcdObjectStore store, string label, long revision)
    {
        _store = store;
        _label = label;
        _revision = revision;
        _follow = Task.Run(FollowAsync);
    }

    /// <summary>Set when the watch failed for another reason than the end of the test.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The last etcd revision seen.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Starts following the pods of an API server storing under <paramref name="prefix"/> from etcd's current revision.</summary>
    public static async Task<PodHistory> StartAsync(string etcdEndpoint, string label, string prefix = "/registry", CancellationToken cancellationToken = default)
    {
        var store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [etcdEndpoint], Prefix = prefix });
        var revision = await store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
        return new PodHistory(store, label, revision);
    }

    /// <summary>
    /// Completes as soon as the history has seen <paramref name="count"/> pods with this label value created: the moment
    /// the watch delivers the create, not the next poll, so a fault can land in the middle of a fast scale-up.
    /// </summary>
    public Task WhenCreatedAsync(string value, int count)
    {
        lock (_lock)
        {
            if (_created.GetValueOrDefault(value) >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((value, count, done));
            return done.Task;
        }
    }

    /// <summary>Pods ever created with this label value; throws once the history's watch has failed, so waits end early.</summary>
    public int Created(string value) => Read(() => _created.GetValueOrDefault(value));

    public int MaxLive(string value) => Read(() => _maxLive.GetValueOrDefault(value));

    public int Live(string value) => Read(() => _live.Values.Count(v => v == value));

    /// <summary>Every pod (namespace/name) whose node was set more than once or changed, with the nodes in order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> BoundMoreThanOnce() =>
        Read(() => _bindings.Where(b => b.Value.Count > 1).ToDictionary(b => b.Key, b => (IReadOnlyList<string>)[.. b.Value], StringComparer.Ordinal));

    /// <summary>How many pods ever got a node.</summary>
    public int BoundPods() => Read(() => _bindings.Count);

    /// <summary>Waits until the history has caught up with etcd's revision as of now.</summary>
    public async Task CatchUpAsync(TimeSpan timeout)
    {
        var target = await _store.GetRevisionAsync().ConfigureAwait(false);
        await Eventually.WaitAsync(() => Task.FromResult(Revision >= target || Failure is not null), timeout, $"the pod history to reach revision {target}")
            .ConfigureAwait(false);
        if (Failure is { } failure)
        {
            throw new InvalidOperationException("the pod history's etcd watch failed", failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _follow.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _store.Dispose();
        _stop.Dispose();
    }

    private T Read<T>(Func<T> read)
    {
        if (Failure is { } failure)
        {
            throw new InvalidOperationException("the pod history's etcd watch failed", failure);
        }
        lock (_lock)
        {
            return read();
        }
    }

    private async Task FollowAsync()
    {
        // etcd itself may be restarted by a test: resume after the last revision seen, so no change is missed or counted twice.
        // The watch covers every key, not just the pods: the node Leases' renewals move the revision on, so a catch-up to
        // a revision that was not a pod change ends (etcd's own progress notifications come only every 10 minutes).
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _store.WatchAsync("", Revision, progressNotify: true, _stop.Token).ConfigureAwait(false))
                {
                    Apply(e);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Unavailable)
            {
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Failure = ex;
                return;
            }
        }
    }

    private void Apply(StorageEvent e)
    {
        lock (_lock)
        {
            if (!e.Key.StartsWith("pods/", StringComparison.Ordinal))
            {
                // Not a pod: only the revision moves on.
            }
            else if (e.Type == StorageEventType.Put)
            {
                using var pod = JsonDocument.Parse(e.Value);
                var metadata = pod.RootElement.GetProperty("metadata");
                var key = metadata.GetProperty("namespace").GetString() + "/" + metadata.GetProperty("name").GetString();
                var value = metadata.TryGetProperty("labels", out var labels) && labels.TryGetProperty(_label, out var v) ? v.GetString() ?? "" : "";
                if (e.IsCreate)
                {
                    _created[value] = _created.GetValueOrDefault(value) + 1;
                    _bindings.Remove(key);
                    _waiters.RemoveAll(w => w.Value == value && _created[value] >= w.Count && w.Done.TrySetResult());
                }
                _live[key] = value;
                _maxLive[value] = Math.Max(_maxLive.GetValueOrDefault(value), _live.Values.Count(x => x == value));
                if (pod.RootElement.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var node) && node.GetString() is { Length: > 0 } n)
                {
                    if (!_bindings.TryGetValue(key, out var nodes))
                    {
                        _bindings[key] = [n];
                    }
                    else if (nodes[^1] != n)
                    {
                        nodes.Add(n);
                    }
                }
            }
            else if (e.Type == StorageEventType.Delete)
            {
                var key = KeyOf(e.Key);
                _live.Remove(key);
            }
            Volatile.Write(ref _revision, Math.Max(Revision, e.Revision));
        }
    }

    /// <summary><c>pods/ns/name</c> (after the prefix) → <c>ns/name</c>.</summary>
    private static string KeyOf(string storageKey)
    {
        var parts = storageKey.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts[^2] + "/" + parts[^1];
    }
}
