using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The metrics-server model inside the API server: every <c>--metric-resolution</c> it reads the stats summary of each
/// Ready node's kubelet, all nodes at once, and hands each answer to the <see cref="ResourceMetricsStore"/>. A kubelet
/// that fails or does not answer within the timeout drops out of the metrics; the other nodes' metrics stay.
/// </summary>
internal sealed partial class ResourceMetricsScraper : BackgroundService
{

    private readonly ObjectApi _api;
    private readonly ResourceMetricsStore _store;
    private readonly ApiServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResourceMetricsScraper> _logger;

    private readonly KubeletClient _kubelets;

    public ResourceMetricsScraper(ObjectApi api, ResourceMetricsStore store, ApiServerOptions options, TimeProvider time, ILogger<ResourceMetricsScraper> logger,
        KubeletClient kubelets)
    {
        _kubelets = kubelets;
        _api = api;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>How long the last scrape of all nodes took (for benchmarks and logs).</summary>
    public TimeSpan LastScrapeDuration { get; private set; }

    /// <summary>Completed scrapes since start.</summary>
    public long Scrapes => Interlocked.Read(ref _scrapes);

    private long _scrapes;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ScrapeLoop.RunAsync(_options.MetricResolution, _time, ScrapeOnceAsync, reason => LogListFailed(_logger, reason), stoppingToken);

    /// <summary>One scrape of every Ready node.</summary>
    public async Task ScrapeOnceAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (items, _) = await _api.ListAsync(ResourceRegistry.For<Node>(), ObjectFilter.All, ct).ConfigureAwait(false);
        var ready = new HashSet<string>(StringComparer.Ordinal);
        var scrapes = new List<Task>();
        foreach (var item in items)
        {
            var node = (Node)item.Object;
            var name = node.Metadata.Name ?? "";
            var isReady = node.Status?.Conditions?.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True) == true;
            if (!isReady || _kubelets.BaseUrl(node) is not { } baseUrl)
            {
                continue;
            }
            ready.Add(name);
            scrapes.Add(ScrapeNodeAsync(name, baseUrl, ct));
        }
        _store.RetainOnly(ready);
        await Task.WhenAll(scrapes).ConfigureAwait(false);
        LastScrapeDuration = Stopwatch.GetElapsedTime(started);
        Interlocked.Increment(ref _scrapes);
    }

    private async Task ScrapeNodeAsync(string node, string baseUrl, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.KubeletRequestTimeout);
        try
        {
            var summary = await _kubelets.Http.GetFromJsonAsync<StatsSummary>(
                baseUrl + "/stats/summary?node=" + Uri.EscapeDataString(node), timeout.Token).ConfigureAwait(false);
            if (summary is null)
            {
                throw new HttpRequestException("empty summary");
            }
            _store.Store(node, summary, _time.GetUtcNow());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or IOException)
        {
            _store.Drop(node);
            LogScrapeFailed(_logger, node, baseUrl, ex is OperationCanceledException ? $"no answer within {_options.KubeletRequestTimeout.TotalSeconds:0.#}s" : ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resource metrics: cannot scrape the kubelet of node {Node} at {Url}: {Reason}; its metrics drop out")]
    private static partial void LogScrapeFailed(ILogger logger, string node, string url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resource metrics: listing nodes failed: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string reason);
}
