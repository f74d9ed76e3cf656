using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>One <see cref="WatchCache"/> per resource type, run for the life of the server.</summary>
internal sealed class WatchCacheSet : BackgroundService
{
    private readonly Dictionary<string, WatchCache> _caches;
    private readonly ApiServerOptions _options;
    private readonly TimeProvider _time;

    public WatchCacheSet(IObjectStore store, ObjectCodec codec, ApiServerOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _time = time;
        var logger = loggers.CreateLogger<WatchCache>();
        _caches = ResourceRegistry.Stored.ToDictionary(r => r.Plural, r => new WatchCache(r, store, codec, options, logger));
    }

    public WatchCache For(ResourceInfo resource) => _caches[resource.Plural];

    /// <summary>Completes when every cache has loaded its initial list.</summary>
    public Task AllSynced => Task.WhenAll(_caches.Values.Select(c => c.Synced));

    public bool IsSynced => _caches.Values.All(c => c.Synced.IsCompleted);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runs = _caches.Values.Select(c => Task.Run(() => c.RunAsync(stoppingToken), CancellationToken.None)).ToList();
        using var timer = new PeriodicTimer(_options.BookmarkInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var cache in _caches.Values)
                {
                    cache.SendBookmarks();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        await Task.WhenAll(runs).ConfigureAwait(false);
    }
}
