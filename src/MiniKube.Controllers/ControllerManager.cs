using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Client;
using MiniKube.Controllers.Autoscaling;
using MiniKube.Controllers.Deployments;
using MiniKube.Controllers.Discovery;
using MiniKube.Controllers.GarbageCollection;
using MiniKube.Controllers.Namespaces;
using MiniKube.Controllers.NodeLifecycle;
using MiniKube.Controllers.ReplicaSets;
using MiniKube.Controllers.ServiceAccounts;

namespace MiniKube.Controllers;

/// <summary>
/// kube-controller-manager in small: one shared informer factory, the enabled controllers, and one leader election —
/// only the leader starts its informers and runs the controllers. <see cref="RunAsync"/> returns when the token ends
/// or leadership is lost (<see cref="LostLeadership"/>; the process should then exit, as Kubernetes' does).
/// </summary>
public sealed partial class ControllerManager
{
    public const string Component = "minikube-controller-manager";

    private readonly ControllerManagerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private volatile bool _leading;

    public ControllerManager(ControllerManagerOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(problems[0], nameof(options));
        }
        _options = options;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<ControllerManager>();
        Enabled = ControllerSelection.Parse(options.Controllers);
        Identity = options.LeaderElection.Identity;
    }

    public IReadOnlySet<string> Enabled { get; }

    public string Identity { get; }

    /// <summary>True while this manager leads and its controllers run.</summary>
    public bool IsLeading => _leading;

    /// <summary>Set when <see cref="RunAsync"/> ended because another manager took the lease.</summary>
    public bool LostLeadership { get; private set; }

    /// <summary>Completes when the controllers are running (informers synced).</summary>
    public Task Started => _started.Task;

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var client = new MiniKubeClient(_options.Server, _options.Credentials) { Throttle = _options.CreateThrottle(_time) };
        if (!_options.LeaderElection.LeaderElect)
        {
            await LeadAsync(client, cancellationToken).ConfigureAwait(false);
            return;
        }
        var elector = new LeaderElector(client, _options.LeaderElection, _time, _loggers.CreateLogger<LeaderElector>());
        await elector.RunAsync(ct => LeadAsync(client, ct), cancellationToken).ConfigureAwait(false);
        if (!cancellationToken.IsCancellationRequested)
        {
            LostLeadership = true;
            LogLost(_logger, Identity);
        }
    }

    private async Task LeadAsync(MiniKubeClient client, CancellationToken ct)
    {
        var recorders = new Dictionary<string, EventRecorder>(StringComparer.Ordinal);
        IEventSink Events(string component)
        {
            lock (recorders)
            {
                if (!recorders.TryGetValue(component, out var recorder))
                {
                    recorder = new EventRecorder(client, component, Identity, _time, _loggers.CreateLogger<EventRecorder>());
                    recorders[component] = recorder;
                }
                return new RecorderEventSink(recorder);
            }
        }

        var informers = new InformerFactory(client, _time, _loggers);
        var context = new ControllerContext(informers, new ApiControllerClient(client), Events, _time, _loggers);
        var controllers = Create(context, client);
        try
        {
            informers.Start();
            await informers.WaitForSyncAsync(ct).ConfigureAwait(false);
            _leading = true;
            LogRunning(_logger, Identity, string.Join(", ", controllers.Select(c => c.Name)));
            _started.TrySetResult();
            await Task.WhenAll(controllers.Select(c => c.RunAsync(ct))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping or no longer leading.
        }
        finally
        {
            _leading = false;
            foreach (var c in controllers.OfType<IDisposable>())
            {
                c.Dispose();
            }
            await informers.DisposeAsync().ConfigureAwait(false);
            foreach (var (component, recorder) in recorders)
            {
                try
                {
                    await recorder.DisposeAsync().ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Events are best effort: a backlog that cannot be flushed in time must not fail the shutdown.
                    LogEventsDropped(_logger, component);
                }
            }
        }
    }

    private List<IController> Create(ControllerContext ctx, MiniKubeClient client)
    {
        var o = _options;
        var list = new List<IController>();
        if (Enabled.Contains(ReplicaSetController.ControllerName))
        {
            list.Add(new ReplicaSetController(ctx, new ReplicaSetControllerOptions { Workers = o.ConcurrentReplicaSetSyncs, ResyncPeriod = o.ResyncPeriod }));
        }
        if (Enabled.Contains(DeploymentController.ControllerName))
        {
            list.Add(new DeploymentController(ctx, new DeploymentControllerOptions { Workers = o.ConcurrentDeploymentSyncs, ResyncPeriod = o.ResyncPeriod }));
        }
        if (Enabled.Contains(GarbageCollector.ControllerName))
        {
            list.Add(new GarbageCollector(ctx, new GarbageCollectorOptions { Workers = o.ConcurrentGcSyncs }));
        }
        if (Enabled.Contains(NodeLifecycleController.ControllerName))
        {
            list.Add(new NodeLifecycleController(ctx, new NodeLifecycleOptions
            {
                MonitorGracePeriod = o.NodeMonitorGracePeriod,
                StartupGracePeriod = o.NodeStartupGracePeriod,
                MonitorPeriod = o.NodeMonitorPeriod,
                NodeEvictionRate = o.NodeEvictionRate,
                SecondaryNodeEvictionRate = o.SecondaryNodeEvictionRate,
                UnhealthyZoneThreshold = o.UnhealthyZoneThreshold,
                LargeClusterSizeThreshold = o.LargeClusterSizeThreshold,
            }));
        }
        if (Enabled.Contains(TaintEvictionController.ControllerName))
        {
            list.Add(new TaintEvictionController(ctx));
        }
        if (Enabled.Contains(PodGcController.ControllerName))
        {
            list.Add(new PodGcController(ctx));
        }
        if (Enabled.Contains(NamespaceController.ControllerName))
        {
            list.Add(new NamespaceController(ctx, new NamespaceControllerOptions { Workers = o.ConcurrentNamespaceSyncs, RetryPeriod = o.NamespaceSyncPeriod }));
        }
        if (Enabled.Contains(ServiceAccountController.ControllerName))
        {
            list.Add(new ServiceAccountController(ctx));
        }
        if (Enabled.Contains(EndpointSliceController.ControllerName))
        {
            list.Add(new EndpointSliceController(ctx));
        }
        if (Enabled.Contains(EndpointsController.ControllerName))
        {
            list.Add(new EndpointsController(ctx));
        }
        if (Enabled.Contains(HorizontalPodAutoscalerController.ControllerName))
        {
            list.Add(new HorizontalPodAutoscalerController(ctx, new ApiAutoscalingClient(client), new HorizontalPodAutoscalerOptions
            {
                SyncPeriod = o.HorizontalPodAutoscalerSyncPeriod,
                Tolerance = o.HorizontalPodAutoscalerTolerance,
                CpuInitializationPeriod = o.HorizontalPodAutoscalerCpuInitializationPeriod,
                InitialReadinessDelay = o.HorizontalPodAutoscalerInitialReadinessDelay,
                DownscaleStabilization = o.HorizontalPodAutoscalerDownscaleStabilization,
            }));
        }
        if (Enabled.Contains(VpaRecommender.ControllerName))
        {
            list.Add(new VpaRecommender(ctx, new ApiAutoscalingClient(client), o.Vpa));
        }
        if (Enabled.Contains(VpaUpdater.ControllerName))
        {
            list.Add(new VpaUpdater(ctx, new ApiPodResizeClient(client), o.Vpa));
        }
        return list;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} is leading; running controllers: {Controllers}")]
    private static partial void LogRunning(ILogger logger, string identity, string controllers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Component}: events still queued at shutdown were dropped")]
    private static partial void LogEventsDropped(ILogger logger, string component);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Identity}: leader election lost")]
    private static partial void LogLost(ILogger logger, string identity);
}
