using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Every API server's own loop for the <c>default/kubernetes</c> Service, as Kubernetes' bootstrap controller with the lease
/// endpoint reconciler: each <see cref="ApiServerOptions.EndpointReconcileInterval"/> it recreates the Service if it was deleted,
/// renews this server's lease and writes the Endpoints and EndpointSlices of every live lease (all servers write the same
/// lists, so they converge). A periodic loop and not a watch, as in Kubernetes: deletion is rare and the lease needs the timer
/// anyway. On a clean stop the server removes its lease and its endpoint at once; after a crash the lease expires.
/// </summary>
internal sealed partial class KubernetesServiceController(
    ObjectApi api, EndpointLeases leases, AdvertisedEndpoint advertised, ApiServerOptions options, WatchCacheSet caches,
    TimeProvider time, ILogger<KubernetesServiceController> logger) : BackgroundService
{
    private static readonly ResourceInfo Services = ResourceRegistry.For<Service>();
    private static readonly ResourceInfo EndpointsResource = ResourceRegistry.For<Endpoints>();
    private static readonly ResourceInfo Slices = ResourceRegistry.For<EndpointSlice>();

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The Service and this server's endpoint are written (at once when the reconciler is off).</summary>
    public Task Ready => Enabled ? _ready.Task : Task.CompletedTask;

    private bool Enabled => options.EndpointReconcilerType == EndpointReconcilerTypes.Lease;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        await caches.AllSynced.WaitAsync(stoppingToken).ConfigureAwait(false);
        var self = await advertised.Endpoint.WaitAsync(stoppingToken).ConfigureAwait(false);
        var clusterIP = ServiceIPRange.Parse(options.ServiceClusterIPRange).At(1);
        LogStarting(logger, self.ToString(), clusterIP);
        try
        {
            while (true)
            {
                try
                {
                    await ReconcileAsync(self, clusterIP, stoppingToken).ConfigureAwait(false);
                    _ready.TrySetResult();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRetry(logger, ex.Message);
                }
                // Until the first round has worked (the default namespace may still be being created), retry within a
                // second: the server's start waits for it.
                var wait = _ready.Task.IsCompleted ? options.EndpointReconcileInterval : TimeSpan.FromTicks(Math.Min(options.EndpointReconcileInterval.Ticks, TimeSpan.TicksPerSecond));
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await RemoveSelfAsync(self).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(ApiServerEndpoint self, string clusterIP, CancellationToken ct)
    {
        await EnsureServiceAsync(self, clusterIP, ct).ConfigureAwait(false);
        await leases.RenewAsync(self, options.EndpointLeaseTtl, ct).ConfigureAwait(false);
        var live = await leases.ListAsync(ct).ConfigureAwait(false);
        // Our own lease was just put; a list that misses it (never expected) must not drop us.
        await WriteEndpointsAsync(live.Contains(self) ? live : [.. live, self], ct).ConfigureAwait(false);
    }

    /// <summary>A clean stop: this server leaves the endpoints at once instead of after its lease's expiry.</summary>
    private async Task RemoveSelfAsync(ApiServerEndpoint self)
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await leases.RemoveAsync(self, bounded.Token).ConfigureAwait(false);
            var live = await leases.ListAsync(bounded.Token).ConfigureAwait(false);
            await WriteEndpointsAsync([.. live.Where(e => e != self)], bounded.Token).ConfigureAwait(false);
            LogRemoved(logger, self.ToString());
        }
        catch (Exception ex)
        {
            // The lease expires on its own; the next reconcile of another server drops the endpoint then.
            LogRemoveFailed(logger, self.ToString(), ex.Message);
        }
    }

    private async Task EnsureServiceAsync(ApiServerEndpoint self, string clusterIP, CancellationToken ct)
    {
        var desired = KubernetesServiceObjects.Service(clusterIP, self.Port);
        var existing = await TryGetAsync<Service>(Services, KubernetesServiceObjects.Name, ct).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                await api.CreateAsync(Services, KubernetesServiceObjects.Namespace, KubeSerializer.ToJsonBytes(desired), dryRun: false, fieldManager: null, ct)
                    .ConfigureAwait(false);
                LogCreated(logger, clusterIP);
            }
            catch (ApiException ex) when (ex.IsAlreadyExists)
            {
                // Another API server made it first.
            }
            return;
        }
        if (!KubernetesServiceObjects.ServesApi(existing))
        {
            // Edited by hand: put the https port back (the ClusterIP is immutable and stays what it is).
            var fixedService = existing with { Spec = existing.Spec! with { Type = ServiceType.ClusterIP, Ports = desired.Spec!.Ports } };
            await api.UpdateAsync(Services, KubernetesServiceObjects.Namespace, KubeSerializer.ToJsonBytes(fixedService), fieldManager: null, ct).ConfigureAwait(false);
            LogRepaired(logger);
        }
    }

    private async Task WriteEndpointsAsync(IReadOnlyList<ApiServerEndpoint> live, CancellationToken ct)
    {
        var endpoints = KubernetesServiceObjects.Endpoints(live);
        var current = await TryGetAsync<Endpoints>(EndpointsResource, KubernetesServiceObjects.Name, ct).ConfigureAwait(false);
        if (current is null)
        {
            await CreateAsync(EndpointsResource, endpoints, ct).ConfigureAwait(false);
        }
        else if (!Same(current.Subsets, endpoints.Subsets))
        {
            await api.UpdateAsync(EndpointsResource, KubernetesServiceObjects.Namespace,
                KubeSerializer.ToJsonBytes(current with { Subsets = endpoints.Subsets }), fieldManager: null, ct).ConfigureAwait(false);
        }

        var desired = KubernetesServiceObjects.Slices(live);
        var filter = new ObjectFilter(KubernetesServiceObjects.Namespace,
            Selector.Parse(WellKnownLabels.ServiceName + "=" + KubernetesServiceObjects.Name), FieldSelector.Everything);
        var (items, _) = await api.ListAsync(Slices, filter, ct).ConfigureAwait(false);
        var existing = items.Select(i => (EndpointSlice)i.Object).ToDictionary(s => s.Metadata.Name!, StringComparer.Ordinal);
        foreach (var slice in desired)
        {
            if (!existing.TryGetValue(slice.Metadata.Name!, out var have))
            {
                await CreateAsync(Slices, slice, ct).ConfigureAwait(false);
            }
            else if (!Same(have.Endpoints, slice.Endpoints) || !Same(have.Ports, slice.Ports))
            {
                await api.UpdateAsync(Slices, KubernetesServiceObjects.Namespace,
                    KubeSerializer.ToJsonBytes(have with { AddressType = slice.AddressType, Endpoints = slice.Endpoints, Ports = slice.Ports }), fieldManager: null, ct)
                    .ConfigureAwait(false);
            }
        }
        foreach (var name in existing.Keys.Except(desired.Select(s => s.Metadata.Name!), StringComparer.Ordinal))
        {
            try
            {
                await api.DeleteAsync(Slices, KubernetesServiceObjects.Namespace, name, new DeleteOptions(), ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Another API server removed it.
            }
        }
    }

    private async Task CreateAsync(ResourceInfo resource, KubeObject obj, CancellationToken ct)
    {
        try
        {
            await api.CreateAsync(resource, KubernetesServiceObjects.Namespace, KubeSerializer.ToJsonBytes(obj), dryRun: false, fieldManager: null, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            // Another API server wrote it first; the next round compares against its copy.
        }
    }

    private async Task<T?> TryGetAsync<T>(ResourceInfo resource, string name, CancellationToken ct) where T : KubeObject
    {
        try
        {
            return (T)(await api.GetAsync(resource, KubernetesServiceObjects.Namespace, name, ct).ConfigureAwait(false)).Object;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private static bool Same<T>(T? a, T? b) where T : class =>
        a is null ? b is null : b is not null && KubeSerializer.ToJsonBytes(a).AsSpan().SequenceEqual(KubeSerializer.ToJsonBytes(b));

    [LoggerMessage(Level = LogLevel.Information, Message = "Keeping the default/kubernetes Service ({ClusterIP}:443) with this API server's endpoint {Endpoint}")]
    private static partial void LogStarting(ILogger logger, string endpoint, string clusterIP);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the default/kubernetes Service at {ClusterIP}")]
    private static partial void LogCreated(ILogger logger, string clusterIP);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The default/kubernetes Service had lost its https port; restored it")]
    private static partial void LogRepaired(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reconcile the default/kubernetes Service, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed this API server's endpoint {Endpoint} from default/kubernetes")]
    private static partial void LogRemoved(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove endpoint {Endpoint} from default/kubernetes at stop (its lease expires instead): {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string endpoint, string reason);
}
