namespace MiniKube.Api;

/// <summary>apps/v1 Deployment.</summary>
public sealed record Deployment : KubeObject
{
    public Deployment()
    {
        ApiVersion = "apps/v1";
        Kind = "Deployment";
    }

    public DeploymentSpec? Spec { get; init; }
    public DeploymentStatus? Status { get; init; }
}

public sealed record DeploymentSpec
{
    public int? Replicas { get; init; }
    public LabelSelector? Selector { get; init; }
    public PodTemplateSpec Template { get; init; } = new();
    public DeploymentStrategy? Strategy { get; init; }
    public int? MinReadySeconds { get; init; }
    public int? RevisionHistoryLimit { get; init; }
    public bool? Paused { get; init; }
    public int? ProgressDeadlineSeconds { get; init; }
}

public static class DeploymentStrategyType
{
    public const string RollingUpdate = "RollingUpdate";
    public const string Recreate = "Recreate";
}

public sealed record DeploymentStrategy
{
    public string? Type { get; init; }
    public RollingUpdateDeployment? RollingUpdate { get; init; }
}

public sealed record RollingUpdateDeployment
{
    /// <summary>Absolute or percentage; a percentage rounds down.</summary>
    public IntOrString? MaxUnavailable { get; init; }
    /// <summary>Absolute or percentage; a percentage rounds up.</summary>
    public IntOrString? MaxSurge { get; init; }
}

public sealed record DeploymentStatus
{
    public long? ObservedGeneration { get; init; }
    public int? Replicas { get; init; }
    public int? UpdatedReplicas { get; init; }
    public int? ReadyReplicas { get; init; }
    public int? AvailableReplicas { get; init; }
    public int? UnavailableReplicas { get; init; }
    public IReadOnlyList<DeploymentCondition>? Conditions { get; init; }
    public int? CollisionCount { get; init; }
}

public static class DeploymentConditionType
{
    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string ReplicaFailure = "ReplicaFailure";
}

public sealed record DeploymentCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastUpdateTime { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

/// <summary>apps/v1 ReplicaSet.</summary>
public sealed record ReplicaSet : KubeObject
{
    public ReplicaSet()
    {
        ApiVersion = "apps/v1";
        Kind = "ReplicaSet";
    }

    public ReplicaSetSpec? Spec { get; init; }
    public ReplicaSetStatus? Status { get; init; }
}

public sealed record ReplicaSetSpec
{
    public int? Replicas { get; init; }
    public int? MinReadySeconds { get; init; }
    public LabelSelector? Selector { get; init; }
    public PodTemplateSpec? Template { get; init; }
}

public sealed record ReplicaSetStatus
{
    public int Replicas { get; init; }
    public int? FullyLabeledReplicas { get; init; }
    public int? ReadyReplicas { get; init; }
    public int? AvailableReplicas { get; init; }
    public long? ObservedGeneration { get; init; }
    public IReadOnlyList<ReplicaSetCondition>? Conditions { get; init; }
}

public sealed record ReplicaSetCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

/// <summary>apps/v1 DaemonSet.</summary>
public sealed record DaemonSet : KubeObject
{
    public DaemonSet()
    {
        ApiVersion = "apps/v1";
        Kind = "DaemonSet";
    }

    public DaemonSetSpec? Spec { get; init; }
    public DaemonSetStatus? Status { get; init; }
}

public sealed record DaemonSetSpec
{
    public LabelSelector? Selector { get; init; }
    public PodTemplateSpec Template { get; init; } = new();
    public DaemonSetUpdateStrategy? UpdateStrategy { get; init; }
    public int? MinReadySeconds { get; init; }
    public int? RevisionHistoryLimit { get; init; }
}

public static class DaemonSetUpdateStrategyType
{
    public const string RollingUpdate = "RollingUpdate";
    public const string OnDelete = "OnDelete";
}

public sealed record DaemonSetUpdateStrategy
{
    public string? Type { get; init; }
    public RollingUpdateDaemonSet? RollingUpdate { get; init; }
}

public sealed record RollingUpdateDaemonSet
{
    public IntOrString? MaxUnavailable { get; init; }
    public IntOrString? MaxSurge { get; init; }
}

public sealed record DaemonSetStatus
{
    public int CurrentNumberScheduled { get; init; }
    public int NumberMisscheduled { get; init; }
    public int DesiredNumberScheduled { get; init; }
    public int NumberReady { get; init; }
    public long? ObservedGeneration { get; init; }
    public int? UpdatedNumberScheduled { get; init; }
    public int? NumberAvailable { get; init; }
    public int? NumberUnavailable { get; init; }
    public int? CollisionCount { get; init; }
    public IReadOnlyList<DaemonSetCondition>? Conditions { get; init; }
}

public sealed record DaemonSetCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}
