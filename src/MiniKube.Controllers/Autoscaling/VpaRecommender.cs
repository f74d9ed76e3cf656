using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// The VerticalPodAutoscaler's recommender: every <see cref="VerticalPodAutoscalerOptions.RecommenderInterval"/>, for each
/// VPA, reads the resource metrics of its target's pods (the pipeline the HPA uses), adds each new sample to the decaying
/// histograms of its container (<see cref="ContainerUsage"/>, one per container name across the target's pods; CPU usage
/// weighted by the request, memory peaks per aggregation interval), records an OOM kill as a raised memory peak, and
/// writes <c>status.recommendation</c> (<see cref="ResourceEstimator"/> under the resource policy,
/// <see cref="RecommendationPolicy"/>) with the conditions RecommendationProvided, NoPodsMatched and ConfigUnsupported.
/// </summary>
public sealed partial class VpaRecommender : IController, IReconciler, IDisposable
{
    public const string ControllerName = "vpa-recommender";
    public const string Component = "vpa-recommender";
    public const string OomKilledReason = "OOMKilled";

    private readonly ControllerContext _ctx;
    private readonly IAutoscalingClient _metrics;
    private readonly VerticalPodAutoscalerOptions _options;
    private readonly InformerCache<VerticalPodAutoscaler> _vpas;
    private readonly VpaTargets _targets;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;
    private readonly ConcurrentDictionary<string, History> _histories = new(StringComparer.Ordinal);

