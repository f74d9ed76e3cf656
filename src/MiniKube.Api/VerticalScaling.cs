namespace MiniKube.Api;

/// <summary>autoscaling.k8s.io/v1 VerticalPodAutoscaler: recommended (and applied) requests for a workload's pods.</summary>
public sealed record VerticalPodAutoscaler : KubeObject
{
    public VerticalPodAutoscaler()
    {
        ApiVersion = "autoscaling.k8s.io/v1";
        Kind = "VerticalPodAutoscaler";
    }

    public VerticalPodAutoscalerSpec? Spec { get; init; }
    public VerticalPodAutoscalerStatus? Status { get; init; }
}

public sealed record VerticalPodAutoscalerSpec
{
    public CrossVersionObjectReference? TargetRef { get; init; }
    public PodUpdatePolicy? UpdatePolicy { get; init; }
    public PodResourcePolicy? ResourcePolicy { get; init; }
}

public static class VpaUpdateMode
{
    public const string Off = "Off";
    public const string Initial = "Initial";
    public const string Recreate = "Recreate";
    public const string InPlaceOrRecreate = "InPlaceOrRecreate";

    /// <summary>The VPA's default when <c>updatePolicy.updateMode</c> is unset.</summary>
    public const string Default = Recreate;

    public static IReadOnlyList<string> All { get; } = [InPlaceOrRecreate, Initial, Off, Recreate];

    /// <summary>The modes under which the admission step sets requests on new pods.</summary>
    public static bool AppliesOnCreate(string? mode) => (mode ?? Default) is Initial or Recreate or InPlaceOrRecreate;
}

public sealed record PodUpdatePolicy
{
    public string? UpdateMode { get; init; }
    public int? MinReplicas { get; init; }
}

public sealed record PodResourcePolicy
{
    public IReadOnlyList<ContainerResourcePolicy>? ContainerPolicies { get; init; }

    /// <summary>The policy for a container: its own, else the <c>*</c> one, else none.</summary>
    public ContainerResourcePolicy? For(string containerName)
    {
        var policies = ContainerPolicies ?? [];
        return policies.FirstOrDefault(p => p.ContainerName == containerName)
            ?? policies.FirstOrDefault(p => p.ContainerName == ContainerResourcePolicy.AllContainers);
    }
}

public sealed record ContainerResourcePolicy
{
    public const string AllContainers = "*";

    public string? ContainerName { get; init; }
    public string? Mode { get; init; }
    public IReadOnlyDictionary<string, Quantity>? MinAllowed { get; init; }
    public IReadOnlyDictionary<string, Quantity>? MaxAllowed { get; init; }
    public IReadOnlyList<string>? ControlledResources { get; init; }
    public string? ControlledValues { get; init; }
}

public static class ContainerScalingMode
{
    public const string Auto = "Auto";
    public const string Off = "Off";
    public static IReadOnlyList<string> All { get; } = [Auto, Off];
}

public static class VpaControlledValues
{
    public const string RequestsAndLimits = "RequestsAndLimits";
    public const string RequestsOnly = "RequestsOnly";
    public static IReadOnlyList<string> All { get; } = [RequestsAndLimits, RequestsOnly];
}

public sealed record VerticalPodAutoscalerStatus
{
    public RecommendedPodResources? Recommendation { get; init; }
    public IReadOnlyList<VerticalPodAutoscalerCondition>? Conditions { get; init; }
}

public sealed record RecommendedPodResources
{
    public IReadOnlyList<RecommendedContainerResources>? ContainerRecommendations { get; init; }
}

public sealed record RecommendedContainerResources
{
    public string ContainerName { get; init; } = "";
    public IReadOnlyDictionary<string, Quantity>? Target { get; init; }
    public IReadOnlyDictionary<string, Quantity>? LowerBound { get; init; }
    public IReadOnlyDictionary<string, Quantity>? UpperBound { get; init; }
    public IReadOnlyDictionary<string, Quantity>? UncappedTarget { get; init; }
}

public sealed record VerticalPodAutoscalerCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

/// <summary>The VPA's condition types.</summary>
public static class VpaConditionType
{
    public const string RecommendationProvided = "RecommendationProvided";
    public const string LowConfidence = "LowConfidence";
    public const string NoPodsMatched = "NoPodsMatched";
    public const string FetchingHistory = "FetchingHistory";
    public const string ConfigUnsupported = "ConfigUnsupported";
}
