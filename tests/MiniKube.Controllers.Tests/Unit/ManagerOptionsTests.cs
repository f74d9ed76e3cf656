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
            LeaderElection = new() { LeaseName = ControllerManagerOptions.DefaultLeaseName, LeaseDuration = TimeSpan.FromSeconds(5) },
            ConcurrentGcSyncs = 0,
            NodeMonitorGracePeriod = TimeSpan.Zero,
        }.Validate();

        Assert.Contains(problems, p => p.StartsWith("--server: \"localhost:8081\" is not a URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--leader-elect-lease-duration (5s) must be greater than --leader-elect-renew-deadline (10s)", StringComparison.Ordinal));
        Assert.Contains("--concurrent-gc-syncs must be at least 1 (got 0)", problems);
        Assert.Contains(problems, p => p.StartsWith("--node-monitor-grace-period must be positive", StringComparison.Ordinal));
        Assert.Empty(new ControllerManagerOptions().Validate());
    }
}
