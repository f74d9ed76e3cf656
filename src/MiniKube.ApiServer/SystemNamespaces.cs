using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>Creates the namespaces every cluster has (as Kubernetes' system namespaces controller does).</summary>
internal sealed partial class SystemNamespaces(ObjectApi api, WatchCacheSet caches, ILogger<SystemNamespaces> logger) : BackgroundService
{
    public static readonly IReadOnlyList<string> Names = [WellKnownNamespaces.Default, WellKnownNamespaces.KubeSystem, WellKnownNamespaces.KubePublic, WellKnownNamespaces.NodeLease];

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await caches.AllSynced.WaitAsync(stoppingToken).ConfigureAwait(false);
        var namespaces = ResourceRegistry.For<Namespace>();
        foreach (var name in Names)
        {
            while (true)
            {
                try
                {
                    var body = KubeSerializer.ToJsonBytes(new Namespace { Metadata = new ObjectMeta { Name = name } });
                    await api.CreateAsync(namespaces, null, body, dryRun: false, fieldManager: null, stoppingToken).ConfigureAwait(false);
                    LogCreated(logger, name);
                    break;
                }
                catch (ApiException ex) when (ex.IsAlreadyExists)
                {
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRetry(logger, name, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
            }
        }
        _ready.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created namespace {Namespace}")]
    private static partial void LogCreated(ILogger logger, string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create namespace {Namespace}, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string @namespace, string reason);
}
