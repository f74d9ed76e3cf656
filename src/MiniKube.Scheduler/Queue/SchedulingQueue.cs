using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Queue;

/// <summary>
/// kube-scheduler's priority queue. activeQ: pods ready to be tried, highest priority first, then oldest.
/// backoffQ: pods that failed recently and wait out their backoff (1 s doubling to 10 s by default).
/// unschedulable: pods that fit nowhere and wait for a cluster event that may help them — an event moves
/// them to activeQ (or backoffQ while their backoff lasts) — or for the periodic flush after 5 minutes.
/// Thread-safe; <see cref="PopAsync"/> waits without polling, on a <see cref="TimeProvider"/> timer.
/// </summary>
public sealed class SchedulingQueue
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly SchedulingQueueOptions _options;
    private readonly Func<QueuedPodInfo, ClusterEvent, bool> _mayHelp;
    private readonly Dictionary<string, QueuedPodInfo> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPodInfo> _unschedulable = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Entry, ActiveOrder> _active = new(ActiveOrder.Comparer);
    private readonly PriorityQueue<Entry, long> _backoff = new();
    private readonly PriorityQueue<Entry, long> _unschedulableTimeouts = new();
    private int _activeCount;
    private int _backoffCount;
    private long _sequence;
    private long _schedulingCycle;
    private int _inFlightCount;

    // Cluster events seen while pods were being scheduled, with the scheduling cycle current at the time. A pod
    // that fails is checked against the events since it was popped: one that may have helped sends it to
    // backoffQ instead of parking it, so no change is missed — and an unrelated one (another pod's binding
    // arriving, say) does not cut its parking short.
    private readonly List<(long Cycle, ClusterEvent Event)> inFlightEvents = [];
    private TaskCompletionSource _wake = NewSignal();

    /// <param name="mayHelp">
    /// Whether an event may make a pod schedulable, usually <see cref="SchedulingProfile.MayHelp"/> of the pod's
    /// profile applied to <see cref="QueuedPodInfo.UnschedulablePlugins"/>; null moves pods on every event.
    /// </param>
    public SchedulingQueue(
        TimeProvider? timeProvider = null,
        SchedulingQueueOptions? options = null,
        Func<QueuedPodInfo, ClusterEvent, bool>? mayHelp = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new SchedulingQueueOptions();
        _options.Validate();
        _mayHelp = mayHelp ?? ((_, _) => true);
    }

    /// <summary>
    /// The queueing hint for a set of profiles: an event may help a parked pod when a plugin that rejected it,
    /// in the pod's own profile, registered that event. Pods of unknown profiles move on every event.
    /// </summary>
    public static Func<QueuedPodInfo, ClusterEvent, bool> HintsFrom(IEnumerable<SchedulingProfile> profiles)
    {
        var byName = profiles.ToDictionary(p => p.SchedulerName, StringComparer.Ordinal);
        return (info, clusterEvent) =>
        {
            var name = info.Pod.Spec?.SchedulerName;
            return !byName.TryGetValue(string.IsNullOrEmpty(name) ? SchedulingProfile.DefaultSchedulerName : name, out var profile)
                || profile.MayHelp(info.UnschedulablePlugins, clusterEvent);
        };
    }

    public int ActiveCount => Counted(() => _activeCount);

    public int BackoffCount => Counted(() => _backoffCount);

    public int UnschedulableCount => Counted(() => _unschedulable.Count);

    /// <summary>Pods the queue knows, in flight included.</summary>
    public int Count => Counted(() => _pods.Count);

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>Where the pod is now (after due backoffs and timeouts have been applied); null when not queued.</summary>
    public QueueLocation? LocationOf(Pod pod)
    {
        lock (_gate)
        {
            FlushLocked(Now);
            return _pods.TryGetValue(PodInfo.KeyOf(pod), out var info) ? info.Location : null;
        }
    }

    /// <summary>A new pending pod; goes to activeQ. A pod already known is updated instead.</summary>
    public void Add(Pod pod)
    {
        lock (_gate)
        {
            if (_pods.ContainsKey(PodInfo.KeyOf(pod)))
            {
                UpdateLocked(null, pod);
                return;
            }
            AddNewLocked(pod);
        }
    }

    /// <summary>
    /// The pending pod changed. In activeQ or backoffQ it is updated in place; an unschedulable pod whose
    /// spec or metadata changed (not just status) is retried — through backoffQ while its backoff lasts.
    /// </summary>
    public void Update(Pod oldPod, Pod newPod)
    {
        lock (_gate)
        {
            UpdateLocked(oldPod, newPod);
        }
    }

    /// <summary>The pod was deleted, or bound by someone: forget it wherever it is.</summary>
    public void Delete(Pod pod)
    {
        lock (_gate)
        {
            if (_pods.Remove(PodInfo.KeyOf(pod), out var info))
            {
                Leave(info);
            }
        }
    }

    /// <summary>
    /// The next pod to schedule, waiting until one is ready. Moves pods whose backoff or unschedulable
    /// timeout expired first. The pod stays known to the queue (in flight) until <see cref="Done"/> or
    /// <see cref="AddUnschedulable"/>.
    /// </summary>
    public async ValueTask<QueuedPodInfo> PopAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task signal;
            TimeSpan wait;
            lock (_gate)
            {
                var now = Now;
                FlushLocked(now);
                if (TryPopActive(out var info))
                {
                    info.Attempts++;
                    info.SchedulingCycle = ++_schedulingCycle;
                    info.InitialAttemptTimestamp ??= _time.GetUtcNow();
                    info.UpdatedInFlight = false;
                    return info;
                }
                if (_wake.Task.IsCompleted)
                {
                    _wake = NewSignal();
                }
                signal = _wake.Task;
                var next = NextDeadlineLocked();
                wait = next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(Math.Max(0, next - now));
            }
            if (wait == Timeout.InfiniteTimeSpan)
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, _time, stop.Token);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A popped pod failed. With rejecting plugins it waits in unschedulable for a helpful event — unless a
    /// cluster event or an update of the pod arrived while it was being scheduled (that event may already
    /// have helped), in which case it is retried after backoff, as it is after an error (no rejecting plugins).
    /// A pod deleted meanwhile is dropped.
    /// </summary>
    public void AddUnschedulable(QueuedPodInfo info)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue(info.Key, out var current) || !ReferenceEquals(current, info) || info.Location != QueueLocation.InFlight)
            {
                return;
            }
            info.Timestamp = _time.GetUtcNow();
            if (info.UnschedulablePlugins.Count == 0 || info.UpdatedInFlight || EventSinceMayHelp(info))
            {
                MoveTo(info, QueueLocation.Backoff);
            }
            else
            {
                MoveTo(info, QueueLocation.Unschedulable);
            }
        }
    }

    /// <summary>The scheduling attempt of this pod is over; a pod that was not requeued is forgotten.</summary>
    public void Done(string podKey)
    {
        lock (_gate)
        {
            if (_pods.TryGetValue(podKey, out var info) && info.Location == QueueLocation.InFlight)
            {
                _pods.Remove(podKey);
                Leave(info);
            }
        }
    }

    /// <summary>
    /// A cluster event happened: unschedulable pods it may help move to activeQ, or to backoffQ while their
    /// backoff lasts. Pods in flight that fail afterwards go to backoffQ instead of parking.
    /// </summary>
    public void MoveAllToActiveOrBackoff(ClusterEvent clusterEvent)
    {
        lock (_gate)
        {
            if (_inFlightCount > 0)
            {
                RecordInFlightEvent(clusterEvent);
            }
            if (_unschedulable.Count == 0)
            {
                return;
            }
            var now = Now;
            List<QueuedPodInfo>? moving = null;
            foreach (var info in _unschedulable.Values)
            {
                if (_mayHelp(info, clusterEvent))
                {
                    (moving ??= []).Add(info);
                }
            }
            foreach (var info in moving ?? [])
            {
                Requeue(info, now);
            }
        }
    }

    /// <summary>Queued pods (not those in flight), for diagnostics and tests.</summary>
    public IReadOnlyList<QueuedPodInfo> PendingPods()
    {
        lock (_gate)
        {
            FlushLocked(Now);
            return _pods.Values.Where(p => p.Location != QueueLocation.InFlight).ToList();
        }
    }

    /// <summary>The backoff after <paramref name="attempts"/> attempts: initial × 2^(attempts − 1), capped.</summary>
    public TimeSpan BackoffDuration(int attempts)
    {
        if (attempts <= 0)
        {
            return TimeSpan.Zero;
        }
        var duration = _options.PodInitialBackoff;
        for (var i = 1; i < attempts; i++)
        {
            if (duration > _options.PodMaxBackoff - duration)
            {
                return _options.PodMaxBackoff;
            }
            duration += duration;
        }
        return duration;
    }

    private bool EventSinceMayHelp(QueuedPodInfo info)
    {
        foreach (var (cycle, clusterEvent) in inFlightEvents)
        {
            if (cycle >= info.SchedulingCycle && _mayHelp(info, clusterEvent))
            {
                return true;
            }
        }
        return false;
    }

    private void RecordInFlightEvent(ClusterEvent clusterEvent)
    {
        if (inFlightEvents.Count >= 1024)
        {
            // Forget events older than every pod still in flight.
            var oldest = long.MaxValue;
            foreach (var p in _pods.Values)
            {
                if (p.Location == QueueLocation.InFlight)
                {
                    oldest = Math.Min(oldest, p.SchedulingCycle);
                }
            }
            inFlightEvents.RemoveAll(e => e.Cycle < oldest);
        }
        // Consecutive identical events add nothing.
        if (inFlightEvents.Count > 0 && inFlightEvents[^1] == (_schedulingCycle, clusterEvent))
        {
            return;
        }
        inFlightEvents.Add((_schedulingCycle, clusterEvent));
    }

    private int Counted(Func<int> read)
    {
        lock (_gate)
        {
            FlushLocked(Now);
            return read();
        }
    }

    private void AddNewLocked(Pod pod)
    {
        var info = new QueuedPodInfo(PodInfo.Create(pod), _time.GetUtcNow(), _sequence++) { Location = QueueLocation.InFlight };
        _pods[info.Key] = info;
        MoveTo(info, QueueLocation.Active);
    }

    private void UpdateLocked(Pod? oldPod, Pod newPod)
    {
        if (!_pods.TryGetValue(PodInfo.KeyOf(newPod), out var info))
        {
            AddNewLocked(newPod);
            return;
        }
        var changed = oldPod is null || IsSchedulingRelevantChange(oldPod, newPod);
        info.PodInfo = PodInfo.Create(newPod);
        switch (info.Location)
        {
            case QueueLocation.Active:
                // The priority may have changed: re-insert so the heap order stays right.
                MoveTo(info, QueueLocation.Active);
                break;
            case QueueLocation.InFlight:
                info.UpdatedInFlight |= changed;
                break;
            case QueueLocation.Unschedulable when changed:
                Requeue(info, Now);
                break;
        }
    }

    /// <summary>Out of unschedulable: to backoffQ while the pod's backoff lasts, else straight to activeQ.</summary>
    private void Requeue(QueuedPodInfo info, long now) =>
        MoveTo(info, BackoffExpiry(info) > now ? QueueLocation.Backoff : QueueLocation.Active);

    /// <summary>Moves backed-off pods whose time is up, and pods parked longer than the unschedulable timeout.</summary>
    private void FlushLocked(long now)
    {
        while (_backoff.TryPeek(out var entry, out var expiry))
        {
            if (!IsCurrent(entry, QueueLocation.Backoff))
            {
                _backoff.Dequeue();
                continue;
            }
            if (expiry > now)
            {
                break;
            }
            _backoff.Dequeue();
            MoveTo(entry.Info, QueueLocation.Active);
        }
        while (_unschedulableTimeouts.TryPeek(out var entry, out var due))
        {
            if (!IsCurrent(entry, QueueLocation.Unschedulable))
            {
                _unschedulableTimeouts.Dequeue();
                continue;
            }
            if (due > now)
            {
                break;
            }
            _unschedulableTimeouts.Dequeue();
            if (_mayHelp(entry.Info, ClusterEvent.UnschedulableTimeout))
            {
                Requeue(entry.Info, now);
            }
        }
    }

    private long NextDeadlineLocked()
    {
        var next = long.MaxValue;
        while (_backoff.TryPeek(out var entry, out var expiry))
        {
            if (IsCurrent(entry, QueueLocation.Backoff))
            {
                next = expiry;
                break;
            }
            _backoff.Dequeue();
        }
        while (_unschedulableTimeouts.TryPeek(out var entry, out var due))
        {
            if (IsCurrent(entry, QueueLocation.Unschedulable))
            {
                next = Math.Min(next, due);
                break;
            }
            _unschedulableTimeouts.Dequeue();
        }
        return next;
    }

    private bool TryPopActive(out QueuedPodInfo info)
    {
        while (_active.TryDequeue(out var entry, out _))
        {
            if (IsCurrent(entry, QueueLocation.Active))
            {
                info = entry.Info;
                MoveTo(info, QueueLocation.InFlight);
                return true;
            }
        }
        info = null!;
        return false;
    }

    /// <summary>The one place a pod changes location: keeps the counts right and invalidates old heap entries.</summary>
    private void MoveTo(QueuedPodInfo info, QueueLocation to)
    {
        Leave(info);
        info.Location = to;
        if (to == QueueLocation.InFlight)
        {
            _inFlightCount++;
        }
        var entry = new Entry(info, info.Version);
        switch (to)
        {
            case QueueLocation.Active:
                _activeCount++;
                _active.Enqueue(entry, new ActiveOrder(info.PodInfo.Priority, info.Timestamp.UtcTicks, info.Sequence));
                Signal();
                break;
            case QueueLocation.Backoff:
                _backoffCount++;
                _backoff.Enqueue(entry, BackoffExpiry(info));
                // A waiting PopAsync may have no deadline yet: it must learn about this one.
                Signal();
                break;
            case QueueLocation.Unschedulable:
                _unschedulable[info.Key] = info;
                _unschedulableTimeouts.Enqueue(entry, info.Timestamp.UtcTicks + _options.PodMaxInUnschedulablePodsDuration.Ticks);
                Signal();
                break;
        }
    }

    /// <summary>
    /// Takes the pod out of its current location's count; its heap entries go stale. A pod not in any queue
    /// (new, or dropped) also reads InFlight; Version 0 marks the new one, which was never counted.
    /// </summary>
    private void Leave(QueuedPodInfo info)
    {
        switch (info.Location)
        {
            case QueueLocation.Active:
                _activeCount--;
                break;
            case QueueLocation.Backoff:
                _backoffCount--;
                break;
            case QueueLocation.Unschedulable:
                _unschedulable.Remove(info.Key);
                break;
            case QueueLocation.InFlight when info.Version > 0:
                if (--_inFlightCount == 0)
                {
                    inFlightEvents.Clear();
                }
                break;
        }
        info.Location = QueueLocation.InFlight;
        info.Version++;
    }

    private long BackoffExpiry(QueuedPodInfo info) => info.Timestamp.UtcTicks + BackoffDuration(info.Attempts).Ticks;

    private static bool IsCurrent(Entry entry, QueueLocation location) =>
        entry.Info.Version == entry.Version && entry.Info.Location == location;

    private void Signal() => _wake.TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Whether an update may change the scheduling outcome: upstream's isPodUpdated ignores status,
    /// resourceVersion, generation and managed fields, and so do we.
    /// </summary>
    private static bool IsSchedulingRelevantChange(Pod oldPod, Pod newPod)
    {
        var strippedOld = oldPod with { Status = null, Metadata = oldPod.Metadata with { ResourceVersion = null, Generation = null } };
        var strippedNew = newPod with { Status = null, Metadata = newPod.Metadata with { ResourceVersion = null, Generation = null } };
        return !string.Equals(KubeSerializer.ToJson(strippedOld), KubeSerializer.ToJson(strippedNew), StringComparison.Ordinal);
    }

    private readonly record struct Entry(QueuedPodInfo Info, int Version);

    private readonly record struct ActiveOrder(int Priority, long TimestampTicks, long Sequence)
    {
        public static readonly IComparer<ActiveOrder> Comparer = Comparer<ActiveOrder>.Create(static (a, b) =>
        {
            if (a.Priority != b.Priority)
            {
                return b.Priority.CompareTo(a.Priority);
            }
            if (a.TimestampTicks != b.TimestampTicks)
            {
                return a.TimestampTicks.CompareTo(b.TimestampTicks);
            }
            return a.Sequence.CompareTo(b.Sequence);
        });
    }
}
