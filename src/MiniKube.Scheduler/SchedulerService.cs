using System.Text.Json;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler;

/// <summary>
/// The scheduler process's loop: informers feed the cache (nodes, bound pods) and the queue (pending pods of our
/// profiles); one cycle at a time pops a pod, schedules it on a snapshot, assumes it on the chosen node at once (so the
/// next cycle sees the capacity taken) and binds asynchronously; a failed bind forgets the pod and retries it.
/// Unschedulable pods get PodScheduled=False and a FailedScheduling event and wait for a cluster change.
/// </summary>
public sealed partial class SchedulerService : IAsyncDisposable
{
    private readonly MiniKubeClient _client;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InformerFactory _informers;
    private readonly Informer<Pod> _pods;
    private readonly Informer<Node> _nodes;
    private readonly SchedulerCache _cache = new();
    private readonly SchedulingQueue _queue;
    private readonly Dictionary<string, (SchedulingProfile Profile, GenericScheduler Algorithm)> _profiles;
    private readonly EventRecorder _events;
    private readonly SemaphoreSlim _binds;
    private long _scheduled;
    private long _unschedulable;

    public SchedulerService(MiniKubeClient client, SchedulerConfiguration configuration, SchedulerOptions options, TimeProvider? time = null,
        ILoggerFactory? loggers = null)
    {
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        loggers ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<SchedulerService>();
        var profiles = configuration.BuildProfiles(binder: new ApiBinder(client));
        _profiles = profiles.ToDictionary(p => p.SchedulerName, p => (p, new GenericScheduler(p)), StringComparer.Ordinal);
        _queue = new SchedulingQueue(_time, configuration.Queue, (info, e) =>
            _profiles.TryGetValue(SchedulerNameOf(info.Pod), out var p) && p.Profile.MayHelp(info.UnschedulablePlugins, e));
        _informers = new InformerFactory(client, _time, loggers);
        _pods = _informers.For<Pod>();
        _nodes = _informers.For<Node>();
        _events = new EventRecorder(client, "default-scheduler", options.Identity, _time, loggers.CreateLogger<EventRecorder>());
        _binds = new SemaphoreSlim(options.BindParallelism);
        _nodes.AddHandler(new NodeHandler(this));
        _pods.AddHandler(new PodHandler(this));
    }

    /// <summary>Pods bound by this scheduler so far.</summary>
    public long ScheduledCount => Interlocked.Read(ref _scheduled);

    public long UnschedulableAttempts => Interlocked.Read(ref _unschedulable);

    public bool IsLeader { get; private set; }

