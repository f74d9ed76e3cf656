using System.Globalization;

namespace MiniKube.Api;

/// <summary>
/// metrics.k8s.io/v1beta1 PodMetrics: the latest resource usage of one pod's containers, as metrics-server serves it.
/// Served by the API server from its resource metrics pipeline, never stored.
/// </summary>
public sealed record PodMetrics : KubeObject
{
    public PodMetrics()
    {
        ApiVersion = "metrics.k8s.io/v1beta1";
        Kind = "PodMetrics";
    }

    /// <summary>When the usage was sampled (the end of <see cref="Window"/>).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The interval the CPU rate was computed over, as a Go duration (<c>15.002s</c>).</summary>
    public string Window { get; init; } = "";

    public IReadOnlyList<ContainerMetrics> Containers { get; init; } = [];
}

/// <summary>One container's usage: <c>cpu</c> (cores, a rate over the window) and <c>memory</c> (working set bytes).</summary>
public sealed record ContainerMetrics
{
    public string Name { get; init; } = "";

    public IReadOnlyDictionary<string, Quantity> Usage { get; init; } = new Dictionary<string, Quantity>();
}

/// <summary>metrics.k8s.io/v1beta1 NodeMetrics: the usage of one node. Served, never stored.</summary>
public sealed record NodeMetrics : KubeObject
{
    public NodeMetrics()
    {
        ApiVersion = "metrics.k8s.io/v1beta1";
        Kind = "NodeMetrics";
    }

    public DateTimeOffset Timestamp { get; init; }

    public string Window { get; init; } = "";

    public IReadOnlyDictionary<string, Quantity> Usage { get; init; } = new Dictionary<string, Quantity>();
}
