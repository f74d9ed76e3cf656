using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

public sealed record HorizontalPodAutoscalerOptions
{
    /// <summary><c>--horizontal-pod-autoscaler-sync-period</c>: how often each autoscaler is synced.</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>--horizontal-pod-autoscaler-tolerance</c>: usage ratios within this of 1.0 do not rescale.</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary><c>--horizontal-pod-autoscaler-cpu-initialization-period</c>.</summary>
    public TimeSpan CpuInitializationPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>--horizontal-pod-autoscaler-initial-readiness-delay</c>.</summary>
    public TimeSpan InitialReadinessDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>--horizontal-pod-autoscaler-downscale-stabilization</c>.</summary>
    public TimeSpan DownscaleStabilization { get; init; } = TimeSpan.FromMinutes(5);

    public int Workers { get; init; } = 5;
}

/// <summary>
/// The horizontal pod autoscaler (autoscaling/v2): every sync period, for each HorizontalPodAutoscaler, reads the
/// target's scale subresource, its pods (informer cache, by the scale's selector) and their resource metrics, decides
/// with <see cref="AutoscalerDecision"/>, updates the scale (Event <c>SuccessfulRescale</c>) and reports the status.
/// </summary>
public sealed partial class HorizontalPodAutoscalerController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "horizontalpodautoscaling";
    public const string Component = "horizontal-pod-autoscaler";

    private readonly ControllerContext _ctx;
    private readonly IAutoscalingClient _client;
    private readonly HorizontalPodAutoscalerOptions _options;
    private readonly InformerCache<HorizontalPodAutoscaler> _hpas;
    private readonly InformerCache<Pod> _pods;
    private readonly IEventSink _events;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;
    private readonly AutoscalerDecision _decision;

    public HorizontalPodAutoscalerController(ControllerContext ctx, IAutoscalingClient client, HorizontalPodAutoscalerOptions? options = null)
    {
        _ctx = ctx;
        _client = client;
        _options = options ?? new HorizontalPodAutoscalerOptions();
        _logger = ctx.Loggers.CreateLogger<HorizontalPodAutoscalerController>();
        _events = ctx.Events(Component);
        _decision = new AutoscalerDecision(
            new ReplicaCalculator(_options.Tolerance, _options.CpuInitializationPeriod, _options.InitialReadinessDelay, ctx.Time),
            new ScaleNormalizer(_options.DownscaleStabilization, ctx.Time), ctx.Time);
        var hpas = ctx.Informers.For<HorizontalPodAutoscaler>();
        _hpas = hpas.Cache;
        _pods = ctx.Informers.For<Pod>().Cache;
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger);
        hpas.AddHandler(onAdd: Enqueue, onUpdate: (old, hpa) =>
        {
            // Status writes of our own come back as updates; only spec changes need a sync before the next period.
            if (old.Metadata.Generation != hpa.Metadata.Generation)
            {
                Enqueue(hpa);
            }
        }, onDelete: hpa => _decision.Normalizer.Forget(ObjectKeys.For(hpa)));
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var started = _ctx.Time.GetTimestamp();
        if (!await SyncAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return ReconcileResult.Done;
        }
        // The period counts from the start of this sync: reading the scale and the metrics and writing back take time (much
        // of it on a busy machine), and counting from the end would push every later sync back by it, so a sample above the
        // target would wait up to the period plus that time.
        var elapsed = _ctx.Time.GetElapsedTime(started);
        return ReconcileResult.After(elapsed < _options.SyncPeriod ? _options.SyncPeriod - elapsed : TimeSpan.Zero);
    }

    /// <summary>One sync of the autoscaler <paramref name="key"/>; false when it is gone.</summary>
    private async Task<bool> SyncAsync(string key, CancellationToken cancellationToken)
    {
        var hpa = _hpas.Get(key);
        if (hpa is null)
        {
            _decision.Normalizer.Forget(key);
            return false;
        }
        var ns = hpa.Metadata.Namespace ?? "default";
        var target = hpa.Spec?.ScaleTargetRef ?? new CrossVersionObjectReference();
        var reference = $"{target.Kind}/{ns}/{target.Name}";
        Scale scale;
        string resource;
        try
        {
            resource = ScaleResource(target);
            scale = await _client.GetScaleAsync(resource, ns, target.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            _events.Warning(hpa, "FailedGetScale", ex.Message);
            await WriteStatusAsync(hpa, AutoscalerDecision.FailedGetScale(hpa, ex.Message, _ctx.Now()), cancellationToken).ConfigureAwait(false);
            LogFailed(_logger, key, $"failed to query scale subresource for {reference}: {ex.Message}");
            return true;
        }

        var selectorText = scale.Status?.Selector ?? "";
        IReadOnlyList<Pod> pods = [];
        IReadOnlyList<PodMetrics>? metrics = null;
        string? metricsError = null;
        if (selectorText.Length > 0 && Selector.TryParse(selectorText, out var selector, out _))
        {
            pods = [.. _pods.List(ns).Where(p => selector.Matches(p.Metadata.Labels))];
            try
            {
                metrics = await _client.ListPodMetricsAsync(ns, selectorText, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex)
            {
                metricsError = "unable to fetch metrics from resource metrics API: " + ex.Message;
            }
        }

        var custom = await CustomMetricsAsync(hpa, ns, selectorText, cancellationToken).ConfigureAwait(false);
        var outcome = _decision.Decide(key, hpa, scale, pods, metrics, metricsError, custom);
        foreach (var e in outcome.Events)
        {
            _events.Record(hpa, e.Type, e.Reason, e.Message);
        }
        var status = outcome.Status;
        if (outcome.Rescale)
        {
            try
            {
                await _client.UpdateScaleAsync(resource, ns, scale with { Spec = new ScaleSpec { Replicas = outcome.DesiredReplicas } }, cancellationToken)
                    .ConfigureAwait(false);
                _decision.Normalizer.RecordScaleEvent(key, hpa.Spec?.Behavior, outcome.CurrentReplicas, outcome.DesiredReplicas);
                status = WithAbleToScale(status, "SucceededRescale", $"the HPA controller was able to update the target scale to {outcome.DesiredReplicas}");
                _events.Normal(hpa, "SuccessfulRescale", $"New size: {outcome.DesiredReplicas}; reason: {outcome.Reason}");
                LogRescaled(_logger, key, outcome.CurrentReplicas, outcome.DesiredReplicas, outcome.Reason);
            }
            catch (ApiException ex)
            {
                _events.Warning(hpa, "FailedRescale", $"New size: {outcome.DesiredReplicas}; reason: {outcome.Reason}; error: {ex.Message}");
                status = AutoscalerDecision.FailedRescale(status with { LastScaleTime = hpa.Status?.LastScaleTime }, outcome.CurrentReplicas, ex.Message, _ctx.Now());
                await WriteStatusAsync(hpa, status, cancellationToken).ConfigureAwait(false);
                LogFailed(_logger, key, $"failed to rescale {reference}: {ex.Message}");
                return true;
            }
        }
        await WriteStatusAsync(hpa, status, cancellationToken).ConfigureAwait(false);
        if (outcome.Error is { } error)
        {
            LogFailed(_logger, key, error);
        }
        return true;
    }

    private HorizontalPodAutoscalerStatus WithAbleToScale(HorizontalPodAutoscalerStatus status, string reason, string message)
    {
        var conditions = (status.Conditions ?? []).ToList();
        var index = conditions.FindIndex(c => c.Type == HpaConditions.AbleToScale);
        var condition = new HorizontalPodAutoscalerCondition
        {
            Type = HpaConditions.AbleToScale, Status = ConditionStatus.True, Reason = reason, Message = message, LastTransitionTime = _ctx.Now(),
        };
        if (index < 0)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[index] = condition with
            {
                LastTransitionTime = conditions[index].Status == ConditionStatus.True ? conditions[index].LastTransitionTime : condition.LastTransitionTime,
            };
        }
        return status with { Conditions = conditions };
    }

    /// <summary>The custom metrics API's answer for each Pods and Object metric of the autoscaler, by index in spec.metrics.</summary>
    private async Task<Dictionary<int, CustomMetricSample>> CustomMetricsAsync(HorizontalPodAutoscaler hpa, string ns, string podSelector, CancellationToken ct)
    {
        var result = new Dictionary<int, CustomMetricSample>();
        var specs = hpa.Spec?.Metrics ?? [];
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            try
            {
                if (spec is { Type: MetricSourceType.Pods, Pods: { } pods })
                {
                    if (podSelector.Length > 0)
                    {
                        result[i] = new CustomMetricSample(await _client.GetPodsMetricAsync(ns, pods.Metric.Name, podSelector, MetricSelector(pods.Metric), ct)
                            .ConfigureAwait(false), null);
                    }
                }
                else if (spec is { Type: MetricSourceType.Object, Object: { } obj })
                {
                    var described = obj.DescribedObject;
                    var info = ResourceRegistry.ByKind(described.ApiVersion, described.Kind) ?? ResourceRegistry.ByKind(null, described.Kind);
                    if (info is null)
                    {
                        result[i] = CustomMetricSample.Failed($"no matches for kind \"{described.Kind}\"");
                        continue;
                    }
                    var value = await _client.GetObjectMetricAsync(ns, info.QualifiedPlural, described.Name, obj.Metric.Name, MetricSelector(obj.Metric), ct)
                        .ConfigureAwait(false);
                    result[i] = new CustomMetricSample([value], null);
                }
            }
            catch (ApiException ex)
            {
                result[i] = CustomMetricSample.Failed(ex.Message);
            }
        }
        return result;
    }

    private static string? MetricSelector(MetricIdentifier metric) => metric.Selector is { } s ? Selector.FromLabelSelector(s).ToString() : null;

    private async Task WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken ct)
    {
        if (hpa.Status is { } old && KubeSerializer.ToJson(old) == KubeSerializer.ToJson(status))
        {
            return;
        }
        await _ctx.Client.UpdateStatusAsync(hpa with { Status = status }, ct).ConfigureAwait(false);
    }

    /// <summary>The plural of the scale target's kind (Deployments and ReplicaSets have a scale subresource).</summary>
    private static string ScaleResource(CrossVersionObjectReference target)
    {
        var info = ResourceRegistry.ByKind(target.ApiVersion, target.Kind) ?? ResourceRegistry.ByKind(null, target.Kind);
        if (info is null)
        {
            var group = target.ApiVersion is { } v && v.Contains('/', StringComparison.Ordinal) ? v[..v.IndexOf('/', StringComparison.Ordinal)] : "";
            throw new ApiException(new Status
            {
                Outcome = "Failure",
                Code = 404,
                Reason = StatusReasons.NotFound,
                Message = $"no matches for kind \"{target.Kind}\" in group \"{group}\"",
            });
        }
        return info.Plural;
    }

    private void Enqueue(HorizontalPodAutoscaler hpa) => _runner.Enqueue(ObjectKeys.For(hpa));

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: rescaled {From} -> {To}: {Reason}")]
    private static partial void LogRescaled(ILogger logger, string key, int from, int to, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: {Error}")]
    private static partial void LogFailed(ILogger logger, string key, string error);
}
