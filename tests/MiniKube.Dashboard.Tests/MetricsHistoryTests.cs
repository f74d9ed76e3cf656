using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Dashboard.State;
using MiniKube.Testing;

namespace MiniKube.Dashboard.Tests;

/// <summary>The metrics history on a fake clock: a poll per period, one sample per refreshed reading, bounded to the window, gone pods forgotten, errors recorded.</summary>
public sealed class MetricsHistoryTests : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);
    private readonly TimerClock _clock = new();
    private readonly MetricsHistory _history;
    private List<PodMetrics> _pods = [];
    private List<NodeMetrics> _nodes = [];
    private Exception? _podFailure;
    private int _polls;

    public MetricsHistoryTests()
    {
        _history = new MetricsHistory(
            _ => _podFailure is { } e ? Task.FromException<IReadOnlyList<PodMetrics>>(e) : Task.FromResult<IReadOnlyList<PodMetrics>>([.. _pods]),
            _ => Task.FromResult<IReadOnlyList<NodeMetrics>>([.. _nodes]),
            Period, TimeSpan.FromMinutes(1), _clock, NullLogger.Instance);
        _history.Changed += () => Interlocked.Increment(ref _polls);
    }

    public async ValueTask DisposeAsync() => await _history.DisposeAsync();

    private static PodMetrics Pod(string name, DateTimeOffset at, params (string Cpu, string Memory)[] containers) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Timestamp = at,
        Window = "15s",
        Containers = [.. containers.Select((c, i) => new ContainerMetrics
        {
            Name = "c" + i,
            Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(c.Cpu), ["memory"] = Quantity.Parse(c.Memory) },
        })],
    };

    private static NodeMetrics Node(string name, DateTimeOffset at, string cpu, string memory) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Timestamp = at,
        Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) },
    };

    private async Task StartAsync()
    {
        _history.Start();
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref _polls) >= 1), TimeSpan.FromSeconds(20), "the first poll (at start)");
        await _clock.WaitForTimersAsync(1, "the polling timer");
    }

    /// <summary>Moves the fake clock one period on and waits (in real time) for the poll it causes.</summary>
    private async Task TickAsync()
    {
        var before = Volatile.Read(ref _polls);
        _clock.Advance(Period);
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref _polls) > before), TimeSpan.FromSeconds(20), $"poll {before + 1}");
    }

    [Fact]
    public async Task Samples_each_period_summing_a_pods_containers()
    {
        _pods = [Pod("web", _clock.GetUtcNow(), ("100m", "10Mi"), ("50m", "6Mi"))];
        _nodes = [Node("n1", _clock.GetUtcNow(), "1500m", "2Gi")];
        await StartAsync();
        var first = Assert.Single(_history.ForPod("default", "web"));
        Assert.Equal(new MetricSample(_clock.GetUtcNow(), 150, 16 * 1024 * 1024), first);
        Assert.Equal(1500, Assert.Single(_history.ForNode("n1")).MilliCpu);

        _pods = [Pod("web", _clock.GetUtcNow() + Period, ("300m", "12Mi"))];
        await TickAsync();
        Assert.Equal([150L, 300L], _history.ForPod("default", "web").Select(s => s.MilliCpu));
        Assert.Equal([Period], _clock.DueTimes);
        Assert.Null(_history.Error);
    }

    [Fact]
    public async Task A_reading_not_refreshed_since_the_last_poll_is_not_added_twice()
    {
        var at = _clock.GetUtcNow();
        _pods = [Pod("web", at, ("100m", "10Mi"))];
        await StartAsync();
        await TickAsync();
        await TickAsync();
        Assert.Equal(3, Volatile.Read(ref _polls));
        Assert.Single(_history.ForPod("default", "web"));
    }

    [Fact]
    public async Task Keeps_only_the_window_and_drops_stale_readings_and_gone_pods()
    {
        _pods = [Pod("web", _clock.GetUtcNow(), ("100m", "10Mi")), Pod("stale", _clock.GetUtcNow(), ("1m", "1Mi"))];
        var staleAt = _clock.GetUtcNow();
        await StartAsync();
        for (var i = 1; i <= 10; i++)
        {
            var now = _clock.GetUtcNow() + Period;
            _pods = [Pod("web", now, ($"{100 + i}m", "10Mi")), Pod("stale", staleAt, ("1m", "1Mi"))];
            await TickAsync();
        }
        // A one-minute window at 15 s: the samples of the last minute (five, its start included), the newest last.
        var web = _history.ForPod("default", "web");
        Assert.Equal([106L, 107L, 108L, 109L, 110L], web.Select(s => s.MilliCpu));
        Assert.All(web, s => Assert.True(s.Time >= _clock.GetUtcNow() - TimeSpan.FromMinutes(1), $"{s.Time} is older than the window"));
        // A pod whose reading stopped changing ages out of the window.
        Assert.Empty(_history.ForPod("default", "stale"));

        _pods = [];
        await TickAsync();
        Assert.Empty(_history.ForPod("default", "web"));
    }

    [Fact]
    public async Task An_error_is_recorded_keeps_the_history_and_polling_goes_on()
    {
        _pods = [Pod("web", _clock.GetUtcNow(), ("100m", "10Mi"))];
        await StartAsync();
        _podFailure = new InvalidOperationException("metrics.k8s.io is not served");
        await TickAsync();
        Assert.Equal("pod metrics: metrics.k8s.io is not served", _history.Error);
        Assert.Single(_history.ForPod("default", "web"));

        _podFailure = null;
        _pods = [Pod("web", _clock.GetUtcNow(), ("200m", "10Mi"))];
        await TickAsync();
        Assert.Null(_history.Error);
        Assert.Equal([100L, 200L], _history.ForPod("default", "web").Select(s => s.MilliCpu));
    }
}
