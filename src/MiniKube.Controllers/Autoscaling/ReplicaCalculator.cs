using MiniKube.Api;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>One pod's usage of a resource, in milli-units (millicores, millibytes), with the sample's time and window.</summary>
public readonly record struct PodMetric(long Value, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>Why no replica count could be computed from a metric (the message goes into the ScalingActive condition).</summary>
public sealed class ReplicaCalculationException(string message) : Exception(message);

/// <summary>The proposal for a utilization target: replicas, the utilization (percent of requests) and the average raw usage (milli-units).</summary>
public readonly record struct UtilizationProposal(int Replicas, int Utilization, long RawAverage, DateTimeOffset Timestamp);

/// <summary>The proposal for an average-value target: replicas and the average usage (milli-units).</summary>
public readonly record struct AverageValueProposal(int Replicas, long Average, DateTimeOffset Timestamp);

/// <summary>
/// Kubernetes' replica calculator for resource metrics: desired = ceil(ready pods × usage ratio) unless the ratio is
/// within the tolerance of 1. Pods that are pending, failed or being deleted are ignored; for CPU, pods that are not
/// ready, or just started and not yet sampled for a whole window since they became ready, are treated as unready.
/// Pods without metrics are assumed to use 100 % of their request (or the target, if higher) on a scale-down and 0 on
/// a scale-up; unready pods count as 0 on a scale-up. If that reconsideration flips the direction or lands within the
/// tolerance, the count stays.
/// </summary>
public sealed class ReplicaCalculator(double tolerance, TimeSpan cpuInitializationPeriod, TimeSpan delayOfInitialReadinessStatus, TimeProvider time)
{
    public double Tolerance => tolerance;

    public UtilizationProposal GetResourceReplicas(int currentReplicas, int targetUtilization, string resource, string? container,
        IReadOnlyList<Pod> pods, IReadOnlyDictionary<string, PodMetric> podMetrics)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }
        var metrics = new Dictionary<string, PodMetric>(podMetrics, StringComparer.Ordinal);
        var timestamp = Timestamp(metrics);
        var (readyCount, unready, missing, ignored) = GroupPods(pods, metrics, resource);
        RemoveAll(metrics, ignored);
        RemoveAll(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        var requests = PodRequests(pods, container, resource);
        var (usageRatio, utilization, rawAverage) = UtilizationRatio(metrics, requests, targetUtilization);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - usageRatio) <= tolerance)
            {
                return new(currentReplicas, utilization, rawAverage, timestamp);
            }
            return new((int)Math.Ceiling(usageRatio * readyCount), utilization, rawAverage, timestamp);
        }
        if (missing.Count > 0)
        {
            if (usageRatio < 1.0)
            {
                // On a scale-down, missing pods count as using 100 % of their request (or the target, when above 100 %).
                var fallback = Math.Max(100, targetUtilization);
                foreach (var name in missing)
                {
                    metrics[name] = new PodMetric(requests[name] * fallback / 100, timestamp, TimeSpan.Zero);
                }
            }
            else if (usageRatio > 1.0)
            {
                foreach (var name in missing)
                {
                    metrics[name] = new PodMetric(0, timestamp, TimeSpan.Zero);
                }
            }
        }
        if (scaleUpWithUnready)
        {
            foreach (var name in unready)
            {
                metrics[name] = new PodMetric(0, timestamp, TimeSpan.Zero);
            }
        }
        var (newRatio, _, _) = UtilizationRatio(metrics, requests, targetUtilization);
        if (Math.Abs(1.0 - newRatio) <= tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0))
        {
            return new(currentReplicas, utilization, rawAverage, timestamp);
        }
        var newReplicas = (int)Math.Ceiling(newRatio * metrics.Count);
        if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas))
        {
            return new(currentReplicas, utilization, rawAverage, timestamp);
        }
        return new(newReplicas, utilization, rawAverage, timestamp);
    }

    /// <summary>An <c>AverageValue</c> target (milli-units per pod).</summary>
    public AverageValueProposal GetRawResourceReplicas(int currentReplicas, long targetAverage, string resource,
        IReadOnlyList<Pod> pods, IReadOnlyDictionary<string, PodMetric> podMetrics)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }
        var metrics = new Dictionary<string, PodMetric>(podMetrics, StringComparer.Ordinal);
        var timestamp = Timestamp(metrics);
        var (readyCount, unready, missing, ignored) = GroupPods(pods, metrics, resource);
        RemoveAll(metrics, ignored);
        RemoveAll(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        var (usageRatio, average) = UsageRatio(metrics, targetAverage);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - usageRatio) <= tolerance)
            {
                return new(currentReplicas, average, timestamp);
            }
            return new((int)Math.Ceiling(usageRatio * readyCount), average, timestamp);
        }
        if (missing.Count > 0)
        {
            foreach (var name in missing)
            {
                metrics[name] = new PodMetric(usageRatio < 1.0 ? targetAverage : 0, timestamp, TimeSpan.Zero);
            }
        }
        if (scaleUpWithUnready)
        {
            foreach (var name in unready)
            {
                metrics[name] = new PodMetric(0, timestamp, TimeSpan.Zero);
            }
        }
        var (newRatio, _) = UsageRatio(metrics, targetAverage);
        if (Math.Abs(1.0 - newRatio) <= tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0))
        {
            return new(currentReplicas, average, timestamp);
        }
        var newReplicas = (int)Math.Ceiling(newRatio * metrics.Count);
        if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas))
        {
            return new(currentReplicas, average, timestamp);
        }
        return new(newReplicas, average, timestamp);
    }

    /// <summary>
    /// A <c>Pods</c> metric (Kubernetes' GetMetricReplicas): the pods' own values (milli-units) against an average target,
    /// with the same handling of missing and ignored pods as an AverageValue resource target, without CPU's readiness rules.
    /// </summary>
    public AverageValueProposal GetMetricReplicas(int currentReplicas, long targetAverage, IReadOnlyList<Pod> pods,
        IReadOnlyDictionary<string, PodMetric> podMetrics) => GetRawResourceReplicas(currentReplicas, targetAverage, "", pods, podMetrics);

    /// <summary>
    /// An <c>Object</c> metric with a <c>Value</c> target (GetObjectMetricReplicas): ratio = usage / target; within the
    /// tolerance the count stays, otherwise ceil(ratio × ready pods) — or ceil(ratio) when the target has no replicas.
    /// </summary>
    public int GetObjectMetricReplicas(int currentReplicas, long targetUsage, long usage, IReadOnlyList<Pod> pods)
    {
        var ratio = (double)usage / targetUsage;
        if (currentReplicas == 0)
        {
            return (int)Math.Ceiling(ratio);
        }
        if (Math.Abs(1.0 - ratio) <= tolerance)
        {
            return currentReplicas;
        }
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("unable to calculate ready pods: no pods returned by selector while calculating replica count");
        }
        var ready = pods.Count(p => p.Status?.Phase == PodPhase.Running
            && p.Status.Conditions?.Any(c => c.Type == PodConditionType.Ready && c.Status == ConditionStatus.True) == true);
        return (int)Math.Ceiling(ratio * ready);
    }

    /// <summary>
    /// An <c>Object</c> metric with an <c>AverageValue</c> target (GetObjectPerPodMetricReplicas): the object's value over the
    /// target's replicas against the per-pod target; outside the tolerance, ceil(usage / target). Also returns the per-pod average.
    /// </summary>
    public (int Replicas, long Average) GetObjectPerPodMetricReplicas(int statusReplicas, long targetAverage, long usage)
    {
        var replicas = statusReplicas;
        var ratio = (double)usage / ((double)targetAverage * replicas);
        if (Math.Abs(1.0 - ratio) > tolerance)
        {
            replicas = (int)Math.Ceiling((double)usage / targetAverage);
        }
        var average = statusReplicas == 0 ? usage : (long)Math.Ceiling((double)usage / statusReplicas);
        return (replicas, average);
    }

    private (int Ready, HashSet<string> Unready, HashSet<string> Missing, HashSet<string> Ignored) GroupPods(
        IReadOnlyList<Pod> pods, Dictionary<string, PodMetric> metrics, string resource)
    {
        var unready = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        var ready = 0;
        var now = time.GetUtcNow();
        foreach (var pod in pods)
        {
            var name = pod.Metadata.Name ?? "";
            if (pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is PodPhase.Failed or PodPhase.Pending)
            {
                ignored.Add(name);
                continue;
            }
            if (!metrics.TryGetValue(name, out var metric))
            {
                missing.Add(name);
                continue;
            }
            if (resource == ResourceName.Cpu)
            {
                var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == PodConditionType.Ready);
                var start = pod.Status?.StartTime;
                bool isUnready;
                if (condition is null || start is null)
                {
                    isUnready = true;
                }
                else
                {
                    var transition = condition.LastTransitionTime ?? start.Value;
                    if (start.Value + cpuInitializationPeriod > now)
                    {
                        // Still initializing: ignore a sample from an unready pod or one not covering a full window since it became ready.
                        isUnready = condition.Status == ConditionStatus.False || metric.Timestamp < transition + metric.Window;
                    }
                    else
                    {
                        // Ignore an unready pod that has never been ready.
                        isUnready = condition.Status == ConditionStatus.False && start.Value + delayOfInitialReadinessStatus > transition;
                    }
                }
                if (isUnready)
                {
                    unready.Add(name);
                    continue;
                }
            }
            ready++;
        }
        return (ready, unready, missing, ignored);
    }

    /// <summary>Each pod's request of the resource (milli-units), summed over its containers or taken from the one named.</summary>
    private static Dictionary<string, long> PodRequests(IReadOnlyList<Pod> pods, string? container, string resource)
    {
        var requests = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var total = 0L;
            foreach (var c in pod.Spec?.Containers ?? [])
            {
                if (container is not null && c.Name != container)
                {
                    continue;
                }
                if (c.Resources?.Requests?.TryGetValue(resource, out var request) != true)
                {
                    throw new ReplicaCalculationException($"missing request for {resource} in container {c.Name} of Pod {pod.Metadata.Name}");
                }
                total += request.MilliValue;
            }
            requests[pod.Metadata.Name ?? ""] = total;
        }
        return requests;
    }

    private static (double Ratio, int Utilization, long RawAverage) UtilizationRatio(Dictionary<string, PodMetric> metrics, Dictionary<string, long> requests,
        int targetUtilization)
    {
        long metricsTotal = 0, requestsTotal = 0;
        var entities = 0;
        foreach (var (name, metric) in metrics)
        {
            if (!requests.TryGetValue(name, out var request))
            {
                continue;
            }
            metricsTotal += metric.Value;
            requestsTotal += request;
            entities++;
        }
        if (requestsTotal == 0)
        {
            throw new ReplicaCalculationException("no metrics returned matched known pods");
        }
        var utilization = (int)(metricsTotal * 100 / requestsTotal);
        return ((double)utilization / targetUtilization, utilization, metricsTotal / entities);
    }

    private static (double Ratio, long Average) UsageRatio(Dictionary<string, PodMetric> metrics, long targetAverage)
    {
        var total = metrics.Values.Sum(m => m.Value);
        var average = total / metrics.Count;
        return ((double)average / targetAverage, average);
    }

    private static DateTimeOffset Timestamp(Dictionary<string, PodMetric> metrics) =>
        metrics.Count == 0 ? default : metrics.Values.Min(m => m.Timestamp);

    private static void RemoveAll(Dictionary<string, PodMetric> metrics, HashSet<string> names)
    {
        foreach (var name in names)
        {
            metrics.Remove(name);
        }
    }
}