    public VpaRecommender(ControllerContext ctx, IAutoscalingClient metrics, VerticalPodAutoscalerOptions? options = null)
    {
        _ctx = ctx;
        _metrics = metrics;
        _options = options ?? new VerticalPodAutoscalerOptions();
        _logger = ctx.Loggers.CreateLogger<VpaRecommender>();
        _targets = new VpaTargets(ctx.Informers);
        var vpas = ctx.Informers.For<VerticalPodAutoscaler>();
        _vpas = vpas.Cache;
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger);
        vpas.AddHandler(onAdd: Enqueue, onUpdate: (old, vpa) =>
        {
            // Our own status writes come back as updates; only a spec change needs a refresh before the next interval.
            if (old.Metadata.Generation != vpa.Metadata.Generation)
            {
                Enqueue(vpa);
            }
        }, onDelete: vpa => _histories.TryRemove(ObjectKeys.For(vpa), out _));
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    /// <summary>The CPU samples the recommender holds for a container of a VPA (0 when none): for tests and describe-style checks.</summary>
    public int SampleCount(string key, string container) =>
        _histories.TryGetValue(key, out var h) && h.Containers.TryGetValue(container, out var usage) ? usage.TotalSamples : 0;

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var started = _ctx.Time.GetTimestamp();
        var vpa = _vpas.Get(key);
        if (vpa is null)
        {
            _histories.TryRemove(key, out _);
            return ReconcileResult.Done;
        }
        var history = _histories.GetOrAdd(key, _ => new History());
        var (target, error) = _targets.Resolve(vpa);
        var now = _ctx.Now();
        VerticalPodAutoscalerStatus status;
        if (target is null)
        {
            status = Status(vpa, vpa.Status?.Recommendation, now,
                (VpaConditionType.ConfigUnsupported, ConditionStatus.True, "", error),
                (VpaConditionType.RecommendationProvided, vpa.Status?.Recommendation is null ? ConditionStatus.False : ConditionStatus.True, "", null));
        }
        else
        {
            await SampleAsync(vpa, target, history, cancellationToken).ConfigureAwait(false);
            var recommendation = Recommend(vpa, target, history);
            var provided = recommendation.ContainerRecommendations is { Count: > 0 };
            status = Status(vpa, provided ? recommendation : null, now,
                (VpaConditionType.RecommendationProvided, provided ? ConditionStatus.True : ConditionStatus.False, "", null),
                (VpaConditionType.NoPodsMatched, target.Pods.Count == 0 ? ConditionStatus.True : ConditionStatus.False, "",
                    target.Pods.Count == 0 ? "No pods match this VPA object" : null));
        }
        if (vpa.Status is not { } old || KubeSerializer.ToJson(old) != KubeSerializer.ToJson(status))
        {
            await _ctx.Client.UpdateStatusAsync(vpa with { Status = status }, cancellationToken).ConfigureAwait(false);
            LogRecommended(_logger, key, Describe(status.Recommendation));
        }
        var elapsed = _ctx.Time.GetElapsedTime(started);
        return ReconcileResult.After(elapsed < _options.RecommenderInterval ? _options.RecommenderInterval - elapsed : TimeSpan.Zero);
    }

    private async Task SampleAsync(VerticalPodAutoscaler vpa, VpaTarget target, History history, CancellationToken ct)
    {
        if (target.Pods.Count == 0)
        {
            return;
        }
        IReadOnlyList<PodMetrics> metrics;
        try
        {
            metrics = await _metrics.ListPodMetricsAsync(vpa.Metadata.Namespace ?? "default", target.Selector, ct).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            // No samples this round; the histograms keep what they have.
            LogMetricsFailed(_logger, ObjectKeys.For(vpa), ex.Message);
            metrics = [];
        }
        var byPod = metrics.GroupBy(m => m.Metadata.Name ?? "").ToDictionary(g => g.Key, g => g.OrderByDescending(m => m.Timestamp).First(), StringComparer.Ordinal);
        foreach (var pod in target.Pods)
        {
            var uid = pod.Metadata.Uid ?? pod.Metadata.Name ?? "";
            foreach (var container in pod.Spec?.Containers ?? [])
            {
                var usage = history.Containers.GetOrAdd(container.Name, _ => new ContainerUsage(_options.HistogramDecayHalfLife, _options.MemoryAggregationInterval));
                var requests = container.Resources?.Requests;
                if (byPod.TryGetValue(pod.Metadata.Name ?? "", out var podMetrics) && podMetrics.Timestamp is { } at
                    && podMetrics.Containers.FirstOrDefault(c => c.Name == container.Name) is { } sample)
                {
                    var sampleKey = uid + "/" + container.Name;
                    // The pipeline serves the latest sample until the next scrape: each one counts once.
                    if (!history.LastSample.TryGetValue(sampleKey, out var last) || at > last)
                    {
                        history.LastSample[sampleKey] = at;
                        if (sample.Usage.TryGetValue(ResourceName.Cpu, out var cpu))
                        {
                            usage.AddCpu(cpu.ToDouble(), requests?.TryGetValue(ResourceName.Cpu, out var r) == true ? r.ToDouble() : 0, at);
                        }
                        if (sample.Usage.TryGetValue(ResourceName.Memory, out var memory))
                        {
                            usage.AddMemory(memory.ToDouble(), at);
                        }
                    }
                }
                var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container.Name);
                if (status?.LastState?.Terminated is { Reason: OomKilledReason } oom)
                {
                    var oomKey = $"{uid}/{container.Name}/{status.RestartCount}";
                    if (history.OomsSeen.TryAdd(oomKey, 0))
                    {
                        var requestBytes = requests?.TryGetValue(ResourceName.Memory, out var m) == true ? m.ToDouble() : 0;
                        usage.RecordOom(requestBytes, oom.FinishedAt ?? _ctx.Time.GetUtcNow());
                        LogOom(_logger, ObjectKeys.For(vpa), pod.Metadata.Name ?? "", container.Name);
                    }
                }
            }
        }
        // Pods that are gone no longer need their last-sample marks.
        var live = target.Pods.Select(p => p.Metadata.Uid ?? p.Metadata.Name ?? "").ToHashSet(StringComparer.Ordinal);
        foreach (var k in history.LastSample.Keys.Where(k => !live.Contains(k[..k.IndexOf('/', StringComparison.Ordinal)])).ToList())
        {
            history.LastSample.TryRemove(k, out _);
        }
    }

    private RecommendedPodResources Recommend(VerticalPodAutoscaler vpa, VpaTarget target, History history)
    {
        // The containers the target's pods run now (a template change drops the others), in their order.
        var template = target.Pods.FirstOrDefault()?.Spec?.Containers ?? [];
        var names = template.Count > 0
            ? template.Select(c => c.Name).ToList()
            : [.. vpa.Status?.Recommendation?.ContainerRecommendations?.Select(r => r.ContainerName) ?? []];
        var list = new List<RecommendedContainerResources>();
        foreach (var name in names)
        {
            if (!history.Containers.TryGetValue(name, out var usage) || usage.TotalSamples < _options.MinSamples)
            {
                continue;
            }
            var estimates = ResourceEstimator.Estimate(usage, Math.Max(1, names.Count));
            if (RecommendationPolicy.Apply(name, estimates, vpa.Spec?.ResourcePolicy) is { } rec)
            {
                list.Add(rec);
            }
        }
        return new RecommendedPodResources { ContainerRecommendations = list };
    }

    private static VerticalPodAutoscalerStatus Status(VerticalPodAutoscaler vpa, RecommendedPodResources? recommendation, DateTimeOffset now,
        params (string Type, string Status, string Reason, string? Message)[] conditions)
    {
        var old = vpa.Status?.Conditions ?? [];
        var list = new List<VerticalPodAutoscalerCondition>();
        foreach (var (type, value, reason, message) in conditions)
        {
            var previous = old.FirstOrDefault(c => c.Type == type);
            list.Add(new VerticalPodAutoscalerCondition
            {
                Type = type,
                Status = value,
                Reason = reason.Length == 0 ? null : reason,
                Message = message,
                LastTransitionTime = previous?.Status == value ? previous.LastTransitionTime : now,
            });
        }
        return new VerticalPodAutoscalerStatus { Recommendation = recommendation, Conditions = list };
    }

    private static string Describe(RecommendedPodResources? r) => r?.ContainerRecommendations is { Count: > 0 } list
        ? string.Join("; ", list.Select(c => c.ContainerName + ": " + string.Join(", ", (c.Target ?? new Dictionary<string, Quantity>()).Select(kv => $"{kv.Key}={kv.Value}"))))
        : "none";

    private void Enqueue(VerticalPodAutoscaler vpa) => _runner.Enqueue(ObjectKeys.For(vpa));

    /// <summary>One VPA's histograms (by container name) and the bookkeeping that keeps each sample and OOM kill counted once.</summary>
    private sealed class History
    {
        public ConcurrentDictionary<string, ContainerUsage> Containers { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, DateTimeOffset> LastSample { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, byte> OomsSeen { get; } = new(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: recommendation {Recommendation}")]
    private static partial void LogRecommended(ILogger logger, string key, string recommendation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: no metrics this round: {Error}")]
    private static partial void LogMetricsFailed(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: container {Container} of pod {Pod} was OOM-killed; memory raised")]
    private static partial void LogOom(ILogger logger, string key, string pod, string container);
}
