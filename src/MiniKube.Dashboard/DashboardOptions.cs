using System.Net;

namespace MiniKube.Dashboard;

/// <summary>What the dashboard serves and where it finds the API server.</summary>
public sealed record DashboardOptions
{
    public const int DefaultPort = 8090;

    /// <summary>The API server's gRPC URL.</summary>
    public required string Server { get; init; }

    /// <summary>What the dashboard presents to the API server and whom it trusts (<c>--token</c>, <c>--certificate-authority</c>, …).</summary>
    public MiniKube.Client.ClientCredentials Credentials { get; init; } = MiniKube.Client.ClientCredentials.None;

    /// <summary>The address the web UI listens on (loopback unless told otherwise).</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 picks a free one (tests).</summary>
    public int ListenPort { get; init; } = DefaultPort;

    /// <summary>How long a burst of changes is gathered before an open page re-renders.</summary>
    public TimeSpan RenderCoalescing { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the metrics lists (metrics.k8s.io PodMetrics and NodeMetrics) are polled for the charts; the API server refreshes them every --metric-resolution (15 s).</summary>
    public TimeSpan MetricsPeriod { get; init; } = DefaultMetricsPeriod;

    /// <summary>How far back the charts go: older samples are dropped.</summary>
    public TimeSpan MetricsWindow { get; init; } = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan DefaultMetricsPeriod = TimeSpan.FromSeconds(15);

    /// <summary>Serilog minimum level name.</summary>
    public string LogLevel { get; init; } = "Information";
}
