using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>An Event the controller is to record on the autoscaler.</summary>
public readonly record struct AutoscalerEvent(string Type, string Reason, string Message);

/// <summary>
/// What the custom metrics API answered for one <c>Pods</c> metric (one value per pod) or <c>Object</c> metric (the
/// object's value), or why it could not.
/// </summary>
public sealed record CustomMetricSample(IReadOnlyList<MetricValue> Values, string? Error)
{
    public static CustomMetricSample Failed(string error) => new([], error);
}

/// <summary>What one sync decided: the new status, whether to rescale, to what and why, and the events to record.</summary>
public sealed record AutoscalerOutcome
{
    public required HorizontalPodAutoscalerStatus Status { get; init; }
    public bool Rescale { get; init; }
    public int CurrentReplicas { get; init; }
    public int DesiredReplicas { get; init; }
    public string Reason { get; init; } = "";
    public IReadOnlyList<AutoscalerEvent> Events { get; init; } = [];
    /// <summary>Set when no replica count could be computed (the sync is an error, as in Kubernetes).</summary>
    public string? Error { get; init; }
}

/// <summary>
/// One HorizontalPodAutoscaler sync, as Kubernetes' reconcileAutoscaler does it, minus the API calls: from the target's
/// scale, its pods and their metrics, the replica count per metric (the largest wins), the rescale reason, the status
/// with currentMetrics and the AbleToScale / ScalingActive / ScalingLimited conditions.
/// </summary>
public sealed class AutoscalerDecision(ReplicaCalculator calculator, ScaleNormalizer normalizer, TimeProvider time)
{
    public ScaleNormalizer Normalizer => normalizer;

