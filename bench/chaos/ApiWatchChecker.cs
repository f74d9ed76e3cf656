using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Bench.Chaos;

/// <summary>
/// A pod watch through the API server, as a client would hold it across crashes: it resumes from the last resourceVersion
/// it got (re-listing only on Gone). Every event must come in order by resourceVersion and none may repeat; at the end the
/// versions it got are compared with etcd's history, so an event the API skipped is found.
/// </summary>
public sealed class ApiWatchChecker : IAsyncDisposable
{
    private readonly MiniKubeClient _client;
    private readonly InvariantChecker _checker;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly HashSet<long> _delivered = [];
    // Ranges of revisions a re-list after Gone skipped over: not watched, so not checked.
    private readonly List<(long After, long UpTo)> _skipped = [];
    private readonly Task _follow;
    private long _last;

    public ApiWatchChecker(MiniKubeClient client, InvariantChecker checker)
    {
        _client = client;
        _checker = checker;
        _last = checker.StartRevision;
        _follow = Task.Run(FollowAsync);
    }

    public long EventsChecked { get; private set; }

    public int Relists { get; private set; }

    /// <summary>Compares what the watch delivered with etcd's pod history up to the last version the watch reached.</summary>
    public void CheckAgainstHistory()
    {
        lock (_lock)
        {
            var missing = _checker.PodRevisions()
                .Where(r => r <= _last && !_delivered.Contains(r) && !_skipped.Any(s => r > s.After && r <= s.UpTo))
                .ToList();
            if (missing.Count > 0)
            {
                _checker.Report(InvariantChecker.WatchInvariant, string.Create(CultureInfo.InvariantCulture,
                    $"the API's pod watch missed {missing.Count} changes etcd has, e.g. revisions {string.Join(", ", missing.Take(5))}"));
            }
        }
    }

    /// <summary>The last resourceVersion the watch reached.</summary>
    public long LastVersion => Volatile.Read(ref _last);

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
        _stop.Dispose();
    }

    private async Task FollowAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _client.WatchAsync<Pod>(resourceVersion: LastVersion.ToString(CultureInfo.InvariantCulture), cancellationToken: _stop.Token)
                                   .ConfigureAwait(false))
                {
                    Apply(e.Object.Metadata.ResourceVersion, e.Type, e.Object.Metadata.Name);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (ApiException ex) when (ex.IsGone)
            {
                await RelistAsync().ConfigureAwait(false);
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The API server (or etcd behind it) is down: try again from the same version, as an informer does.
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task RelistAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var list = await _client.ListAsync<Pod>(cancellationToken: _stop.Token).ConfigureAwait(false);
                var version = long.Parse(list.ResourceVersion, CultureInfo.InvariantCulture);
                lock (_lock)
                {
                    _skipped.Add((_last, version));
                    Relists++;
                    Volatile.Write(ref _last, Math.Max(_last, version));
                }
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private void Apply(string? resourceVersion, string type, string? name)
    {
        var version = long.Parse(resourceVersion ?? "0", CultureInfo.InvariantCulture);
        lock (_lock)
        {
            EventsChecked++;
            if (version <= _last)
            {
                _checker.Report(InvariantChecker.WatchInvariant, string.Create(CultureInfo.InvariantCulture,
                    $"the API's pod watch sent {type} {name} at version {version} after version {_last}"));
            }
            _delivered.Add(version);
            Volatile.Write(ref _last, Math.Max(_last, version));
        }
    }
}
