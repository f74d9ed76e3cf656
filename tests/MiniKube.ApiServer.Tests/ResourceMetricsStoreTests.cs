using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

/// <summary>How the pipeline turns kubelet summaries into PodMetrics/NodeMetrics (metrics-server's rules).</summary>
public sealed class ResourceMetricsStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static StatsSummary Summary(params (string Pod, string Container, DateTimeOffset Time, ulong CpuNanos, ulong WorkingSet, DateTimeOffset Start)[] rows) => new()
    {
        Node = new NodeStats { NodeName = "n1" },
        Pods = [.. rows.GroupBy(r => r.Pod).Select(g => new PodStats
        {
            PodRef = new PodStatsReference { Name = g.Key, Namespace = "default", Uid = "uid-" + g.Key },
            Containers = [.. g.Select(r => new ContainerStats
            {
                Name = r.Container,
                StartTime = r.Start,
                Cpu = new CpuStats { Time = r.Time, UsageCoreNanoSeconds = r.CpuNanos },
                Memory = new MemoryStats { Time = r.Time, WorkingSetBytes = r.WorkingSet },
            })],
        })],
    };

    [Fact]
    public void Cpu_is_the_rate_between_two_samples_and_memory_the_working_set()
    {
        var store = new ResourceMetricsStore();
        store.Store("n1", Summary(("web", "app", T0, 1_000_000_000, 10 << 20, T0.AddMinutes(-1)), ("web", "side", T0, 0, 1 << 20, T0.AddMinutes(-1))), T0);
        Assert.Null(store.Pod("default", "web")); // one sample: no rate yet
        Assert.Null(store.Node("n1"));

        store.Store("n1", Summary(("web", "app", T0.AddSeconds(15), 4_000_000_000, 12 << 20, T0.AddMinutes(-1)),
            ("web", "side", T0.AddSeconds(15), 150_000_000, 1 << 20, T0.AddMinutes(-1))), T0.AddSeconds(15));
        var pod = store.Pod("default", "web")!;
        Assert.Equal(T0.AddSeconds(15), pod.Timestamp);
        Assert.Equal("15s", pod.Window);
        var app = pod.Containers.Single(c => c.Name == "app");
        Assert.Equal("200m", app.Usage["cpu"].ToString()); // 3 s of CPU over 15 s
        Assert.Equal("12Mi", app.Usage["memory"].ToString());
        Assert.Equal("10m", pod.Containers.Single(c => c.Name == "side").Usage["cpu"].ToString());
        var node = store.Node("n1")!;
        Assert.Equal(0.21m, node.Usage["cpu"].Amount);
        Assert.Equal(13 << 20, node.Usage["memory"].Value);
        Assert.Equal("15s", node.Window);
    }

    [Fact]
    public void A_restarted_container_starts_over_and_an_unchanged_sample_keeps_the_last_rate()
    {
        var store = new ResourceMetricsStore();
        store.Store("n1", Summary(("web", "app", T0, 1_000_000_000, 1, T0.AddMinutes(-1))), T0);
        store.Store("n1", Summary(("web", "app", T0.AddSeconds(10), 2_000_000_000, 1, T0.AddMinutes(-1))), T0.AddSeconds(10));
        Assert.Equal("100m", store.Pod("default", "web")!.Containers[0].Usage["cpu"].ToString());
        // The kubelet has not sampled again: same rate.
        store.Store("n1", Summary(("web", "app", T0.AddSeconds(10), 2_000_000_000, 1, T0.AddMinutes(-1))), T0.AddSeconds(20));
        Assert.Equal("100m", store.Pod("default", "web")!.Containers[0].Usage["cpu"].ToString());
        // Restarted (new start time, counter reset): no rate until the next sample.
        store.Store("n1", Summary(("web", "app", T0.AddSeconds(30), 10_000_000, 1, T0.AddSeconds(25))), T0.AddSeconds(30));
        Assert.Null(store.Pod("default", "web"));
        store.Store("n1", Summary(("web", "app", T0.AddSeconds(40), 510_000_000, 1, T0.AddSeconds(25))), T0.AddSeconds(40));
        Assert.Equal("50m", store.Pod("default", "web")!.Containers[0].Usage["cpu"].ToString());
    }

    [Fact]
    public void A_dropped_node_takes_only_its_own_metrics_with_it()
    {
        var store = new ResourceMetricsStore();
        foreach (var node in new[] { "n1", "n2" })
        {
            store.Store(node, Summary(($"{node}-pod", "app", T0, 0, 1, T0)), T0);
            store.Store(node, Summary(($"{node}-pod", "app", T0.AddSeconds(5), 500_000_000, 1, T0)), T0.AddSeconds(5));
        }
        Assert.Equal(2, store.PodCount);
        store.Drop("n2");
        Assert.Null(store.Pod("default", "n2-pod"));
        Assert.Null(store.Node("n2"));
        Assert.NotNull(store.Pod("default", "n1-pod"));
        Assert.Single(store.Nodes());
        store.RetainOnly(new HashSet<string>(StringComparer.Ordinal));
        Assert.Empty(store.Pods(null));
    }

    [Theory]
    [InlineData(15_000, "15s")]
    [InlineData(15_020, "15.02s")]
    [InlineData(90_500, "1m30.5s")]
    [InlineData(500, "500ms")]
    public void Windows_are_go_durations(int milliseconds, string expected)
    {
        Assert.Equal(expected, GoDuration.ToGoString(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.True(GoDuration.TryParse(expected, out var parsed));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), parsed);
    }
}
