namespace MiniKube.Scheduler.Queue;

/// <summary>Timing of the scheduling queue, with kube-scheduler's defaults.</summary>
public sealed record SchedulingQueueOptions
{
    /// <summary>Backoff after the first failed attempt; doubles per attempt (podInitialBackoffSeconds).</summary>
    public TimeSpan PodInitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Backoff cap (podMaxBackoffSeconds).</summary>
    public TimeSpan PodMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An unschedulable pod is retried after this long even if no event moved it.</summary>
    public TimeSpan PodMaxInUnschedulablePodsDuration { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (PodInitialBackoff <= TimeSpan.Zero)
        {
            throw new ArgumentException("PodInitialBackoff must be positive");
        }
        if (PodMaxBackoff < PodInitialBackoff)
        {
            throw new ArgumentException("PodMaxBackoff must be at least PodInitialBackoff");
        }
        if (PodMaxInUnschedulablePodsDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException("PodMaxInUnschedulablePodsDuration must be positive");
        }
    }
}
