using System.Text.Json.Serialization;

namespace MiniKube.Api;

// Kubernetes' kubelet stats/v1alpha1 Summary (GET /stats/summary): the parts the kubelet fills and the API server's
// resource metrics pipeline reads. One definition for both ends of the wire; the counters are optional, as Kubernetes'
// pointers are, so a reader can tell "not measured" from zero.

/// <summary>A node's summary: the node itself and its pods.</summary>
public sealed record StatsSummary
{
    [JsonPropertyName("node")]
    public NodeStats Node { get; init; } = new();

    [JsonPropertyName("pods")]
    public IReadOnlyList<PodStats> Pods { get; init; } = [];
}

public sealed record NodeStats
{
    [JsonPropertyName("nodeName")]
    public string NodeName { get; init; } = "";

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }
}

public sealed record PodStats
{
    [JsonPropertyName("podRef")]
    public PodStatsReference PodRef { get; init; } = new();

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }

    [JsonPropertyName("containers")]
    public IReadOnlyList<ContainerStats> Containers { get; init; } = [];
}

/// <summary>Kubernetes' <c>PodReference</c> of the Summary API.</summary>
public sealed record PodStatsReference
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("namespace")]
    public string Namespace { get; init; } = "";

    [JsonPropertyName("uid")]
    public string Uid { get; init; } = "";
}

public sealed record ContainerStats
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("startTime")]
    public DateTimeOffset? StartTime { get; init; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }
}

public sealed record CpuStats
{
    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    [JsonPropertyName("usageNanoCores")]
    public ulong? UsageNanoCores { get; init; }

    [JsonPropertyName("usageCoreNanoSeconds")]
    public ulong? UsageCoreNanoSeconds { get; init; }
}

public sealed record MemoryStats
{
    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    [JsonPropertyName("workingSetBytes")]
    public ulong? WorkingSetBytes { get; init; }

    [JsonPropertyName("usageBytes")]
    public ulong? UsageBytes { get; init; }
}
