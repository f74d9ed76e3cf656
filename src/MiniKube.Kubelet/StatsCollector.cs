using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>
/// Resource usage of a node's running containers from one long-lived runtime stats stream per container (Docker's
/// one-shot stats cost about a second each), summarised in Kubernetes' <c>/stats/summary</c> shape. Running containers
/// are listed every <see cref="ListPeriod"/> and at once when <see cref="ContainersChanged"/> says one started, so a new
/// container's stream (and its first sample) begins as it starts rather than up to a period later.
/// </summary>
internal sealed partial class StatsCollector : IAsyncDisposable
{
    /// <summary>How often running containers are listed without a <see cref="ContainersChanged"/> signal.</summary>
    public static readonly TimeSpan ListPeriod = TimeSpan.FromSeconds(2);

    private readonly string _node;
    private readonly IContainerRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Task? _loop;

    public StatsCollector(string node, IContainerRuntime runtime, TimeProvider time, ILogger logger)
    {
        _node = node;
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>A container started (a runtime event): list now instead of at the end of the period.</summary>
    public void ContainersChanged() => _changed.Writer.TryWrite(true);

    public StatsSummary Summary()
    {
        var pods = new List<PodStats>();
        foreach (var group in _feeds.Values.Where(s => s.Latest is not null).GroupBy(s => s.Container.PodUid))
        {
            var first = group.First().Container;
            var containers = group.Where(s => !s.Container.IsSandbox).Select(s => new ContainerStats
            {
                Name = s.Container.ContainerName,
                StartTime = s.Container.StartedAt,
                Cpu = new CpuStats { Time = s.Latest!.Timestamp, UsageNanoCores = s.NanoCores, UsageCoreNanoSeconds = s.Latest.CpuUsageNanoseconds },
                Memory = new MemoryStats { Time = s.Latest.Timestamp, WorkingSetBytes = s.Latest.WorkingSetBytes, UsageBytes = s.Latest.MemoryUsageBytes },
            }).ToList();
            var all = group.ToList();
            pods.Add(new PodStats
            {
                PodRef = new PodStatsReference { Name = first.PodName, Namespace = first.PodNamespace, Uid = first.PodUid },
                Cpu = new CpuStats
                {
                    Time = all.Max(s => s.Latest!.Timestamp),
                    UsageNanoCores = (ulong)all.Sum(s => (decimal)s.NanoCores),
                    UsageCoreNanoSeconds = (ulong)all.Sum(s => (decimal)s.Latest!.CpuUsageNanoseconds),
                },
                Memory = new MemoryStats
                {
                    Time = all.Max(s => s.Latest!.Timestamp),
                    WorkingSetBytes = (ulong)all.Sum(s => (decimal)s.Latest!.WorkingSetBytes),
                    UsageBytes = (ulong)all.Sum(s => (decimal)s.Latest!.MemoryUsageBytes),
                },
                Containers = containers,
            });
        }
        var now = _time.GetUtcNow();
        return new StatsSummary
        {
            Node = new NodeStats
            {
                NodeName = _node,
                Cpu = new CpuStats { Time = now, UsageNanoCores = (ulong)pods.Sum(p => (decimal)(p.Cpu?.UsageNanoCores ?? 0)) },
                Memory = new MemoryStats { Time = now, WorkingSetBytes = (ulong)pods.Sum(p => (decimal)(p.Memory?.WorkingSetBytes ?? 0)) },
            },
            Pods = pods,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var s in _feeds.Values)
        {
            s.Stop();
        }
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var running = (await _runtime.ListContainersAsync(null, ct).ConfigureAwait(false))
                    .Where(c => c.State == RuntimeContainerState.Running).ToDictionary(c => c.Id, StringComparer.Ordinal);
                foreach (var (id, container) in running)
                {
                    if (!_feeds.ContainsKey(id))
                    {
                        var stream = new Feed(container, CancellationTokenSource.CreateLinkedTokenSource(ct));
                        _feeds[id] = stream;
                        stream.Run = Task.Run(() => ReadAsync(stream));
                    }
                }
                foreach (var (id, stream) in _feeds)
                {
                    if (!running.ContainsKey(id) && _feeds.TryRemove(id, out _))
                    {
                        stream.Stop();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogListFailed(_logger, ex.Message);
            }
            try
            {
                await PauseAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Until the list period has passed or a container started, whichever is first.</summary>
    private async Task PauseAsync(CancellationToken ct)
    {
        using var pause = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var period = Task.Delay(ListPeriod, _time, pause.Token);
        var changed = _changed.Reader.WaitToReadAsync(pause.Token).AsTask();
        await Task.WhenAny(period, changed).ConfigureAwait(false);
        await pause.CancelAsync().ConfigureAwait(false);
        _changed.Reader.TryRead(out _);
        ct.ThrowIfCancellationRequested();
    }

    private async Task ReadAsync(Feed stream)
    {
        try
        {
            await foreach (var sample in _runtime.StreamStatsAsync(stream.Container.Id, stream.Cancel.Token).ConfigureAwait(false))
            {
                stream.Add(sample);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogStreamFailed(_logger, stream.Container.Id, ex.Message);
        }
        finally
        {
            // Ended (container stopped or stream broke): the next listing starts a new one if it still runs.
            _feeds.TryRemove(new KeyValuePair<string, Feed>(stream.Container.Id, stream));
        }
    }

    private sealed class Feed(RuntimeContainer container, CancellationTokenSource cancel)
    {
        private ContainerStatsSample? _previous;

        public RuntimeContainer Container { get; } = container;

        public CancellationTokenSource Cancel { get; } = cancel;

        public Task? Run { get; set; }

        public ContainerStatsSample? Latest { get; private set; }

        public ulong NanoCores { get; private set; }

        public void Add(ContainerStatsSample sample)
        {
            _previous = Latest;
            Latest = sample;
            if (_previous is { } p && sample.Timestamp > p.Timestamp && sample.CpuUsageNanoseconds >= p.CpuUsageNanoseconds)
            {
                var seconds = (sample.Timestamp - p.Timestamp).TotalSeconds;
                NanoCores = (ulong)((sample.CpuUsageNanoseconds - p.CpuUsageNanoseconds) / seconds);
            }
        }

        public void Stop()
        {
            try
            {
                Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stats: listing containers failed: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stats stream of {Container} ended: {Reason}")]
    private static partial void LogStreamFailed(ILogger logger, string container, string reason);
}
