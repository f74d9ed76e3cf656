using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using MiniKube.Storage;

namespace MiniKube.Bench.Chaos;

/// <summary>
/// Follows etcd's history of pods and Deployments from the run's start revision (the ground truth, gap-free by
/// construction) and checks, at every change: a write that raises a ReplicaSet never makes a Deployment's ReplicaSets ask
/// for more than the most replicas it asked for within the last few seconds plus maxSurge (<see cref="SurgeCheck"/>;
/// Kubernetes' guarantee is on the ReplicaSets' replicas: after a scale-down, pods not yet deleted may briefly outnumber
/// it), and no ReplicaSet has more live pods than it asked for;
/// no pod's node is set twice or changed. <see cref="ApiWatchChecker"/> holds the API's
/// watch to this history.
/// </summary>
public sealed class InvariantChecker : IAsyncDisposable
{
    public const string SurgeInvariant = "no Deployment above replicas + maxSurge";
    public const string ReplicaSetInvariant = "no ReplicaSet above its replicas";
    public const string BindInvariant = "no pod bound twice";
    public const string WatchInvariant = "watch gap-free and in order by resourceVersion";
    public const string ContainerInvariant = "no container left for a deleted pod";
    public static readonly IReadOnlyList<string> Invariants = [SurgeInvariant, ReplicaSetInvariant, BindInvariant, WatchInvariant, ContainerInvariant];

    /// <summary>
    /// A controller acts on what its informer saw, which may be a scale-down or two behind: a Deployment's bound is the most
    /// it asked for within this window (a controller's view is never older while its watch works; a restarted one re-lists).
    /// </summary>
    private static readonly TimeSpan StaleView = TimeSpan.FromSeconds(10);

