using MiniKube.Controllers;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class ManagerOptionsTests
{
    [Fact]
    public void Star_enables_everything_and_minus_disables_one()
    {
        Assert.Equal(ControllerSelection.Known.Order(), ControllerSelection.Parse("*").Order());
        var enabled = ControllerSelection.Parse("*,-nodelifecycle");
        Assert.DoesNotContain("nodelifecycle", enabled);
        Assert.Contains("replicaset", enabled);
        Assert.Equal(["deployment", "replicaset"], ControllerSelection.Parse("replicaset,deployment").Order());
        Assert.Empty(ControllerSelection.Parse("-replicaset"));
    }

    [Fact]
    public void An_unknown_controller_name_is_refused_with_the_known_ones()
    {
        var error = ControllerSelection.TryParse("*,-replicaset,bogus", out _);

        Assert.StartsWith("unknown controller \"bogus\" (known: replicaset, deployment, garbagecollector", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_problems_name_the_flag_to_fix()
    {
        var problems = new ControllerManagerOptions
        {
            Server = "localhost:8081",
            LeaderElectLeaseDuration = TimeSpan.FromSeconds(5),
            ConcurrentGcSyncs = 0,
            NodeMonitorGracePeriod = TimeSpan.Zero,
        }.Validate();

        Assert.Contains(problems, p => p.StartsWith("--server: \"localhost:8081\" is not a URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--leader-elect-lease-duration (5s) must be greater than --leader-elect-renew-deadline (10s)", StringComparison.Ordinal));
        Assert.Contains("--concurrent-gc-syncs must be at least 1 (got 0)", problems);
        Assert.Contains(problems, p => p.StartsWith("--node-monitor-grace-period must be positive", StringComparison.Ordinal));
        Assert.Empty(new ControllerManagerOptions().Validate());
    }

    [Theory]
    [InlineData("40s", 40_000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    public void Durations_are_read_like_go(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("40")]
    [InlineData("4x")]
    [InlineData("s")]
    [InlineData("")]
    public void Bad_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void Durations_print_in_their_largest_whole_unit()
    {
        Assert.Equal("40s", Durations.Format(TimeSpan.FromSeconds(40)));
        Assert.Equal("5m", Durations.Format(TimeSpan.FromMinutes(5)));
        Assert.Equal("250ms", Durations.Format(TimeSpan.FromMilliseconds(250)));
    }
}
