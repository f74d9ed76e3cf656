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
    public PodsMetricSource? Pods { get; init; }
    public ObjectMetricSource? Object { get; init; }
}

/// <summary>A metric of the custom metrics API: its name and, optionally, a selector of its labels.</summary>
public sealed record MetricIdentifier
{
    public string Name { get; init; } = "";
    public LabelSelector? Selector { get; init; }
}

/// <summary>A metric every target pod reports (custom.metrics.k8s.io), averaged over the pods; the target is an AverageValue.</summary>
public sealed record PodsMetricSource
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
}

/// <summary>A metric of one object (custom.metrics.k8s.io), e.g. a Service; the target is a Value or an AverageValue per pod.</summary>
public sealed record ObjectMetricSource
{
    public CrossVersionObjectReference DescribedObject { get; init; } = new();
    public MetricIdentifier Metric { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
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
    public PodsMetricStatus? Pods { get; init; }
    public ObjectMetricStatus? Object { get; init; }
}

public sealed record PodsMetricStatus
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricValueStatus Current { get; init; } = new();
}

public sealed record ObjectMetricStatus
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricValueStatus Current { get; init; } = new();
    public CrossVersionObjectReference DescribedObject { get; init; } = new();
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

/// <summary>
/// autoscaling/v1 Scale: the scale subresource of Deployments and ReplicaSets (<c>spec.replicas</c> to read and set;
/// <c>status.replicas</c> and the pod selector as a string).
/// </summary>
public sealed record Scale : KubeObject
{
    public Scale()
    {
        ApiVersion = "autoscaling/v1";
        Kind = "Scale";
    }

    public ScaleSpec? Spec { get; init; }
    public ScaleStatus? Status { get; init; }
}

public sealed record ScaleSpec
{
    public int? Replicas { get; init; }
}

public sealed record ScaleStatus
{
    public int Replicas { get; init; }

    /// <summary>The label selector of the target's pods in its string form (<c>app=web</c>).</summary>
    public string? Selector { get; init; }
}

public static class ScalingPolicySelect
{
    public const string Max = "Max";
    public const string Min = "Min";
    public const string Disabled = "Disabled";
}

public static class HPAScalingPolicyType
{
    public const string Pods = "Pods";
    public const string Percent = "Percent";
}

/// <summary>Kubernetes' defaults for <c>spec.behavior</c> (applied when a behavior is given; unset fields are filled).</summary>
public static class HpaBehaviorDefaults
{
    /// <summary>Up: no stabilization, the larger of 4 pods or 100 % per 15 s.</summary>
    public static HPAScalingRules ScaleUp(HPAScalingRules? rules) => new()
    {
        StabilizationWindowSeconds = rules?.StabilizationWindowSeconds ?? 0,
        SelectPolicy = rules?.SelectPolicy ?? ScalingPolicySelect.Max,
        Policies = rules?.Policies ??
        [
            new HPAScalingPolicy { Type = HPAScalingPolicyType.Pods, Value = 4, PeriodSeconds = 15 },
            new HPAScalingPolicy { Type = HPAScalingPolicyType.Percent, Value = 100, PeriodSeconds = 15 },
        ],
    };

    /// <summary>
    /// Down: 100 % per 15 s; the stabilization window stays unset so the controller's
    /// <c>--horizontal-pod-autoscaler-downscale-stabilization</c> (300 s) applies.
    /// </summary>
    public static HPAScalingRules ScaleDown(HPAScalingRules? rules) => new()
    {
        StabilizationWindowSeconds = rules?.StabilizationWindowSeconds,
        SelectPolicy = rules?.SelectPolicy ?? ScalingPolicySelect.Max,
        Policies = rules?.Policies ?? [new HPAScalingPolicy { Type = HPAScalingPolicyType.Percent, Value = 100, PeriodSeconds = 15 }],
    };
}
