using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>What the updater needs besides the controller client: the pod <c>resize</c> subresource.</summary>
public interface IPodResizeClient
{
    Task ResizePodAsync(string ns, string name, string mergePatch, CancellationToken cancellationToken);
}

/// <summary><see cref="IPodResizeClient"/> over the gRPC client.</summary>
public sealed class ApiPodResizeClient(MiniKubeClient client) : IPodResizeClient
{
    public Task ResizePodAsync(string ns, string name, string mergePatch, CancellationToken cancellationToken) =>
        client.ResizePodAsync(ns, name, mergePatch, cancellationToken);
}

/// <summary>
/// The VerticalPodAutoscaler's updater: every <see cref="VerticalPodAutoscalerOptions.UpdaterInterval"/>, for each VPA in mode
/// Recreate or InPlaceOrRecreate with a recommendation, finds the target's pods whose controlled requests lie outside
/// <c>[lowerBound, upperBound]</c> and brings them into range — InPlaceOrRecreate through the pod's <c>resize</c>
/// subresource (requests at the target, limits kept in ratio; an Infeasible or refused resize falls back to eviction),
/// Recreate by evicting the pod (its controller creates a new one, which admission sizes). As Kubernetes' updater does, it
/// leaves a target with fewer live pods than <c>minReplicas</c> alone and disrupts at most
/// <c>max(1, replicas × eviction tolerance)</c> pods at once, counting pods not ready or mid-resize as disrupted.
/// Off and Initial never touch running pods.
/// </summary>
public sealed partial class VpaUpdater : IController, IReconciler, IDisposable
{
    public const string ControllerName = "vpa-updater";
    public const string Component = "vpa-updater";

