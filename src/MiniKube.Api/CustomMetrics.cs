namespace MiniKube.Api;

/// <summary>
/// custom.metrics.k8s.io/v1beta2 MetricValue: the value of one metric for one object (a pod, or an object such as a
/// Service), as Kubernetes' custom metrics API serves it. Served by the API server from the pods' own metrics; never stored.
/// </summary>
public sealed record MetricValue
{
    public const string GroupVersion = "custom.metrics.k8s.io/v1beta2";

    public ObjectReference DescribedObject { get; init; } = new();

    public MetricIdentifier Metric { get; init; } = new();

    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The window the value covers, when it is a rate or an aggregate over time; null for a point-in-time gauge.</summary>
    public long? WindowSeconds { get; init; }

    public Quantity Value { get; init; }
}

/// <summary>custom.metrics.k8s.io/v1beta2 MetricValueList.</summary>
public sealed record MetricValueList
{
    public string Kind { get; init; } = "MetricValueList";

    public string ApiVersion { get; init; } = MetricValue.GroupVersion;

    public ListMeta Metadata { get; init; } = new();

    public IReadOnlyList<MetricValue> Items { get; init; } = [];
}
