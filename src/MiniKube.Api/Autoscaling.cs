namespace MiniKube.Api;

/// <summary>autoscaling/v2 HorizontalPodAutoscaler.</summary>
public sealed record HorizontalPodAutoscaler : KubeObject
{
    public HorizontalPodAutoscaler()
    {
        ApiVersion = "autoscaling/v2";
        Kind = "HorizontalPodAutoscaler";
    }

    public HorizontalPodAutoscalerSpec? Spec { get; init; }
    public HorizontalPodAutoscalerStatus? Status { get; init; }
}

public sealed record HorizontalPodAutoscalerSpec
{
    public CrossVersionObjectReference ScaleTargetRef { get; init; } = new();
    public int? MinReplicas { get; init; }
    public int MaxReplicas { get; init; }
    public IReadOnlyList<MetricSpec>? Metrics { get; init; }
    public HorizontalPodAutoscalerBehavior? Behavior { get; init; }
}

public sealed record CrossVersionObjectReference
{
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string? ApiVersion { get; init; }
}

public static class MetricSourceType
{
    public const string Resource = "Resource";
    public const string ContainerResource = "ContainerResource";
    public const string Pods = "Pods";
    public const string Object = "Object";
    public const string External = "External";
}

public static class MetricTargetType
{
    public const string Utilization = "Utilization";
    public const string Value = "Value";
    public const string AverageValue = "AverageValue";
}

public sealed record MetricSpec
{
    public string Type { get; init; } = "";
    public ResourceMetricSource? Resource { get; init; }
    public ContainerResourceMetricSource? ContainerResource { get; init; }
}

public sealed record ResourceMetricSource
{
    public string Name { get; init; } = "";
    public MetricTarget Target { get; init; } = new();
}

public sealed record ContainerResourceMetricSource
{
    public string Name { get; init; } = "";
    public string Container { get; init; } = "";
    public MetricTarget Target { get; init; } = new();
}

public sealed record MetricTarget
{
    public string Type { get; init; } = "";
    public Quantity? Value { get; init; }
    public Quantity? AverageValue { get; init; }
    public int? AverageUtilization { get; init; }
}

public sealed record HorizontalPodAutoscalerBehavior
{
    public HPAScalingRules? ScaleUp { get; init; }
    public HPAScalingRules? ScaleDown { get; init; }
}

public sealed record HPAScalingRules
{
    public int? StabilizationWindowSeconds { get; init; }
    /// <summary>Max (default), Min or Disabled.</summary>
    public string? SelectPolicy { get; init; }
    public IReadOnlyList<HPAScalingPolicy>? Policies { get; init; }
}

public sealed record HPAScalingPolicy
{
    /// <summary>Pods or Percent.</summary>
    public string Type { get; init; } = "";
    public int Value { get; init; }
    public int PeriodSeconds { get; init; }
}

public sealed record HorizontalPodAutoscalerStatus
{
    public long? ObservedGeneration { get; init; }
    public DateTimeOffset? LastScaleTime { get; init; }
    public int? CurrentReplicas { get; init; }
    public int DesiredReplicas { get; init; }
    public IReadOnlyList<MetricStatus>? CurrentMetrics { get; init; }
    public IReadOnlyList<HorizontalPodAutoscalerCondition>? Conditions { get; init; }
}

public sealed record MetricStatus
{
    public string Type { get; init; } = "";
    public ResourceMetricStatus? Resource { get; init; }
    public ContainerResourceMetricStatus? ContainerResource { get; init; }
}

public sealed record ResourceMetricStatus
{
    public string Name { get; init; } = "";
    public MetricValueStatus Current { get; init; } = new();
}

public sealed record ContainerResourceMetricStatus
{
    public string Name { get; init; } = "";
    public string Container { get; init; } = "";
    public MetricValueStatus Current { get; init; } = new();
}

public sealed record MetricValueStatus
{
    public Quantity? Value { get; init; }
    public Quantity? AverageValue { get; init; }
    public int? AverageUtilization { get; init; }
}

public sealed record HorizontalPodAutoscalerCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}