    private readonly EtcdObjectStore _store;
    private readonly SurgeCheck _surge;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodRecord> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset At, int Replicas)>> _replicaSetReplicas = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Invariant, string What)> _violations = new();
    private readonly List<long> _podRevisions = [];
    private readonly Dictionary<string, List<string>> _ownerLog = new(StringComparer.Ordinal);
    private readonly Task _follow;
    private long _revision;

    private InvariantChecker(EtcdObjectStore store, long revision, int maxSurge)
    {
        _store = store;
        _revision = revision;
        StartRevision = revision;
        _surge = new SurgeCheck(maxSurge);
        _follow = Task.Run(FollowAsync);
    }

    public long StartRevision { get; }

    public long Revision => Volatile.Read(ref _revision);

    public int PodsCreated { get; private set; }

    public Exception? Failure { get; private set; }

    /// <param name="etcdEndpoints">Every member's client URL, comma-separated: the checker's watch moves on when one dies.</param>
    public static async Task<InvariantChecker> StartAsync(string etcdEndpoints, int maxSurge, CancellationToken cancellationToken)
    {
        var store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [.. etcdEndpoints.Split(',')], Prefix = "/registry" });
        return new InvariantChecker(store, await store.GetRevisionAsync(cancellationToken).ConfigureAwait(false), maxSurge);
    }

    public void Report(string invariant, string what) => _violations.Enqueue((invariant, what));

    public IReadOnlyList<(string Invariant, string What)> Violations => [.. _violations];

    /// <summary>The etcd revisions of pod changes seen so far, in order.</summary>
    public IReadOnlyList<long> PodRevisions()
    {
        lock (_lock)
        {
            return [.. _podRevisions];
        }
    }

    /// <summary>The UIDs of every pod in etcd now (terminating ones too).</summary>
    public IReadOnlySet<string> PodUids()
    {
        lock (_lock)
        {
            return _pods.Values.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Live (not terminating) pods per Deployment label, for the convergence check.</summary>
    public IReadOnlyDictionary<string, int> LivePods()
    {
        lock (_lock)
        {
            return _pods.Values.Where(p => !p.Terminating).GroupBy(p => p.App, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
    }

    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var target = await _store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
        while (Revision < target && Failure is null)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
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

    private async Task FollowAsync()
    {
        // One watch over every key keeps pods and Deployments in etcd's order; a killed etcd breaks it and it resumes.
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
                Report(WatchInvariant, "the checker's own etcd watch failed: " + ex.Message);
                return;
            }
        }
    }

    private void Apply(StorageEvent e)
    {
        lock (_lock)
        {
            if (e.Key.StartsWith("pods/", StringComparison.Ordinal))
            {
                _podRevisions.Add(e.Revision);
                ApplyPod(e);
            }
            else if (e.Key.StartsWith("deployments/", StringComparison.Ordinal) && e.Type == StorageEventType.Put)
            {
                using var doc = JsonDocument.Parse(e.Value);
                var name = doc.RootElement.GetProperty("metadata").GetProperty("name").GetString()!;
                var replicas = doc.RootElement.GetProperty("spec").TryGetProperty("replicas", out var r) ? r.GetInt32() : 1;
                _surge.DeploymentWritten(name, replicas, DateTimeOffset.UtcNow);
                Log("deployment/" + name, $"r{e.Revision} deployment replicas={replicas} at {DateTimeOffset.UtcNow:HH:mm:ss.f}");
            }
            else if (e.Key.StartsWith("replicasets/", StringComparison.Ordinal))
            {
                ApplyReplicaSet(e);
            }
            Volatile.Write(ref _revision, Math.Max(Revision, e.Revision));
        }
    }

    private void ApplyPod(StorageEvent e)
    {
        if (e.Type == StorageEventType.Delete)
        {
            if (_pods.Remove(e.Key, out var gone))
            {
                Log(gone.Owner, $"r{e.Revision} deleted {e.Key}");
            }
            return;
        }
        using var doc = JsonDocument.Parse(e.Value);
        var root = doc.RootElement;
        var metadata = root.GetProperty("metadata");
        var app = metadata.TryGetProperty("labels", out var labels) && labels.TryGetProperty("app", out var a) ? a.GetString() ?? "" : "";
        var terminating = metadata.TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String;
        var node = root.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var n) ? n.GetString() : null;
        var known = _pods.GetValueOrDefault(e.Key);
        if (e.IsCreate)
        {
            PodsCreated++;
            known = null;
        }
        if (known?.Node is { Length: > 0 } before && node != before)
        {
            Report(BindInvariant, $"pod {e.Key} moved from node {before} to {node ?? "(none)"} at revision {e.Revision}");
        }
        var owner = metadata.TryGetProperty("ownerReferences", out var owners) && owners.GetArrayLength() > 0
            ? owners[0].GetProperty("name").GetString() ?? "" : "";
        var uid = metadata.TryGetProperty("uid", out var u) ? u.GetString() ?? "" : "";
        _pods[e.Key] = new PodRecord(app, terminating, node is { Length: > 0 } ? node : known?.Node, owner, uid);
        if (e.IsCreate || (terminating && known is { Terminating: false }))
        {
            Log(owner, $"r{e.Revision} {(e.IsCreate ? "created" : "terminating")} {e.Key}");
        }
        if (e.IsCreate && _replicaSetReplicas.TryGetValue(owner, out var history))
        {
            var bound = RecentMax(history, DateTimeOffset.UtcNow);
            var live = _pods.Values.Count(p => p.Owner == owner && !p.Terminating);
            if (live > bound)
            {
                Report(ReplicaSetInvariant, string.Create(CultureInfo.InvariantCulture,
                    $"replicaset {owner}: {live} live pods after the create of {e.Key} at revision {e.Revision}; it asked for at most {bound}; its history: {string.Join("; ", _ownerLog.GetValueOrDefault(owner) ?? [])}"));
            }
        }
    }

    private void ApplyReplicaSet(StorageEvent e)
    {
        if (e.Type == StorageEventType.Delete)
        {
            _surge.ReplicaSetDeleted(e.Key);
            return;
        }
        using var doc = JsonDocument.Parse(e.Value);
        var root = doc.RootElement;
        var name = root.GetProperty("metadata").GetProperty("name").GetString()!;
        var app = root.GetProperty("metadata").TryGetProperty("labels", out var labels) && labels.TryGetProperty("app", out var a) ? a.GetString() ?? "" : "";
        var replicas = root.GetProperty("spec").TryGetProperty("replicas", out var r) ? r.GetInt32() : 1;
        if (!_replicaSetReplicas.TryGetValue(name, out var list))
        {
            _replicaSetReplicas[name] = list = [];
        }
        list.Add((DateTimeOffset.UtcNow, replicas));
        Log(name, $"r{e.Revision} replicas={replicas} at {DateTimeOffset.UtcNow:HH:mm:ss.f}");
        Log("deployment/" + app, $"r{e.Revision} {name} replicas={replicas} at {DateTimeOffset.UtcNow:HH:mm:ss.f}");
        if (_surge.ReplicaSetWritten(e.Key, app, replicas, DateTimeOffset.UtcNow) is { } violation)
        {
            Report(SurgeInvariant, string.Create(CultureInfo.InvariantCulture,
                $"{violation} (revision {e.Revision}); its history: {string.Join("; ", (_ownerLog.GetValueOrDefault("deployment/" + app) ?? []).TakeLast(40))}"));
        }
    }

    /// <summary>Per ReplicaSet: its replicas writes and its pods' creates and deletions, for a violation's message.</summary>
    private void Log(string owner, string what)
    {
        if (owner.Length == 0)
        {
            return;
        }
        if (!_ownerLog.TryGetValue(owner, out var list))
        {
            _ownerLog[owner] = list = [];
        }
        list.Add(what);
    }

    /// <summary>
    /// The most replicas asked for within the stale-view window, counting the value that was in effect when the window began:
    /// after a scale-down from a size set long ago, the controller writes the ReplicaSets one by one, and the sums between
    /// those writes lie above the new size although every write shrinks them.
    /// </summary>
    public static int RecentMax(IReadOnlyList<(DateTimeOffset At, int Replicas)> history, DateTimeOffset now)
    {
        var since = now - StaleView;
        var max = history[^1].Replicas;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            max = Math.Max(max, history[i].Replicas);
            if (history[i].At < since)
            {
                break; // the value in effect at the window's start; anything older was replaced before it
            }
        }
        return max;
    }

    private sealed record PodRecord(string App, bool Terminating, string? Node, string Owner, string Uid);
}
