using System.Text.Json.Serialization;

namespace MiniKube.ApiServer;

/// <summary>
/// The parts of the kubelet's <c>/stats/summary</c> (Kubernetes' stats/v1alpha1 Summary) that the resource metrics
/// pipeline reads: per container, the cumulative CPU time and the working set, with their sample times.
/// </summary>
internal sealed record KubeletSummary
{
    [JsonPropertyName("node")]
    public SummaryNode? Node { get; init; }

    [JsonPropertyName("pods")]
    public IReadOnlyList<SummaryPod>? Pods { get; init; }
}

internal sealed record SummaryNode
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; init; }
}

internal sealed record SummaryPod
{
    [JsonPropertyName("podRef")]
    public SummaryPodRef? PodRef { get; init; }

    [JsonPropertyName("containers")]
    public IReadOnlyList<SummaryContainer>? Containers { get; init; }
}

internal sealed record SummaryPodRef
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("namespace")]
    public string Namespace { get; init; } = "";

    [JsonPropertyName("uid")]
    public string Uid { get; init; } = "";
}

internal sealed record SummaryContainer
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("startTime")]
    public DateTimeOffset? StartTime { get; init; }

    [JsonPropertyName("cpu")]
    public SummaryCpu? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public SummaryMemory? Memory { get; init; }
}

internal sealed record SummaryCpu
{
    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    [JsonPropertyName("usageCoreNanoSeconds")]
    public ulong? UsageCoreNanoSeconds { get; init; }
}

internal sealed record SummaryMemory
{
    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    [JsonPropertyName("workingSetBytes")]
    public ulong? WorkingSetBytes { get; init; }
}
