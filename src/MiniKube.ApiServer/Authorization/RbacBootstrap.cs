using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// Creates the <see cref="BootstrapPolicy"/> ClusterRoles and ClusterRoleBindings that are missing, as Kubernetes' RBAC
/// post-start hook does, when RBAC is one of the authorization modes. Existing objects (edited by an admin) are left as
/// they are.
/// </summary>
internal sealed partial class RbacBootstrap(
    ObjectApi api, WatchCacheSet caches, ApiAuthorization authorization, RbacAuthorizer rbac, TimeProvider time, ILogger<RbacBootstrap> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => authorization.UsesRbac ? _ready.Task : Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!authorization.UsesRbac)
        {
            return;
        }
        await caches.AllSynced.WaitAsync(stoppingToken).ConfigureAwait(false);
        IEnumerable<KubeObject> objects = [.. BootstrapPolicy.ClusterRoles, .. BootstrapPolicy.ClusterRoleBindings];
        foreach (var obj in objects)
        {
            var resource = ResourceRegistry.ByType(obj.GetType());
            while (true)
            {
                try
                {
                    await api.CreateAsync(resource, null, KubeSerializer.ToJsonBytes(obj), dryRun: false, fieldManager: null, stoppingToken).ConfigureAwait(false);
                    LogCreated(logger, resource.Kind, obj.Metadata.Name!);
                    break;
                }
                catch (ApiException ex) when (ex.IsAlreadyExists)
                {
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRetry(logger, resource.Kind, obj.Metadata.Name!, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
            }
        }
        // Ready means enforced: the policy has seen every bootstrap object through its watch (normally within milliseconds).
        while (!objects.All(rbac.Contains))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, stoppingToken).ConfigureAwait(false);
        }
        _ready.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created bootstrap {Kind} {Name}")]
    private static partial void LogCreated(ILogger logger, string kind, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create bootstrap {Kind} {Name}, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string kind, string name, string reason);
}
