using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Dashboard.Components.Shared;
using MiniKube.Dashboard.State;

namespace MiniKube.Dashboard.Tests;

/// <summary>bUnit: the SVG usage chart draws the given samples, its labels and reference lines; the panel shows "no metrics yet" when the metrics API fails.</summary>
public sealed class ChartTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly BunitContext _context = new();

    public void Dispose() => _context.Dispose();

    private static (double X, double Y)[] Points(IRenderedComponent<UsageChart> cut) =>
        [.. cut.Find("polyline[data-test=points]").GetAttribute("points")!.Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    [Fact]
    public void Draws_one_point_per_sample_with_labels_and_references()
    {
        MetricSample[] samples = [new(T0, 10, 0), new(T0.AddSeconds(30), 50, 0), new(T0.AddSeconds(60), 80, 0)];
        var cut = _context.Render<UsageChart>(p => p
            .Add(x => x.Label, "CPU")
            .Add(x => x.Samples, samples)
            .Add(x => x.Value, s => s.MilliCpu)
            .Add(x => x.Format, MetricsPanel.Cpu)
            .Add(x => x.References, [("request", 50L), ("limit", 100L)])
            .Add(x => x.Window, TimeSpan.FromMinutes(1)));

        var points = Points(cut);
        Assert.Equal(3, points.Length);
        // Time runs left to right over the window; a larger value is drawn higher (smaller y).
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X, string.Join(" ", points));
        Assert.Equal(points[1].X, (points[0].X + points[2].X) / 2, 1);
        Assert.True(points[0].Y > points[1].Y && points[1].Y > points[2].Y, string.Join(" ", points));
        Assert.Equal("80m", cut.Find("[data-test=latest]").TextContent);
        Assert.Equal("110m", cut.Find("[data-test=y-max]").TextContent);
        Assert.Equal("−1m", cut.Find("[data-test=x-start]").TextContent);
        Assert.Equal("2026-01-01 12:01:00Z", cut.Find("[data-test=x-end]").TextContent);
        // The limit line is above the latest sample; the request line is at the middle sample's height.
        var limitY = double.Parse(cut.Find("line[data-ref=limit]").GetAttribute("y1")!, CultureInfo.InvariantCulture);
        var requestY = double.Parse(cut.Find("line[data-ref=request]").GetAttribute("y1")!, CultureInfo.InvariantCulture);
        Assert.True(limitY < points[2].Y, $"limit at {limitY}, latest at {points[2].Y}");
        Assert.Equal(points[1].Y, requestY, 1);
        var title = "CPU: latest 80m (request 50m, limit 100m), 3 samples over the last 1m";
        Assert.Equal(title, cut.Find("svg title").TextContent);
        Assert.Equal(title, cut.Find("svg").GetAttribute("aria-label"));
        Assert.Empty(cut.FindAll("[data-test=no-metrics]"));
    }

    [Fact]
    public void Without_samples_it_says_no_metrics_yet()
    {
        var cut = _context.Render<UsageChart>(p => p.Add(x => x.Label, "Memory").Add(x => x.Problem, "pod metrics: unavailable"));
        Assert.Equal("no metrics yet", cut.Find("[data-test=no-metrics]").TextContent);
        Assert.Equal("pod metrics: unavailable", cut.Find("[data-test=no-metrics]").GetAttribute("title"));
        Assert.Empty(cut.FindAll("svg"));
    }

    [Fact]
    public async Task The_panel_shows_no_metrics_yet_when_the_api_fails_and_a_chart_once_it_answers()
    {
        var fail = true;
        await using var history = new MetricsHistory(
            _ => fail ? Task.FromException<IReadOnlyList<PodMetrics>>(new InvalidOperationException("Unimplemented")) : Task.FromResult<IReadOnlyList<PodMetrics>>(
                [new PodMetrics { Metadata = new ObjectMeta { Name = "web", Namespace = "default" }, Timestamp = DateTimeOffset.UtcNow, Containers = [new ContainerMetrics { Name = "app", Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("42m"), ["memory"] = Quantity.Parse("24Mi") } }] }]),
            _ => Task.FromResult<IReadOnlyList<NodeMetrics>>([]),
            TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(15), TimeProvider.System, NullLogger.Instance);
        _context.Services.AddSingleton(history);
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("64Mi") } } }] },
        };

        await history.SampleAsync(CancellationToken.None);
        var cut = _context.Render<MetricsPanel>(p => p.Add(x => x.Object, pod));
        Assert.Equal(2, cut.FindAll("[data-test=no-metrics]").Count);
        Assert.StartsWith("pod metrics: Unimplemented", cut.Find("[data-test=no-metrics]").GetAttribute("title"), StringComparison.Ordinal);

        fail = false;
        await history.SampleAsync(CancellationToken.None);
        cut.WaitForAssertion(() => Assert.Equal(["42m", "24 MiB"], cut.FindAll("[data-test=latest]").Select(e => e.TextContent)), TimeSpan.FromSeconds(5));
        Assert.Contains("limit 64 MiB", cut.Find("[data-chart=Memory] svg title").TextContent, StringComparison.Ordinal);
    }
}
