using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

/// <summary>The custom metrics source's parsing of the Prometheus text format and its choice of pods to scrape.</summary>
public sealed class CustomMetricsSourceTests
{
    [Fact]
    public void Prometheus_text_samples_with_labels_comments_and_bad_lines()
    {
        var samples = PrometheusText.Parse("""
            # HELP http_requests_total Requests served.
            # TYPE http_requests_total counter
            http_requests_total{code="200",path="/a\"b"} 1027 1395066363000
            http_requests_total{code="500"} 3
            queue_depth 12.5

            broken line here
            1bad 3
            temp NaN
            up{job="x" 1
            """);

        Assert.Equal(3, samples.Count);
        Assert.Equal(("http_requests_total", 1027m, "200", "/a\"b"), (samples[0].Name, samples[0].Value, samples[0].Labels["code"], samples[0].Labels["path"]));
        Assert.Equal(("http_requests_total", 3m, "500"), (samples[1].Name, samples[1].Value, samples[1].Labels["code"]));
        Assert.Equal(("queue_depth", 12.5m, 0), (samples[2].Name, samples[2].Value, samples[2].Labels.Count));
    }

    [Fact]
    public void Only_running_pods_that_ask_for_it_are_scraped()
    {
        static Pod Pod(Dictionary<string, string>? annotations, string phase = PodPhase.Running, string? ip = "10.1.2.3") => new()
        {
            Metadata = new ObjectMeta { Name = "p", Namespace = "default", Annotations = annotations },
            Status = new PodStatus { Phase = phase, PodIP = ip },
        };
        var asks = new Dictionary<string, string> { ["prometheus.io/scrape"] = "true", ["prometheus.io/port"] = "8080" };

        Assert.Equal("http://10.1.2.3:8080/metrics", CustomMetricsScraper.Target(Pod(asks)));
        Assert.Equal("http://10.1.2.3:8080/stats", CustomMetricsScraper.Target(Pod(new(asks) { ["prometheus.io/path"] = "stats" })));
        Assert.Equal("http://[fd00::5]:8080/metrics", CustomMetricsScraper.Target(Pod(asks, ip: "fd00::5")));
        Assert.Null(CustomMetricsScraper.Target(Pod(null)));
        Assert.Null(CustomMetricsScraper.Target(Pod(new(asks) { ["prometheus.io/scrape"] = "false" })));
        Assert.Null(CustomMetricsScraper.Target(Pod(new(asks) { ["prometheus.io/port"] = "http" })));
        Assert.Null(CustomMetricsScraper.Target(Pod(new(asks) { ["prometheus.io/port"] = "70000" })));
        Assert.Null(CustomMetricsScraper.Target(Pod(asks, phase: PodPhase.Pending)));
        Assert.Null(CustomMetricsScraper.Target(Pod(asks, ip: null)));
    }

    [Fact]
    public void Counters_give_a_per_second_rate_between_two_scrapes_of_the_same_pod()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var first = PodCustomMetrics.From("uid-1", t0, PrometheusText.Parse("requests_total{code=\"200\"} 100\nrequests_total{code=\"500\"} 7\nqueue 3\n"), null);
        var second = PodCustomMetrics.From("uid-1", t0.AddSeconds(2), PrometheusText.Parse("requests_total{code=\"200\"} 130\nrequests_total{code=\"500\"} 2\nqueue 4\n"), first);
        var restarted = PodCustomMetrics.From("uid-2", t0.AddSeconds(4), PrometheusText.Parse("requests_total{code=\"200\"} 5\n"), second);

        Assert.DoesNotContain(first.Samples, s => s.Name == "requests_per_second");
        // 30 more in 2 s; the 500s went down (a reset): no rate for them this round.
        var rate = Assert.Single(second.Samples, s => s.Name == "requests_per_second");
        Assert.Equal((15m, "200"), (rate.Value, rate.Labels["code"]));
        Assert.Contains(second.Samples, s => s.Name == "queue" && s.Value == 4m);
        Assert.DoesNotContain(restarted.Samples, s => s.Name == "requests_per_second");
        Assert.Equal(t0.AddSeconds(2), second.Timestamp);
    }
}
