using MiniKube.Api;
using MiniKube.Security;
using MiniKube.Storage;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// Keeps the <see cref="RbacAuthorizer"/>'s rules in step with the four RBAC kinds through their watch caches: the
/// current objects first, then every change; a watch that ends (it fell behind, or its version was compacted) resumes
/// from the last revision seen, or from a fresh list.
/// </summary>
internal sealed partial class RbacPolicyFeed(WatchStreams watches, ApiAuthorization authorization, RbacAuthorizer rbac, ILogger<RbacPolicyFeed> logger)
    : BackgroundService
{
    private static readonly Type[] Kinds = [typeof(Role), typeof(ClusterRole), typeof(RoleBinding), typeof(ClusterRoleBinding)];

    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pendingKinds = Kinds.Length;

    /// <summary>Completes when every kind's current objects are in the policy (at once when RBAC is not a mode).</summary>
    public Task Synced => authorization.UsesRbac ? _synced.Task : Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => authorization.UsesRbac
        ? Task.WhenAll(Kinds.Select(kind => FeedAsync(ResourceRegistry.ByType(kind), stoppingToken)))
        : Task.CompletedTask;

    private async Task FeedAsync(ResourceInfo resource, CancellationToken ct)
    {
        long? from = null;
        var loaded = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (from is null)
                {
                    rbac.Clear(resource.Type);
                }
                // From no version the watch starts with the current objects as ADDED and a bookmark after them.
                var initial = from is null;
                await foreach (var e in watches.WatchAsync(resource, ObjectFilter.All, from, bookmarks: false, ct, initialEventsEnd: initial).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventTypes.Bookmark)
                    {
                        if (initial && !loaded)
                        {
                            loaded = true;
                            MarkSynced();
                        }
                        initial = false;
                        continue;
                    }
                    var obj = (KubeObject)KubeSerializer.FromJson(e.Json, resource.Type);
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        rbac.Remove(obj);
                    }
                    else
                    {
                        rbac.Upsert(obj);
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
                LogWatchFailed(logger, resource.Plural, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    private void MarkSynced()
    {
        if (Interlocked.Decrement(ref _pendingKinds) == 0)
        {
            _synced.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RBAC watch of {Resource} failed, resuming: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string resource, string reason);
}
