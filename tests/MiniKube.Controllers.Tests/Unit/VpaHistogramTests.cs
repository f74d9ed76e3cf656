using Microsoft.Extensions.Time.Testing;
using MiniKube.Controllers.Autoscaling;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>The VPA recommender's maths: exponential buckets, decaying histograms, memory peaks, OOM bumps, estimators.</summary>
public sealed class VpaHistogramTests
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    private DecayingHistogram Cpu() => new(ExponentialBuckets.Cpu, Day);

    // A percentile is a bucket's end: at least the value, at most 5 % plus one first bucket (10 MB) above it.
    private static void InMemoryBucketOf(double value, double actual) => Assert.InRange(actual, value, value * 1.05 + 1e7);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.005)]
    [InlineData(0.01)]
    [InlineData(0.2)]
    [InlineData(3.7)]
    [InlineData(999.0)]
    public void A_value_lies_in_its_bucket(double value)
    {
        var b = ExponentialBuckets.Cpu;
        var bucket = b.Find(value);
        Assert.InRange(value, b.Start(bucket), b.Start(bucket + 1));
        Assert.True(value < b.Start(bucket + 1));
    }

    [Fact]
    public void Buckets_grow_by_five_percent_from_the_first_size()
    {
        var b = ExponentialBuckets.Cpu;
        Assert.Equal(0.01, b.Start(1), 9);
        Assert.Equal(0.01 + 0.0105, b.Start(2), 9);
        Assert.Equal(b.Count - 1, b.Find(5000));
        Assert.Equal(0.01 * 1.05, (b.Start(3) - b.Start(2)) / 1.05, 9);
    }

    [Fact]
    public void Percentile_is_the_end_of_the_bucket_holding_it()
    {
        var h = Cpu();
        Assert.True(h.IsEmpty);
        Assert.Equal(0, h.Percentile(0.9));
        for (var i = 0; i < 100; i++)
        {
            h.AddSample(i < 90 ? 0.2 : 2.0, 1, _clock.GetUtcNow());
        }
        Assert.InRange(h.Percentile(0.9), 0.2, 0.2 * 1.05 + 0.01);
        Assert.InRange(h.Percentile(0.95), 2.0, 2.0 * 1.05 + 0.01);
    }

    [Fact]
    public void A_sample_one_half_life_newer_weighs_twice_as_much()
    {
        var same = Cpu();
        same.AddSample(0.1, 1, _clock.GetUtcNow());
        same.AddSample(1.0, 1, _clock.GetUtcNow());
        Assert.InRange(same.Percentile(0.5), 0.1, 0.12);

        var decayed = Cpu();
        decayed.AddSample(0.1, 1, _clock.GetUtcNow());
        _clock.Advance(Day);
        decayed.AddSample(1.0, 1, _clock.GetUtcNow());
        Assert.InRange(decayed.Percentile(0.5), 1.0, 1.06);
        Assert.Equal(3, decayed.TotalWeight, 6);
    }

    [Fact]
    public void A_shorter_half_life_forgets_faster()
    {
        var h = new DecayingHistogram(ExponentialBuckets.Cpu, TimeSpan.FromHours(1));
        h.AddSample(0.1, 3, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromHours(2));
        h.AddSample(1.0, 1, _clock.GetUtcNow());
        // 3 × 1 against 1 × 2² = 4: the newer sample holds the median.
        Assert.InRange(h.Percentile(0.5), 1.0, 1.06);
    }

    [Fact]
    public void The_reference_moves_forward_without_overflow()
    {
        var h = Cpu();
        h.AddSample(0.5, 1, _clock.GetUtcNow());
        _clock.Advance(Day * 200);
        h.AddSample(0.05, 1, _clock.GetUtcNow());
        Assert.True(double.IsFinite(h.TotalWeight));
        // The first sample, 200 half-lives old, no longer counts.
        Assert.InRange(h.Percentile(0.99), 0.05, 0.05 * 1.05 + 0.01);
    }

    [Fact]
    public void Memory_counts_one_peak_per_interval()
    {
        var usage = new ContainerUsage(Day, Day);
        foreach (var mb in new[] { 100, 300, 200 })
        {
            usage.AddMemory(mb * 1e6, _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        // One sample (the first sample sets the reference, so weight 1); nothing left at 100 MB.
        Assert.Equal(1, usage.Memory.TotalWeight, 6);
        InMemoryBucketOf(300e6, usage.Memory.Percentile(0.001));

        _clock.Advance(Day);
        usage.AddMemory(50e6, _clock.GetUtcNow());
        Assert.True(usage.Memory.TotalWeight > 2.5);
    }

    [Fact]
    public void An_oom_kill_raises_memory_by_at_least_100MB()
    {
        var small = new ContainerUsage(Day, Day);
        small.RecordOom(200 * 1024 * 1024, _clock.GetUtcNow());
        InMemoryBucketOf(300 * 1024 * 1024, small.Memory.Percentile(1.0));

        var big = new ContainerUsage(Day, Day);
        big.AddMemory(1e9, _clock.GetUtcNow());
        big.RecordOom(500e6, _clock.GetUtcNow());
        InMemoryBucketOf(1.2e9, big.Memory.Percentile(0.001));
    }

    [Fact]
    public void A_day_of_samples_gives_confidence_one_and_the_vpa_bounds()
    {
        var usage = new ContainerUsage(Day, Day);
        for (var minute = 0; minute <= 24 * 60; minute++)
        {
            usage.AddCpu(minute % 10 == 0 ? 0.4 : 0.2, 0.1, _clock.GetUtcNow());
            usage.AddMemory(400e6, _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(1, ResourceEstimator.Confidence(usage), 2);

        var e = ResourceEstimator.Estimate(usage, containersInPod: 1);
        Assert.Equal(usage.Cpu.Percentile(0.9) * 1.15, e.Target.Cores, 9);
        Assert.Equal(usage.Cpu.Percentile(0.95) * 1.15 * 2, e.UpperBound.Cores, 2);
        Assert.Equal(usage.Cpu.Percentile(0.5) * 1.15 / (1.001 * 1.001), e.LowerBound.Cores, 4);
        InMemoryBucketOf(400e6, e.Target.Bytes / 1.15);
        Assert.True(e.LowerBound.Cores <= e.Target.Cores && e.Target.Cores <= e.UpperBound.Cores);
    }

    [Fact]
    public void Little_history_widens_the_bounds_and_tiny_usage_gets_the_pod_minimum()
    {
        var usage = new ContainerUsage(Day, Day);
        for (var i = 0; i < 5; i++)
        {
            usage.AddCpu(0.001, 0, _clock.GetUtcNow());
            usage.AddMemory(1e6, _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        var e = ResourceEstimator.Estimate(usage, containersInPod: 2);
        Assert.Equal(0.0125, e.Target.Cores, 9);
        Assert.Equal(125 * 1024 * 1024, e.Target.Bytes, 0);
        Assert.True(e.UpperBound.Cores > 100 * e.Target.Cores);
        Assert.Equal(0.0125, e.LowerBound.Cores, 9);
    }

    [Fact]
    public void The_policy_caps_target_and_bounds_but_not_the_uncapped_target()
    {
        var estimates = new ContainerEstimates(new ResourceEstimate(0.5, 100e6), new ResourceEstimate(0.01, 50e6), new ResourceEstimate(4, 1e9));
        var policy = new MiniKube.Api.PodResourcePolicy
        {
            ContainerPolicies =
            [
                new MiniKube.Api.ContainerResourcePolicy
                {
                    ContainerName = "*",
                    MinAllowed = new Dictionary<string, MiniKube.Api.Quantity> { ["cpu"] = MiniKube.Api.Quantity.Parse("50m") },
                    MaxAllowed = new Dictionary<string, MiniKube.Api.Quantity> { ["cpu"] = MiniKube.Api.Quantity.Parse("200m") },
                    ControlledResources = ["cpu"],
                },
                new MiniKube.Api.ContainerResourcePolicy { ContainerName = "sidecar", Mode = "Off" },
            ],
        };
        var r = RecommendationPolicy.Apply("app", estimates, policy)!;
        Assert.Equal(MiniKube.Api.Quantity.Parse("200m"), r.Target!["cpu"]);
        Assert.Equal(MiniKube.Api.Quantity.Parse("500m"), r.UncappedTarget!["cpu"]);
        Assert.Equal(MiniKube.Api.Quantity.Parse("50m"), r.LowerBound!["cpu"]);
        Assert.Equal(MiniKube.Api.Quantity.Parse("200m"), r.UpperBound!["cpu"]);
        Assert.False(r.Target.ContainsKey("memory"));
        Assert.Null(RecommendationPolicy.Apply("sidecar", estimates, policy));
    }
}
