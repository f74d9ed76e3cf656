using MiniKube.Api;
using MiniKube.Security;
using MiniKube.Storage;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// Keeps the Node authorizer's <see cref="NodeGraph"/> in step with the pods through the pod watch cache (when Node is an
/// authorization mode): the current pods first, then every change; a watch that ends resumes from the last revision
/// seen, or from a fresh list.
/// </summary>
internal sealed partial class NodeGraphFeed(WatchStreams watches, ApiAuthorization authorization, NodeGraph graph, ILogger<NodeGraphFeed> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the current pods are in the graph (at once when Node is not a mode).</summary>
    public Task Synced => authorization.UsesNode ? _synced.Task : Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        authorization.UsesNode ? FeedAsync(ResourceRegistry.For<Pod>(), stoppingToken) : Task.CompletedTask;

    private async Task FeedAsync(ResourceInfo resource, CancellationToken ct)
    {
        long? from = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (from is null)
                {
                    graph.Clear();
                }
                var initial = from is null;
                await foreach (var e in watches.WatchAsync(resource, ObjectFilter.All, from, bookmarks: false, ct, initialEventsEnd: initial).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventTypes.Bookmark)
                    {
                        if (initial)
                        {
                            _synced.TrySetResult();
                        }
                        initial = false;
                        continue;
                    }
                    var pod = KubeSerializer.FromJson<Pod>(e.Json);
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        graph.Remove(pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "");
                    }
                    else
                    {
                        graph.Upsert(pod);
                    }
                    from = e.Revision;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Gone)
            {
                from = null;
            }
            catch (Exception ex)
            {
                LogWatchFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node authorizer's pod watch failed, resuming: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string reason);
}
