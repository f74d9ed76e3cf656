namespace MiniKube.Api;

/// <summary>batch/v1 Job.</summary>
public sealed record Job : KubeObject
{
    public Job()
    {
        ApiVersion = "batch/v1";
        Kind = "Job";
    }

    public JobSpec? Spec { get; init; }
    public JobStatus? Status { get; init; }
}

public sealed record JobSpec
{
    public int? Parallelism { get; init; }
    public int? Completions { get; init; }
    public long? ActiveDeadlineSeconds { get; init; }
    public int? BackoffLimit { get; init; }
    public LabelSelector? Selector { get; init; }
    public bool? ManualSelector { get; init; }
    public PodTemplateSpec Template { get; init; } = new();
    public int? TtlSecondsAfterFinished { get; init; }
    /// <summary>NonIndexed (default) or Indexed.</summary>
    public string? CompletionMode { get; init; }
    public bool? Suspend { get; init; }
}

public static class JobConditionType
{
    public const string Complete = "Complete";
    public const string Failed = "Failed";
    public const string Suspended = "Suspended";
    public const string FailureTarget = "FailureTarget";
    public const string SuccessCriteriaMet = "SuccessCriteriaMet";
}

public sealed record JobStatus
{
    public IReadOnlyList<JobCondition>? Conditions { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? CompletionTime { get; init; }
    public int? Active { get; init; }
    public int? Succeeded { get; init; }
    public int? Failed { get; init; }
    public int? Ready { get; init; }
    public string? CompletedIndexes { get; init; }
}

public sealed record JobCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastProbeTime { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}
