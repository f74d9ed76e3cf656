using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Dashboard.State;

/// <summary>
/// The last minutes of CPU and memory per pod and per node, for the charts. Metrics (metrics.k8s.io) cannot be watched, so
/// this polls the PodMetrics and NodeMetrics lists every <see cref="DashboardOptions.MetricsPeriod"/> (as kubectl top and
/// Headlamp do), keeps a bounded series per pod (namespace/name, containers summed) and per node covering
/// <see cref="DashboardOptions.MetricsWindow"/>, forgets pods and nodes the lists no longer have, and raises
/// <see cref="Changed"/> after each poll. A failing or missing metrics API leaves the series as they are and is reported
/// through <see cref="Error"/>; it never throws at a page.
/// </summary>
public sealed partial class MetricsHistory : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<IReadOnlyList<PodMetrics>>> _listPods;
    private readonly Func<CancellationToken, Task<IReadOnlyList<NodeMetrics>>> _listNodes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<MetricSample>> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<MetricSample>> _nodes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private string? _error;
    private int _disposed;

    public MetricsHistory(MiniKubeClient client, DashboardOptions options, TimeProvider time, ILogger<MetricsHistory> logger)
        : this(ct => client.ListPodMetricsAsync(cancellationToken: ct), ct => client.ListNodeMetricsAsync(cancellationToken: ct),
            options.MetricsPeriod, options.MetricsWindow, time, logger)
    {
    }

    internal MetricsHistory(Func<CancellationToken, Task<IReadOnlyList<PodMetrics>>> listPods, Func<CancellationToken, Task<IReadOnlyList<NodeMetrics>>> listNodes,
        TimeSpan period, TimeSpan window, TimeProvider time, ILogger logger)
    {
        _listPods = listPods;
        _listNodes = listNodes;
        Period = period;
        Window = window;
        _time = time;
        _logger = logger;
        // One sample a period over the window, and the one that starts it.
        _capacity = (int)Math.Ceiling(window / period) + 1;
    }

    /// <summary>Raised (on the polling thread) after each poll.</summary>
    public event Action? Changed;

    public TimeSpan Period { get; }

    public TimeSpan Window { get; }

    /// <summary>Why the last poll got no metrics (the API's error), or null when it did.</summary>
    public string? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>The pod's samples, oldest first (empty when there are none yet).</summary>
    public IReadOnlyList<MetricSample> ForPod(string ns, string name) => Read(_pods, ns + "/" + name);

    /// <summary>The node's samples, oldest first.</summary>
    public IReadOnlyList<MetricSample> ForNode(string name) => Read(_nodes, name);

    /// <summary>Polls now and then every period until disposed.</summary>
    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>One poll of both lists; a failure of either (an API error, an API server without metrics) is recorded and logged, never thrown: it must not stop the polling.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        IReadOnlyList<PodMetrics>? pods = null;
        IReadOnlyList<NodeMetrics>? nodes = null;
        try
        {
            pods = await _listPods(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            errors.Add("pod metrics: " + ex.Message);
        }
        try
        {
            nodes = await _listNodes(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            errors.Add("node metrics: " + ex.Message);
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (pods is not null)
            {
                Merge(_pods, pods.Select(p => (Key: (p.Metadata.Namespace ?? "") + "/" + p.Metadata.Name, Sample: PodSample(p, now))), now);
            }
            if (nodes is not null)
            {
                Merge(_nodes, nodes.Select(n => (Key: n.Metadata.Name ?? "", Sample: NodeSample(n, now))), now);
            }
            _error = errors.Count == 0 ? null : string.Join("; ", errors);
        }
        if (errors.Count > 0)
        {
            LogPollFailed(_logger, string.Join("; ", errors));
        }
        Changed?.Invoke();
    }

    /// <summary>Stops the polling; a second call (the host's, then the container's) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while polling.
            }
        }
        _stop.Dispose();
    }

    private static MetricSample PodSample(PodMetrics metrics, DateTimeOffset now) => new(
        metrics.Timestamp == default ? now : metrics.Timestamp,
        metrics.Containers.Sum(c => Usage(c.Usage, ResourceName.Cpu, milli: true)),
        metrics.Containers.Sum(c => Usage(c.Usage, ResourceName.Memory, milli: false)));

    private static MetricSample NodeSample(NodeMetrics metrics, DateTimeOffset now) => new(
        metrics.Timestamp == default ? now : metrics.Timestamp,
        Usage(metrics.Usage, ResourceName.Cpu, milli: true),
        Usage(metrics.Usage, ResourceName.Memory, milli: false));

    private static long Usage(IReadOnlyDictionary<string, Quantity> usage, string name, bool milli) =>
        usage.TryGetValue(name, out var q) ? (milli ? q.MilliValue : q.Value) : 0;

    private IReadOnlyList<MetricSample> Read(Dictionary<string, Queue<MetricSample>> series, string key)
    {
        lock (_gate)
        {
            return series.TryGetValue(key, out var q) ? [.. q] : [];
        }
    }

    /// <summary>Adds the new readings (a reading the API server has not refreshed since the last poll is not added twice), drops what is gone, older than the window, or over capacity.</summary>
    private void Merge(Dictionary<string, Queue<MetricSample>> series, IEnumerable<(string Key, MetricSample Sample)> readings, DateTimeOffset now)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, sample) in readings)
        {
            seen.Add(key);
            if (!series.TryGetValue(key, out var queue))
            {
                series[key] = queue = new Queue<MetricSample>();
            }
            if (queue.Count == 0 || sample.Time > queue.Last().Time)
            {
                queue.Enqueue(sample);
            }
        }
        foreach (var key in series.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            series.Remove(key);
        }
        var oldest = now - Window;
        foreach (var queue in series.Values)
        {
            while (queue.Count > 0 && (queue.Count > _capacity || queue.Peek().Time < oldest))
            {
                queue.Dequeue();
            }
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Period, _time);
        do
        {
            await SampleAsync(_stop.Token).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "No metrics this poll: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error);
}
