using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The latest resource metrics, as metrics-server keeps them: for every container the last two samples of its cumulative
/// CPU time, so CPU usage is the rate between them (cores, over the window between their sample times), and the last
/// working set. A pod is reported once each of its containers has two samples; a container that restarted (new start
/// time) or whose counter went backwards starts over. A node's usage is the sum of its pods' usage. Each node's entry is
/// replaced as a whole by its next scrape and removed when its kubelet does not answer.
/// </summary>
internal sealed class ResourceMetricsStore
{
    private readonly object _lock = new();
    private Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);

    /// <summary>Pods reported now, over all nodes.</summary>
    public int PodCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Sum(n => n.Pods.Count);
            }
        }
    }

    /// <summary>Records one scrape of <paramref name="node"/>'s kubelet, made at <paramref name="scrapedAt"/>.</summary>
    public void Store(string node, StatsSummary summary, DateTimeOffset scrapedAt)
    {
        NodeEntry? old;
        lock (_lock)
        {
            old = _nodes.GetValueOrDefault(node);
        }
        var series = new Dictionary<string, Series>(StringComparer.Ordinal);
        var pods = new Dictionary<string, PodMetrics>(StringComparer.Ordinal);
        var nodeCpu = 0m;
        var nodeMemory = 0m;
        DateTimeOffset? newest = null;
        foreach (var pod in summary.Pods ?? [])
        {
            if (pod.PodRef is not { Name.Length: > 0 } podRef || pod.Containers is not { Count: > 0 } containers)
            {
                continue;
            }
            var complete = true;
            var metrics = new List<ContainerMetrics>(containers.Count);
            DateTimeOffset timestamp = default;
            var window = TimeSpan.Zero;
            foreach (var c in containers)
            {
                if (c.Cpu?.UsageCoreNanoSeconds is not { } cumulative || c.Memory?.WorkingSetBytes is not { } workingSet)
                {
                    complete = false;
                    continue;
                }
                var key = $"{podRef.Namespace}/{podRef.Name}/{podRef.Uid}/{c.Name}";
                var sample = new Sample(c.Cpu.Time, cumulative, c.StartTime);
                var previous = old?.Series.GetValueOrDefault(key);
                var current = Next(previous, sample);
                series[key] = current;
                if (current.Previous is not { } p)
                {
                    complete = false;
                    continue;
                }
                var seconds = (decimal)(current.Latest.Time - p.Time).TotalSeconds;
                var cores = (current.Latest.CumulativeNanos - p.CumulativeNanos) / 1_000_000_000m / seconds;
                // Whole nanocores, as metrics-server reports them.
                cores = decimal.Round(cores, 9, MidpointRounding.ToZero);
                metrics.Add(new ContainerMetrics
                {
                    Name = c.Name,
                    Usage = new Dictionary<string, Quantity>(StringComparer.Ordinal)
                    {
                        [ResourceName.Cpu] = Quantity.FromDecimal(cores),
                        [ResourceName.Memory] = Quantity.FromBytes((long)workingSet),
                    },
                });
                if (current.Latest.Time > timestamp)
                {
                    timestamp = current.Latest.Time;
                    window = current.Latest.Time - p.Time;
                }
            }
            if (!complete || metrics.Count == 0)
            {
                continue;
            }
            foreach (var m in metrics)
            {
                nodeCpu += m.Usage[ResourceName.Cpu].Amount;
                nodeMemory += m.Usage[ResourceName.Memory].Amount;
            }
            newest = newest is null || timestamp > newest ? timestamp : newest;
            pods[$"{podRef.Namespace}/{podRef.Name}"] = new PodMetrics
            {
                Metadata = new ObjectMeta { Name = podRef.Name, Namespace = podRef.Namespace, Uid = podRef.Uid },
                Timestamp = timestamp,
                Window = GoDuration.ToGoString(window),
                Containers = metrics,
            };
        }
        NodeMetrics? nodeMetrics = null;
        if (old is not null && scrapedAt > old.ScrapedAt)
        {
            nodeMetrics = new NodeMetrics
            {
                Metadata = new ObjectMeta { Name = node },
                Timestamp = newest ?? scrapedAt,
                Window = GoDuration.ToGoString(scrapedAt - old.ScrapedAt),
                Usage = new Dictionary<string, Quantity>(StringComparer.Ordinal)
                {
                    [ResourceName.Cpu] = Quantity.FromDecimal(nodeCpu),
                    [ResourceName.Memory] = Quantity.FromBytes((long)nodeMemory),
                },
            };
        }
        var entry = new NodeEntry(scrapedAt, series, pods, nodeMetrics);
        lock (_lock)
        {
            _nodes = new Dictionary<string, NodeEntry>(_nodes, StringComparer.Ordinal) { [node] = entry };
        }
    }

    /// <summary>Forgets a node whose kubelet did not answer (or that is gone or not ready): its metrics drop out.</summary>
    public void Drop(string node)
    {
        lock (_lock)
        {
            if (_nodes.ContainsKey(node))
            {
                var next = new Dictionary<string, NodeEntry>(_nodes, StringComparer.Ordinal);
                next.Remove(node);
                _nodes = next;
            }
        }
    }

    /// <summary>Forgets every node not in <paramref name="nodes"/>.</summary>
    public void RetainOnly(IReadOnlySet<string> nodes)
    {
        lock (_lock)
        {
            if (_nodes.Keys.Any(n => !nodes.Contains(n)))
            {
                _nodes = _nodes.Where(kv => nodes.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            }
        }
    }

    public PodMetrics? Pod(string ns, string name)
    {
        var key = ns + "/" + name;
        foreach (var node in Snapshot())
        {
            if (node.Pods.TryGetValue(key, out var metrics))
            {
                return metrics;
            }
        }
        return null;
    }

    /// <summary>Every reported pod, optionally of one namespace.</summary>
    public IEnumerable<PodMetrics> Pods(string? ns) =>
        Snapshot().SelectMany(n => n.Pods.Values).Where(p => string.IsNullOrEmpty(ns) || p.Metadata.Namespace == ns);

    public NodeMetrics? Node(string name)
    {
        lock (_lock)
        {
            return _nodes.GetValueOrDefault(name)?.Node;
        }
    }

    public IEnumerable<NodeMetrics> Nodes() => Snapshot().Select(n => n.Node).OfType<NodeMetrics>();

    private IReadOnlyCollection<NodeEntry> Snapshot()
    {
        lock (_lock)
        {
            return _nodes.Values;
        }
    }

    private static Series Next(Series? previous, Sample sample)
    {
        if (previous is null)
        {
            return new Series(null, sample);
        }
        var latest = previous.Latest;
        if (sample.Time == latest.Time)
        {
            // The kubelet has not sampled again since the last scrape.
            return previous;
        }
        if (sample.Time < latest.Time || sample.StartTime != latest.StartTime || sample.CumulativeNanos < latest.CumulativeNanos)
        {
            // Restarted (or a clock/counter reset): start over from this sample.
            return new Series(null, sample);
        }
        return new Series(latest, sample);
    }

    private sealed record Sample(DateTimeOffset Time, ulong CumulativeNanos, DateTimeOffset? StartTime);

    private sealed record Series(Sample? Previous, Sample Latest);

    private sealed record NodeEntry(DateTimeOffset ScrapedAt, Dictionary<string, Series> Series, Dictionary<string, PodMetrics> Pods, NodeMetrics? Node);
}
