using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The metrics one pod exposed at its last scrape (<paramref name="ScrapedAt"/>; <paramref name="Timestamp"/> is the same
/// to the second, as served), with the rates derived from its counters.
/// </summary>
internal sealed record PodCustomMetrics(string Uid, DateTimeOffset ScrapedAt, DateTimeOffset Timestamp, IReadOnlyList<MetricSample> Samples)
{
    private const string CounterSuffix = "_total";
    private const string RateSuffix = "_per_second";

    /// <summary>
    /// The samples of a scrape plus, for each counter <c>x_total</c> that the same pod (same uid) also reported at the
    /// previous scrape with the same labels and that has not gone down since, <c>x_per_second</c>: its increase over the
    /// time between the two scrapes, as prometheus-adapter's default rule names <c>rate(x_total)</c>.
    /// </summary>
    public static PodCustomMetrics From(string uid, DateTimeOffset scrapedAt, IReadOnlyList<MetricSample> samples, PodCustomMetrics? previous)
    {
        var all = new List<MetricSample>(samples);
        var seconds = previous is null ? 0 : (decimal)(scrapedAt - previous.ScrapedAt).TotalSeconds;
        if (previous is not null && previous.Uid == uid && seconds > 0)
        {
            foreach (var sample in samples)
            {
                if (!sample.Name.EndsWith(CounterSuffix, StringComparison.Ordinal) || sample.Name.Length == CounterSuffix.Length)
                {
                    continue;
                }
                var before = previous.Samples.FirstOrDefault(p => p.Name == sample.Name && SameLabels(p.Labels, sample.Labels));
                if (before is not null && sample.Value >= before.Value)
                {
                    var rate = decimal.Round((sample.Value - before.Value) / seconds, 3, MidpointRounding.AwayFromZero);
                    all.Add(new MetricSample(sample.Name[..^CounterSuffix.Length] + RateSuffix, sample.Labels, rate));
                }
            }
        }
        return new PodCustomMetrics(uid, scrapedAt, Timestamps.TruncateToSeconds(scrapedAt), all);
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>
/// The source of the custom metrics API: every <c>--metric-resolution</c> the API server reads the metrics that Running
/// pods expose themselves, in the Prometheus text format, from the pods that ask for it with the annotations Prometheus'
/// own configurations use: <c>prometheus.io/scrape: "true"</c>, <c>prometheus.io/port</c> (required) and
/// <c>prometheus.io/path</c> (default <c>/metrics</c>), at <c>http://{podIP}:{port}{path}</c>. Each round replaces the
/// previous one as a whole: a pod that does not answer within the kubelet request timeout, or is gone, drops out.
/// Counters <c>x_total</c> also give <c>x_per_second</c> from two consecutive scrapes (<see cref="PodCustomMetrics.From"/>).
/// </summary>
internal sealed partial class CustomMetricsScraper : BackgroundService
{
    public const string ScrapeAnnotation = "prometheus.io/scrape";
    public const string PortAnnotation = "prometheus.io/port";
    public const string PathAnnotation = "prometheus.io/path";

    private static readonly byte[] ScrapeAnnotationUtf8 = System.Text.Encoding.UTF8.GetBytes(ScrapeAnnotation);

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        MaxResponseContentBufferSize = 1 << 20,
    };

    private readonly ObjectApi _api;
    private readonly ApiServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CustomMetricsScraper> _logger;
    private volatile IReadOnlyDictionary<string, PodCustomMetrics> _pods = new Dictionary<string, PodCustomMetrics>(StringComparer.Ordinal);

    public CustomMetricsScraper(ObjectApi api, ApiServerOptions options, TimeProvider time, ILogger<CustomMetricsScraper> logger)
    {
        _api = api;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The metrics of pod <paramref name="ns"/>/<paramref name="name"/> at the last scrape, if it answered.</summary>
    public PodCustomMetrics? Pod(string ns, string name) => _pods.GetValueOrDefault(ns + "/" + name);

    /// <summary>The names of the metrics the pods reported at the last scrape, sorted.</summary>
    public IReadOnlyList<string> MetricNames() =>
        [.. _pods.Values.SelectMany(p => p.Samples).Select(s => s.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ScrapeLoop.RunAsync(_options.MetricResolution, _time, ScrapeOnceAsync, reason => LogListFailed(_logger, reason), stoppingToken);

    /// <summary>One scrape of every pod that asks for it.</summary>
    public async Task ScrapeOnceAsync(CancellationToken ct)
    {
        // The watch cache as it is (resourceVersion "0"): a scrape needs no consistent read, and a cache a few events behind
        // etcd would otherwise send every round to etcd for all pods, each of them decoded.
        var (items, _) = await _api.ListAsync(ResourceRegistry.For<Pod>(), ObjectFilter.All, new ListVersion(ListVersionKind.Any, 0), ct).ConfigureAwait(false);
        var scrapes = new List<Task<(string Key, PodCustomMetrics? Metrics)>>();
        foreach (var item in items)
        {
            // Few pods ask to be scraped: a pod whose JSON lacks the annotation's name is not decoded (a cached entry would
            // keep the decoded object for good).
            if (item.Json.AsSpan().IndexOf(ScrapeAnnotationUtf8) < 0)
            {
                continue;
            }
            if (Target((Pod)item.Object) is { } url)
            {
                scrapes.Add(ScrapePodAsync((Pod)item.Object, url, ct));
            }
        }
        var next = new Dictionary<string, PodCustomMetrics>(StringComparer.Ordinal);
        foreach (var (key, metrics) in await Task.WhenAll(scrapes).ConfigureAwait(false))
        {
            if (metrics is not null)
            {
                next[key] = metrics;
            }
        }
        _pods = next;
    }

    /// <summary>The URL to scrape, for a Running pod with an IP that asks to be scraped and names its port.</summary>
    internal static string? Target(Pod pod)
    {
        var annotations = pod.Metadata.Annotations;
        if (annotations is null || annotations.GetValueOrDefault(ScrapeAnnotation) != "true" || pod.Status?.Phase != PodPhase.Running
            || string.IsNullOrEmpty(pod.Status.PodIP) || pod.Metadata.DeletionTimestamp is not null
            || !int.TryParse(annotations.GetValueOrDefault(PortAnnotation), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out var port) || port is < 1 or > 65535)
        {
            return null;
        }
        var path = annotations.GetValueOrDefault(PathAnnotation) is { Length: > 0 } p ? p : "/metrics";
        var host = pod.Status.PodIP.Contains(':', StringComparison.Ordinal) ? $"[{pod.Status.PodIP}]" : pod.Status.PodIP;
        return $"http://{host}:{port}{(path.StartsWith('/') ? path : "/" + path)}";
    }

    private async Task<(string, PodCustomMetrics?)> ScrapePodAsync(Pod pod, string url, CancellationToken ct)
    {
        var key = (pod.Metadata.Namespace ?? "") + "/" + (pod.Metadata.Name ?? "");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.KubeletRequestTimeout);
        try
        {
            var text = await Http.GetStringAsync(url, timeout.Token).ConfigureAwait(false);
            return (key, PodCustomMetrics.From(pod.Metadata.Uid ?? "", _time.GetUtcNow(), PrometheusText.Parse(text), _pods.GetValueOrDefault(key)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            LogScrapeFailed(_logger, key, url, ex is OperationCanceledException ? $"no answer within {_options.KubeletRequestTimeout.TotalSeconds:0.#}s" : ex.Message);
            return (key, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Custom metrics: cannot scrape pod {Pod} at {Url}: {Reason}; its metrics drop out")]
    private static partial void LogScrapeFailed(ILogger logger, string pod, string url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Custom metrics: listing pods failed: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string reason);
}