    private readonly ControllerContext _ctx;
    private readonly IPodResizeClient _resizer;
    private readonly VerticalPodAutoscalerOptions _options;
    private readonly InformerCache<VerticalPodAutoscaler> _vpas;
    private readonly VpaTargets _targets;
    private readonly IEventSink _events;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public VpaUpdater(ControllerContext ctx, IPodResizeClient resizer, VerticalPodAutoscalerOptions? options = null)
    {
        _ctx = ctx;
        _resizer = resizer;
        _options = options ?? new VerticalPodAutoscalerOptions();
        _logger = ctx.Loggers.CreateLogger<VpaUpdater>();
        _events = ctx.Events(Component);
        _targets = new VpaTargets(ctx.Informers);
        var vpas = ctx.Informers.For<VerticalPodAutoscaler>();
        _vpas = vpas.Cache;
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger);
        vpas.AddHandler(onAdd: Enqueue, onUpdate: (old, vpa) =>
        {
            // A new recommendation or a new mode is worth acting on now, not at the next interval.
            if (old.Metadata.Generation != vpa.Metadata.Generation
                || KubeSerializer.ToJson(old.Status?.Recommendation ?? new RecommendedPodResources()) != KubeSerializer.ToJson(vpa.Status?.Recommendation ?? new RecommendedPodResources()))
            {
                Enqueue(vpa);
            }
        });
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var vpa = _vpas.Get(key);
        if (vpa is null)
        {
            return ReconcileResult.Done;
        }
        var mode = vpa.Spec?.UpdatePolicy?.UpdateMode ?? VpaUpdateMode.Default;
        if (mode is not (VpaUpdateMode.Recreate or VpaUpdateMode.InPlaceOrRecreate) || vpa.Status?.Recommendation?.ContainerRecommendations is not { Count: > 0 })
        {
            return ReconcileResult.After(_options.UpdaterInterval);
        }
        if (_targets.Resolve(vpa).Target is not { } target)
        {
            return ReconcileResult.After(_options.UpdaterInterval);
        }
        var minReplicas = vpa.Spec?.UpdatePolicy?.MinReplicas ?? _options.MinReplicas;
        if (target.Pods.Count < minReplicas)
        {
            LogTooFew(_logger, key, target.Pods.Count, minReplicas);
            return ReconcileResult.After(_options.UpdaterInterval);
        }
        var inPlace = mode == VpaUpdateMode.InPlaceOrRecreate;
        var configured = Math.Max(target.Replicas, target.Pods.Count);
        var tolerance = (int)(configured * _options.EvictionTolerance);
        var shouldBeAlive = configured - tolerance;
        var alive = target.Pods.Count(p => Pods.IsReady(p) && !Resizing(p));
        var disrupted = 0;
        foreach (var pod in target.Pods)
        {
            var infeasible = inPlace && HasCondition(pod, PodConditionType.PodResizePending, PodResizeReason.Infeasible);
            if (!infeasible && (!Pods.IsReady(pod) || Resizing(pod) || !(pod.Spec?.Containers ?? []).Any(c => VpaPodResources.OutsideBounds(c, vpa))))
            {
                continue;
            }
            // Kubernetes' eviction restriction: only while more than replicas − tolerance stay alive, or one pod when all are.
            var allowed = alive - disrupted > shouldBeAlive || (tolerance == 0 && disrupted == 0 && alive == configured);
            if (!allowed)
            {
                LogHeldBack(_logger, key, pod.Metadata.Name ?? "", alive, configured);
                break;
            }
            if (inPlace && !infeasible && await TryResizeAsync(vpa, pod, cancellationToken).ConfigureAwait(false))
            {
                disrupted++;
                continue;
            }
            await EvictAsync(vpa, pod, infeasible ? "the in-place resize is Infeasible" : null, cancellationToken).ConfigureAwait(false);
            disrupted++;
        }
        return ReconcileResult.After(_options.UpdaterInterval);
    }

    /// <summary>True when the resize was accepted; false when the API refused it (then the pod is evicted instead).</summary>
    private async Task<bool> TryResizeAsync(VerticalPodAutoscaler vpa, Pod pod, CancellationToken ct)
    {
        var containers = new JsonArray();
        var changed = new List<string>();
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            if (VpaPodResources.Recommended(container, vpa) is not { } rec)
            {
                continue;
            }
            containers.Add(new JsonObject
            {
                ["name"] = container.Name,
                ["resources"] = new JsonObject { ["requests"] = Quantities(rec.Resources.Requests), ["limits"] = Quantities(rec.Resources.Limits) },
            });
            changed.Add($"{container.Name}: {string.Join(", ", (rec.Resources.Requests ?? new Dictionary<string, Quantity>()).Select(kv => $"{kv.Key} request {kv.Value}"))}");
        }
        if (containers.Count == 0)
        {
            return true;
        }
        var patch = new JsonObject { ["spec"] = new JsonObject { ["containers"] = containers } }.ToJsonString();
        var ns = pod.Metadata.Namespace ?? "default";
        try
        {
            await _resizer.ResizePodAsync(ns, pod.Metadata.Name!, patch, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return true;
        }
        catch (ApiException ex) when (!ex.IsConflict)
        {
            LogResizeRefused(_logger, ObjectKeys.For(vpa), pod.Metadata.Name ?? "", ex.Message);
            return false;
        }
        var what = string.Join("; ", changed);
        _events.Normal(pod, "InPlaceResizedByVPA", $"Pod was resized in place by VPA Updater: {what}");
        _events.Normal(vpa, "InPlaceResizedPod", $"VPA Updater resized Pod {pod.Metadata.Name} in place to apply resource recommendation ({what}).");
        LogResized(_logger, ObjectKeys.For(vpa), pod.Metadata.Name ?? "", what);
        return true;
    }

    private async Task EvictAsync(VerticalPodAutoscaler vpa, Pod pod, string? why, CancellationToken ct)
    {
        // MiniKube has no PodDisruptionBudgets, so an eviction is a graceful delete (as the eviction subresource does).
        try
        {
            await _ctx.Client.DeleteAsync<Pod>(pod.Metadata.Name!, pod.Metadata.Namespace, new DeleteOptions { Preconditions = new Preconditions { Uid = pod.Metadata.Uid } }, ct)
                .ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            return;
        }
        var reason = why is null ? "" : $" ({why})";
        _events.Normal(pod, "EvictedByVPA", $"Pod was evicted by VPA Updater to apply resource recommendation{reason}.");
        _events.Normal(vpa, "EvictedPod", $"VPA Updater evicted Pod {pod.Metadata.Name} to apply resource recommendation{reason}.");
        LogEvicted(_logger, ObjectKeys.For(vpa), pod.Metadata.Name ?? "", reason);
    }

    /// <summary>A resize the kubelet has not finished (in progress, or deferred until the node has room).</summary>
    private static bool Resizing(Pod pod) =>
        HasCondition(pod, PodConditionType.PodResizeInProgress) || HasCondition(pod, PodConditionType.PodResizePending, PodResizeReason.Deferred);

    private static bool HasCondition(Pod pod, string type, string? reason = null) =>
        pod.Status?.Conditions?.Any(c => c.Type == type && c.Status == ConditionStatus.True && (reason is null || c.Reason == reason)) == true;

    private static JsonObject Quantities(IReadOnlyDictionary<string, Quantity>? values)
    {
        var obj = new JsonObject();
        foreach (var (name, q) in values ?? new Dictionary<string, Quantity>())
        {
            obj[name] = q.ToString();
        }
        return obj;
    }

    private void Enqueue(VerticalPodAutoscaler vpa) => _runner.Enqueue(ObjectKeys.For(vpa));

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: resized pod {Pod} in place: {What}")]
    private static partial void LogResized(ILogger logger, string key, string pod, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: evicted pod {Pod}{Reason}")]
    private static partial void LogEvicted(ILogger logger, string key, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: the resize of pod {Pod} was refused, evicting it instead: {Error}")]
    private static partial void LogResizeRefused(ILogger logger, string key, string pod, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key}: {Live} live pods, fewer than minReplicas {MinReplicas}: no updates")]
    private static partial void LogTooFew(ILogger logger, string key, int live, int minReplicas);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key}: pod {Pod} waits: {Alive} of {Replicas} pods alive")]
    private static partial void LogHeldBack(ILogger logger, string key, string pod, int alive, int replicas);
}