    /// <summary>Pods the queue holds (active, backing off, unschedulable or in flight).</summary>
    public int QueuedCount => _queue.Count;

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> ends or, with leader election, until leadership is lost
    /// (Kubernetes' scheduler exits then; the host does the same).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Standby schedulers keep their caches warm so a takeover starts at once.
        _informers.Start();
        await _informers.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        if (!_options.LeaderElect)
        {
            IsLeader = true;
            await ScheduleLoopAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var elector = new LeaderElector(_client, new LeaderElectionOptions
        {
            LeaseName = _options.LeaseName,
            LeaseNamespace = _options.LeaseNamespace,
            Identity = _options.Identity,
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        }, _time, _logger);
        await elector.RunAsync(async leading =>
        {
            IsLeader = true;
            try
            {
                await ScheduleLoopAsync(leading).ConfigureAwait(false);
            }
            finally
            {
                IsLeader = false;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _informers.DisposeAsync().ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
        _binds.Dispose();
    }

    private async Task ScheduleLoopAsync(CancellationToken ct)
    {
        var state = new CycleState();
        var snapshot = _cache.Snapshot();
        var inFlight = new HashSet<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var queued = await _queue.PopAsync(ct).ConfigureAwait(false);
                // The queue keys pods by uid; the informer by namespace/name. Schedule the newest copy of the same pod.
                var pod = _pods.Cache.Get(ObjectKeys.For(queued.Pod));
                if (pod is null || pod.Metadata.Uid != queued.Pod.Metadata.Uid || !IsPending(pod)
                    || !_profiles.TryGetValue(SchedulerNameOf(pod), out var profile))
                {
                    _queue.Done(queued.Key);
                    continue;
                }
                _cache.UpdateSnapshot(snapshot);
                var info = PodInfo.Create(pod);
                var result = profile.Algorithm.Schedule(state, info, snapshot);
                if (result.Succeeded)
                {
                    var node = result.SuggestedHost!;
                    _cache.AssumePod(info, node);
                    await _binds.WaitAsync(ct).ConfigureAwait(false);
                    var bind = BindAsync(queued, pod, node, ct);
                    lock (inFlight)
                    {
                        inFlight.Add(bind);
                    }
                    _ = bind.ContinueWith(t => { lock (inFlight) { inFlight.Remove(t); } }, CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    continue;
                }
                Interlocked.Increment(ref _unschedulable);
                if (result.FitError is { } fit)
                {
                    queued.UnschedulablePlugins = fit.UnschedulablePlugins;
                    _queue.AddUnschedulable(queued);
                    _queue.Done(queued.Key);
                    LogUnschedulable(_logger, queued.Key, fit.Message);
                    _events.Warning(pod, "FailedScheduling", fit.Message);
                    _ = MarkUnschedulableAsync(pod, fit.Message, ct);
                }
                else
                {
                    queued.UnschedulablePlugins = new HashSet<string>();
                    _queue.AddUnschedulable(queued);
                    _queue.Done(queued.Key);
                    LogScheduleError(_logger, queued.Key, result.Error ?? "unknown error");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping or no longer the leader.
        }
        Task[] pending;
        lock (inFlight)
        {
            pending = [.. inFlight];
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private async Task BindAsync(QueuedPodInfo queued, Pod pod, string node, CancellationToken ct)
    {
        try
        {
            await _profiles[SchedulerNameOf(pod)].Profile.Binder!.BindAsync(pod, node, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _scheduled);
            _queue.Done(queued.Key);
            _events.Normal(pod, "Scheduled", $"Successfully assigned {pod.Metadata.Namespace}/{pod.Metadata.Name} to {node}");
        }
        catch (Exception ex) when (ex is ApiException or OperationCanceledException)
        {
            _cache.ForgetPod(pod);
            if (ex is ApiException { IsNotFound: true })
            {
                _queue.Done(queued.Key);
            }
            else
            {
                LogBindFailed(_logger, queued.Key, node, ex.Message);
                queued.UnschedulablePlugins = new HashSet<string>();
                _queue.AddUnschedulable(queued);
                _queue.Done(queued.Key);
            }
        }
        finally
        {
            _binds.Release();
        }
    }

    /// <summary>Sets PodScheduled=False/Unschedulable with the reason, unless the pod already says exactly that.</summary>
    private async Task MarkUnschedulableAsync(Pod pod, string message, CancellationToken ct)
    {
        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == PodConditionType.PodScheduled);
        if (existing is { Status: ConditionStatus.False, Reason: "Unschedulable" } && existing.Message == message)
        {
            return;
        }
        var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != PodConditionType.PodScheduled).ToList();
        conditions.Add(new PodCondition
        {
            Type = PodConditionType.PodScheduled,
            Status = ConditionStatus.False,
            Reason = "Unschedulable",
            Message = message,
            LastTransitionTime = existing?.Status == ConditionStatus.False ? existing.LastTransitionTime : Timestamps.TruncateToSeconds(_time.GetUtcNow()),
        });
        var patch = JsonSerializer.Serialize(new { status = new { conditions } }, KubeSerializer.Options);
        try
        {
            await _client.PatchAsync<Pod>(pod.Metadata.Name!, pod.Metadata.Namespace, patch, status: true, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiException or OperationCanceledException)
        {
            LogStatusFailed(_logger, PodInfo.KeyOf(pod), ex.Message);
        }
    }

    private static bool IsPending(Pod pod) => string.IsNullOrEmpty(pod.Spec?.NodeName) && pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Phase is not (PodPhase.Succeeded or PodPhase.Failed);

    private static string SchedulerNameOf(Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.SchedulerName) ? SchedulingProfile.DefaultSchedulerName : pod.Spec.SchedulerName;

    private bool IsOurs(Pod pod) => _profiles.ContainsKey(SchedulerNameOf(pod));

    private sealed class NodeHandler(SchedulerService owner) : IInformerHandler<Node>
    {
        public void OnAdd(Node obj, bool isInitialList)
        {
            owner._cache.AddNode(obj);
            owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
        }

        public void OnUpdate(Node oldObj, Node newObj)
        {
            owner._cache.UpdateNode(newObj);
            owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.ForNodeUpdate(oldObj, newObj));
        }

        public void OnDelete(Node obj)
        {
            owner._cache.RemoveNode(obj.Metadata.Name!);
            owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeDelete);
        }
    }

    private sealed class PodHandler(SchedulerService owner) : IInformerHandler<Pod>
    {
        public void OnAdd(Pod obj, bool isInitialList)
        {
            if (!string.IsNullOrEmpty(obj.Spec?.NodeName))
            {
                owner._cache.AddPod(obj);
                owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
            }
            else if (IsPending(obj) && owner.IsOurs(obj))
            {
                owner._queue.Add(obj);
            }
        }

        public void OnUpdate(Pod oldObj, Pod newObj)
        {
            var wasBound = !string.IsNullOrEmpty(oldObj.Spec?.NodeName);
            if (!string.IsNullOrEmpty(newObj.Spec?.NodeName))
            {
                if (!wasBound)
                {
                    owner._queue.Delete(oldObj);
                    owner._cache.AddPod(newObj);
                }
                else
                {
                    owner._cache.UpdatePod(oldObj, newObj);
                }
                owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.ForAssignedPodUpdate(oldObj, newObj));
                return;
            }
            if (IsPending(newObj) && owner.IsOurs(newObj))
            {
                owner._queue.Update(oldObj, newObj);
            }
            else
            {
                owner._queue.Delete(newObj);
            }
        }

        public void OnDelete(Pod obj)
        {
            if (!string.IsNullOrEmpty(obj.Spec?.NodeName))
            {
                owner._cache.RemovePod(obj);
                owner._queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
            }
            else
            {
                owner._queue.Delete(obj);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unable to schedule {Pod}: {Reason}")]
    private static partial void LogUnschedulable(ILogger logger, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Error scheduling {Pod}: {Reason}")]
    private static partial void LogScheduleError(ILogger logger, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Binding {Pod} to {Node} failed, will retry: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string pod, string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the status of {Pod}: {Reason}")]
    private static partial void LogStatusFailed(ILogger logger, string pod, string reason);
}
