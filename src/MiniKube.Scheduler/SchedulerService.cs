using System.Text.Json;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler;

/// <summary>
/// The scheduler process around the scheduling library: shared informers feed <see cref="SchedulerEventHandlers"/>
/// (cache and queue), <see cref="SchedulingLoop"/> schedules while this process leads, binds go through the API, and
/// the outcome of each attempt becomes a PodScheduled condition and an Event, as kube-scheduler reports them.
/// </summary>
public sealed partial class SchedulerService : IAsyncDisposable, ISchedulingObserver
{
    private readonly MiniKubeClient _client;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InformerFactory _informers;
    private readonly SchedulerCache _cache = new();
    private readonly SchedulingQueue _queue;
    private readonly SchedulingLoop _loop;
    private readonly EventRecorder _events;
    private readonly CancellationTokenSource _statusWrites = new();
    private long _scheduled;
    private long _failed;

    public SchedulerService(MiniKubeClient client, SchedulerConfiguration configuration, SchedulerOptions options, TimeProvider? time = null,
        ILoggerFactory? loggers = null)
    {
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        loggers ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<SchedulerService>();
        var profiles = configuration.BuildProfiles(binder: new ApiBinder(client));
        _queue = new SchedulingQueue(_time, configuration.Queue, SchedulingQueue.HintsFrom(profiles));
        _loop = new SchedulingLoop(_cache, _queue, profiles, this, options.BindParallelism);
        var handlers = new SchedulerEventHandlers(_cache, _queue, _loop.IsResponsibleFor);
        _informers = new InformerFactory(client, _time, loggers);
        _informers.For<Node>().AddHandler(handlers.OnNodeAdded, handlers.OnNodeUpdated, handlers.OnNodeDeleted);
        _informers.For<Pod>().AddHandler(handlers.OnPodAdded, handlers.OnPodUpdated, handlers.OnPodDeleted);
        _events = new EventRecorder(client, "default-scheduler", options.Identity, _time, loggers.CreateLogger<EventRecorder>());
    }

    /// <summary>Pods bound by this scheduler so far.</summary>
    public long ScheduledCount => Interlocked.Read(ref _scheduled);

    /// <summary>Attempts that ended unschedulable or in error.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failed);

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
        if (!_options.LeaderElection.LeaderElect)
        {
            await LeadAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var elector = new LeaderElector(_client, _options.LeaderElection, _time, _logger);
        await elector.RunAsync(LeadAsync, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _statusWrites.CancelAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
        _statusWrites.Dispose();
    }

    void ISchedulingObserver.Bound(Pod pod, string nodeName) => ((ISchedulingObserver)this).Bound(pod, nodeName, null);

    /// <summary>kube-scheduler's message, then the scores behind the choice (which the dashboard's pod timeline shows).</summary>
    void ISchedulingObserver.Bound(Pod pod, string nodeName, string? scores)
    {
        Interlocked.Increment(ref _scheduled);
        _events.Normal(pod, "Scheduled", ScheduledMessage(pod, nodeName, scores));
    }

    /// <summary><c>Successfully assigned ns/pod to node</c> (kube-scheduler's text), with <c> (scores)</c> appended when known.</summary>
    public static string ScheduledMessage(Pod pod, string nodeName, string? scores) =>
        $"Successfully assigned {pod.Metadata.Namespace}/{pod.Metadata.Name} to {nodeName}" + (scores is { Length: > 0 } ? $" ({scores})" : "");

    void ISchedulingObserver.Failed(Pod pod, string reason, string message)
    {
        Interlocked.Increment(ref _failed);
        LogFailed(_logger, pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "", reason, message);
        _events.Warning(pod, "FailedScheduling", message);
        if (reason == SchedulingLoop.ReasonUnschedulable)
        {
            _ = MarkUnschedulableAsync(pod, message, _statusWrites.Token);
        }
    }

    private async Task LeadAsync(CancellationToken leading)
    {
        IsLeader = true;
        try
        {
            await _loop.RunAsync(leading).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
            // Stopping, or no longer the leader.
        }
        finally
        {
            IsLeader = false;
            // Binds already started finish (or fail) before another scheduler can take over these pods.
            await _loop.WaitForBindsAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sets PodScheduled=False/Unschedulable with the reason, unless the pod already says exactly that.</summary>
    private async Task MarkUnschedulableAsync(Pod pod, string message, CancellationToken ct)
    {
        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == PodConditionType.PodScheduled);
        if (existing is { Status: ConditionStatus.False, Reason: SchedulingLoop.ReasonUnschedulable } && existing.Message == message)
        {
            return;
        }
        var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != PodConditionType.PodScheduled).ToList();
        conditions.Add(new PodCondition
        {
            Type = PodConditionType.PodScheduled,
            Status = ConditionStatus.False,
            Reason = SchedulingLoop.ReasonUnschedulable,
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
            LogStatusFailed(_logger, pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "", ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unable to schedule {Namespace}/{Pod} ({Reason}): {Message}")]
    private static partial void LogFailed(ILogger logger, string @namespace, string pod, string reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the status of {Namespace}/{Pod}: {Reason}")]
    private static partial void LogStatusFailed(ILogger logger, string @namespace, string pod, string reason);
}
