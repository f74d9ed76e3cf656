using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Queue;

/// <summary>Where a pod is in the scheduling queue.</summary>
public enum QueueLocation
{
    Active,
    Backoff,
    Unschedulable,

    /// <summary>Popped and being scheduled; back in a queue only through <see cref="SchedulingQueue.AddUnschedulable"/>.</summary>
    InFlight,
}

/// <summary>A pending pod and its scheduling history.</summary>
public sealed class QueuedPodInfo
{
    private static readonly IReadOnlySet<string> NoPlugins = new HashSet<string>();

    internal QueuedPodInfo(PodInfo podInfo, DateTimeOffset now, long sequence)
    {
        PodInfo = podInfo;
        Timestamp = now;
        Sequence = sequence;
    }

    public PodInfo PodInfo { get; internal set; }

    public Pod Pod => PodInfo.Pod;

    public string Key => PodInfo.Key;

    /// <summary>When the pod was added, or when its last attempt failed: orders the queue and starts backoff.</summary>
    public DateTimeOffset Timestamp { get; internal set; }

    /// <summary>When the pod was first popped for scheduling.</summary>
    public DateTimeOffset? InitialAttemptTimestamp { get; internal set; }

    /// <summary>Scheduling attempts so far (incremented by each pop); drives the backoff.</summary>
    public int Attempts { get; internal set; }

    /// <summary>
    /// Plugins that rejected the pod in its last attempt. The scheduling loop sets it (from
    /// <see cref="FitError.UnschedulablePlugins"/>) before <see cref="SchedulingQueue.AddUnschedulable"/>;
    /// empty means the attempt failed with an error, and the pod is retried after backoff.
    /// </summary>
    public IReadOnlySet<string> UnschedulablePlugins { get; set; } = NoPlugins;

    public QueueLocation Location { get; internal set; }

    /// <summary>The queue's scheduling cycle in which the pod was last popped.</summary>
    internal long SchedulingCycle { get; set; }

    /// <summary>Arrival order, the last tie-breaker after priority and timestamp.</summary>
    internal long Sequence { get; set; }

    /// <summary>Bumped on every move so stale heap entries are recognised and dropped (lazy deletion).</summary>
    internal int Version { get; set; }

    /// <summary>Set when the pod object changed while it was in flight: a failure then retries instead of parking.</summary>
    internal bool UpdatedInFlight { get; set; }

    public override string ToString() => $"{PodInfo} ({Location}, attempts {Attempts})";
}