    /// <param name="podMetrics">The pods' metrics from the metrics API, or the error fetching them.</param>
    /// <param name="customMetrics">For each Pods or Object metric, by its index in <c>spec.metrics</c>: what the custom metrics API answered.</param>
    public AutoscalerOutcome Decide(string key, HorizontalPodAutoscaler hpa, Scale scale, IReadOnlyList<Pod> pods,
        IReadOnlyList<PodMetrics>? podMetrics, string? metricsError, IReadOnlyDictionary<int, CustomMetricSample>? customMetrics = null)
    {
        var spec = hpa.Spec ?? new HorizontalPodAutoscalerSpec();
        var conditions = new ConditionList(hpa.Status?.Conditions, Now());
        var events = new List<AutoscalerEvent>();
        conditions.Set(HpaConditions.AbleToScale, ConditionStatus.True, "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var currentReplicas = scale.Spec?.Replicas ?? 0;
        normalizer.RecordInitialRecommendation(key, currentReplicas);
        var minReplicas = spec.MinReplicas ?? 1;
        IReadOnlyList<MetricStatus> statuses = [];
        var desired = 0;
        var reason = "";
        var rescale = true;
        string? error = null;
        if (currentReplicas == 0 && minReplicas != 0)
        {
            desired = 0;
            rescale = false;
            conditions.Set(HpaConditions.ScalingActive, ConditionStatus.False, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (currentReplicas > spec.MaxReplicas)
        {
            reason = "Current number of replicas above Spec.MaxReplicas";
            desired = spec.MaxReplicas;
        }
        else if (currentReplicas < minReplicas)
        {
            reason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
        }
        else
        {
            var (proposal, metricName, metricStatuses, metricError) = ComputeReplicasForMetrics(hpa, scale, pods, podMetrics, metricsError,
                customMetrics ?? new Dictionary<int, CustomMetricSample>(), conditions, events);
            statuses = metricStatuses;
            if (proposal == -1)
            {
                events.Add(new AutoscalerEvent(EventType.Warning, "FailedComputeMetricsReplicas", metricError!));
                return new AutoscalerOutcome
                {
                    Status = Status(hpa, currentReplicas, hpa.Status?.DesiredReplicas ?? currentReplicas, statuses, conditions, rescaled: false),
                    CurrentReplicas = currentReplicas,
                    DesiredReplicas = currentReplicas,
                    Events = events,
                    Error = metricError,
                };
            }
            error = metricError;
            var rescaleMetric = "";
            if (proposal > desired)
            {
                desired = proposal;
                rescaleMetric = metricName;
            }
            if (desired > currentReplicas)
            {
                reason = $"{rescaleMetric} above target";
            }
            if (desired < currentReplicas)
            {
                reason = "All metrics below target";
            }
            var (normalized, able, limited) = normalizer.Normalize(key, spec, currentReplicas, desired, minReplicas);
            conditions.Set(able);
            conditions.Set(limited);
            desired = normalized;
            rescale = desired != currentReplicas;
        }
        if (!rescale)
        {
            desired = currentReplicas;
        }
        return new AutoscalerOutcome
        {
            Status = Status(hpa, currentReplicas, desired, statuses, conditions, rescale),
            Rescale = rescale,
            CurrentReplicas = currentReplicas,
            DesiredReplicas = desired,
            Reason = reason,
            Events = events,
            Error = error,
        };
    }

    /// <summary>The status after a failed scale update: AbleToScale False (FailedUpdateScale), the replicas unchanged.</summary>
    public static HorizontalPodAutoscalerStatus FailedRescale(HorizontalPodAutoscalerStatus status, int currentReplicas, string error, DateTimeOffset now)
    {
        var conditions = new ConditionList(status.Conditions, now);
        conditions.Set(HpaConditions.AbleToScale, ConditionStatus.False, "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {error}");
        return status with { DesiredReplicas = currentReplicas, Conditions = conditions.ToList(), LastScaleTime = status.LastScaleTime };
    }

    /// <summary>The status when the target's scale cannot be read: AbleToScale False (FailedGetScale).</summary>
    public static HorizontalPodAutoscalerStatus FailedGetScale(HorizontalPodAutoscaler hpa, string error, DateTimeOffset now)
    {
        var status = hpa.Status ?? new HorizontalPodAutoscalerStatus();
        var conditions = new ConditionList(status.Conditions, now);
        conditions.Set(HpaConditions.AbleToScale, ConditionStatus.False, "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {error}");
        return status with { ObservedGeneration = hpa.Metadata.Generation, Conditions = conditions.ToList() };
    }

    private (int Replicas, string Metric, IReadOnlyList<MetricStatus> Statuses, string? Error) ComputeReplicasForMetrics(HorizontalPodAutoscaler hpa, Scale scale,
        IReadOnlyList<Pod> pods, IReadOnlyList<PodMetrics>? podMetrics, string? metricsError, IReadOnlyDictionary<int, CustomMetricSample> customMetrics,
        ConditionList conditions, List<AutoscalerEvent> events)
    {
        var specs = hpa.Spec?.Metrics ?? [];
        var specReplicas = scale.Spec?.Replicas ?? 0;
        if (string.IsNullOrEmpty(scale.Status?.Selector))
        {
            const string message = "selector is required";
            events.Add(new AutoscalerEvent(EventType.Warning, "SelectorRequired", message));
            conditions.Set(HpaConditions.ScalingActive, ConditionStatus.False, "InvalidSelector", "the HPA target's scale is missing a selector");
            return (-1, "", [], message);
        }
        var statuses = new MetricStatus[specs.Count];
        var replicas = 0;
        var metric = "";
        var invalid = 0;
        ConditionChange? invalidCondition = null;
        string? invalidError = null;
        for (var i = 0; i < specs.Count; i++)
        {
            var (proposal, name, status, condition, err) = specs[i] is { Type: MetricSourceType.Pods, Pods: not null } or { Type: MetricSourceType.Object, Object: not null }
                ? ComputeReplicasForCustomMetric(specs[i], specReplicas, scale.Status?.Replicas ?? 0, pods, customMetrics.GetValueOrDefault(i), events)
                : ComputeReplicasForMetric(specs[i], specReplicas, pods, podMetrics, metricsError, events);
            statuses[i] = status;
            if (err is not null)
            {
                if (invalid == 0)
                {
                    invalidCondition = condition;
                    invalidError = err;
                }
                invalid++;
                continue;
            }
            if (replicas == 0 || proposal > replicas)
            {
                replicas = proposal;
                metric = name;
            }
        }
        if (invalidError is not null)
        {
            invalidError = string.Create(CultureInfo.InvariantCulture, $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {invalidError}");
        }
        IReadOnlyList<MetricStatus> reported = [.. statuses.Where(s => !string.IsNullOrEmpty(s.Type))];
        if (invalid >= specs.Count || (invalid > 0 && replicas < specReplicas))
        {
            if (invalidCondition is { } c)
            {
                conditions.Set(c);
            }
            return (-1, "", reported, invalidError ?? "no metrics to scale on");
        }
        conditions.Set(HpaConditions.ScalingActive, ConditionStatus.True, "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metric}");
        return (replicas, metric, reported, invalidError);
    }

    private (int, string, MetricStatus, ConditionChange, string?) ComputeReplicasForMetric(MetricSpec spec, int currentReplicas, IReadOnlyList<Pod> pods,
        IReadOnlyList<PodMetrics>? podMetrics, string? metricsError, List<AutoscalerEvent> events)
    {
        var (resource, container, target, reason, label) = spec.Type switch
        {
            MetricSourceType.Resource when spec.Resource is { } r => (r.Name, (string?)null, r.Target, "FailedGetResourceMetric", "resource"),
            MetricSourceType.ContainerResource when spec.ContainerResource is { } c => (c.Name, c.Container, c.Target, "FailedGetContainerResourceMetric",
                "container resource"),
            _ => ("", null, new MetricTarget(), "InvalidMetricSourceType", ""),
        };
        ConditionChange Unable(string why)
        {
            events.Add(new AutoscalerEvent(EventType.Warning, reason, why));
            return new ConditionChange(HpaConditions.ScalingActive, ConditionStatus.False, reason, $"the HPA was unable to compute the replica count: {why}");
        }
        if (reason == "InvalidMetricSourceType")
        {
            var why = spec.Type is MetricSourceType.External
                ? $"metric source type \"{spec.Type}\" is not supported yet: MiniKube has no external metrics API"
                : $"unknown metric source type \"{spec.Type}\"";
            return (0, "", new MetricStatus(), Unable(why), why);
        }
        if (target.AverageValue is null && target.AverageUtilization is null)
        {
            var why = $"invalid {label} metric source: neither an average utilization target nor an average value (usage) target was set";
            return (0, "", new MetricStatus(), Unable(why), why);
        }
        try
        {
            if (metricsError is not null)
            {
                throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: {metricsError}");
            }
            var metrics = PodUsage(podMetrics ?? [], resource, container);
            if (metrics.Count == 0)
            {
                throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: no metrics returned from resource metrics API");
            }
            if (target.AverageValue is { } averageValue)
            {
                var p = calculator.GetRawResourceReplicas(currentReplicas, averageValue.MilliValue, resource, pods, metrics);
                var current = new MetricValueStatus { AverageValue = Quantity.FromMilli(p.Average) };
                return (p.Replicas, $"{resource} {label}", Status(spec.Type, resource, container, current), default, null);
            }
            var u = calculator.GetResourceReplicas(currentReplicas, target.AverageUtilization!.Value, resource, container, pods, metrics);
            var utilization = new MetricValueStatus { AverageUtilization = u.Utilization, AverageValue = Quantity.FromMilli(u.RawAverage) };
            return (u.Replicas, $"{resource} {label} utilization (percentage of request)", Status(spec.Type, resource, container, utilization), default, null);
        }
        catch (ReplicaCalculationException ex)
        {
            var what = container is null ? $"failed to get {resource} utilization: {ex.Message}" : $"failed to get {resource} container metric value: {ex.Message}";
            return (0, "", new MetricStatus(), Unable(ex.Message), what);
        }
    }

    /// <summary>
    /// A Pods metric (average of the pods' values against an AverageValue) or an Object metric (the object's value against
    /// a Value, or per pod against an AverageValue), as Kubernetes' computeStatusForPodsMetric / computeStatusForObjectMetric.
    /// </summary>
    private (int, string, MetricStatus, ConditionChange, string?) ComputeReplicasForCustomMetric(MetricSpec spec, int specReplicas, int statusReplicas,
        IReadOnlyList<Pod> pods, CustomMetricSample? sample, List<AutoscalerEvent> events)
    {
        var isPods = spec.Type == MetricSourceType.Pods;
        var reason = isPods ? "FailedGetPodsMetric" : "FailedGetObjectMetric";
        var wrap = isPods ? "failed to get pods metric value: " : "failed to get object metric value: ";
        (int, string, MetricStatus, ConditionChange, string?) Unable(string why)
        {
            events.Add(new AutoscalerEvent(EventType.Warning, reason, why));
            var condition = new ConditionChange(HpaConditions.ScalingActive, ConditionStatus.False, reason, $"the HPA was unable to compute the replica count: {why}");
            return (0, "", new MetricStatus(), condition, wrap + why);
        }
        try
        {
            if (isPods)
            {
                var source = spec.Pods!;
                if (source.Target.AverageValue is not { } target)
                {
                    return Unable("invalid pods metric source: the target has no averageValue");
                }
                var values = Values(sample);
                var perPod = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
                foreach (var v in values)
                {
                    perPod[v.DescribedObject.Name ?? ""] = new PodMetric(v.Value.MilliValue, v.Timestamp, TimeSpan.FromSeconds(v.WindowSeconds ?? 0));
                }
                var p = calculator.GetMetricReplicas(specReplicas, target.MilliValue, pods, perPod);
                var status = new MetricStatus
                {
                    Type = MetricSourceType.Pods,
                    Pods = new PodsMetricStatus { Metric = source.Metric, Current = new MetricValueStatus { AverageValue = Quantity.FromMilli(p.Average) } },
                };
                return (p.Replicas, $"pods metric {source.Metric.Name}", status, default, null);
            }
            var obj = spec.Object!;
            var usage = Values(sample)[0].Value.MilliValue;
            MetricValueStatus current;
            int replicas;
            if (obj.Target.Type == MetricTargetType.Value && obj.Target.Value is { } value)
            {
                replicas = calculator.GetObjectMetricReplicas(specReplicas, value.MilliValue, usage, pods);
                current = new MetricValueStatus { Value = Quantity.FromMilli(usage) };
            }
            else if (obj.Target.Type == MetricTargetType.AverageValue && obj.Target.AverageValue is { } average)
            {
                (replicas, var perPodUsage) = calculator.GetObjectPerPodMetricReplicas(statusReplicas, average.MilliValue, usage);
                current = new MetricValueStatus { AverageValue = Quantity.FromMilli(perPodUsage) };
            }
            else
            {
                return Unable("invalid object metric source: neither a value target nor an average value target was set");
            }
            var objectStatus = new MetricStatus
            {
                Type = MetricSourceType.Object,
                Object = new ObjectMetricStatus { Metric = obj.Metric, DescribedObject = obj.DescribedObject, Current = current },
            };
            return (replicas, $"{obj.DescribedObject.Kind} metric {obj.Metric.Name}", objectStatus, default, null);
        }
        catch (ReplicaCalculationException ex)
        {
            return Unable(ex.Message);
        }
    }

    /// <summary>The values the custom metrics API returned; its error, or none at all, is a calculation failure.</summary>
    private static IReadOnlyList<MetricValue> Values(CustomMetricSample? sample)
    {
        if (sample?.Error is { } error)
        {
            throw new ReplicaCalculationException("unable to fetch metrics from custom metrics API: " + error);
        }
        if (sample is null || sample.Values.Count == 0)
        {
            throw new ReplicaCalculationException("no metrics returned from custom metrics API");
        }
        return sample.Values;
    }

    private static MetricStatus Status(string type, string resource, string? container, MetricValueStatus current) => type == MetricSourceType.Resource
        ? new MetricStatus { Type = type, Resource = new ResourceMetricStatus { Name = resource, Current = current } }
        : new MetricStatus { Type = type, ContainerResource = new ContainerResourceMetricStatus { Name = resource, Container = container!, Current = current } };

    /// <summary>Per pod, the usage of <paramref name="resource"/> summed over its containers (or the one named); pods lacking it are left out.</summary>
    internal static Dictionary<string, PodMetric> PodUsage(IReadOnlyList<PodMetrics> podMetrics, string resource, string? container)
    {
        var result = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var pm in podMetrics)
        {
            var total = 0L;
            var found = false;
            var complete = true;
            foreach (var c in pm.Containers)
            {
                if (container is not null && c.Name != container)
                {
                    continue;
                }
                if (!c.Usage.TryGetValue(resource, out var usage))
                {
                    complete = false;
                    break;
                }
                total += usage.MilliValue;
                found = true;
            }
            if (found && complete)
            {
                result[pm.Metadata.Name ?? ""] = new PodMetric(total, pm.Timestamp, GoDuration.TryParse(pm.Window, out var window) ? window : TimeSpan.Zero);
            }
        }
        return result;
    }

    private HorizontalPodAutoscalerStatus Status(HorizontalPodAutoscaler hpa, int current, int desired, IReadOnlyList<MetricStatus> metrics,
        ConditionList conditions, bool rescaled) => new()
    {
        ObservedGeneration = hpa.Metadata.Generation,
        CurrentReplicas = current,
        DesiredReplicas = desired,
        CurrentMetrics = metrics.Count == 0 ? null : metrics,
        LastScaleTime = rescaled ? Now() : hpa.Status?.LastScaleTime,
        Conditions = conditions.ToList(),
    };

    private DateTimeOffset Now() => Timestamps.TruncateToSeconds(time.GetUtcNow());

    /// <summary>Kubernetes' setCondition: a condition keeps its transition time while its status stays; new types go last.</summary>
    private sealed class ConditionList(IReadOnlyList<HorizontalPodAutoscalerCondition>? existing, DateTimeOffset now)
    {
        private readonly List<HorizontalPodAutoscalerCondition> _items = [.. existing ?? []];

        public void Set(ConditionChange c) => Set(c.Type, c.Status, c.Reason, c.Message);

        public void Set(string type, string status, string reason, string message)
        {
            var index = _items.FindIndex(c => c.Type == type);
            if (index < 0)
            {
                _items.Add(new HorizontalPodAutoscalerCondition { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = now });
                return;
            }
            var old = _items[index];
            _items[index] = old with
            {
                Status = status,
                Reason = reason,
                Message = message,
                LastTransitionTime = old.Status == status && old.LastTransitionTime is not null ? old.LastTransitionTime : now,
            };
        }

        public IReadOnlyList<HorizontalPodAutoscalerCondition> ToList() => [.. _items];
    }
}
