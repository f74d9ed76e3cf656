using MiniKube.Bench.Chaos;

namespace MiniKube.EndToEnd.Tests;

/// <summary>The chaos checker's surge bound: the most replicas a Deployment asked for in the last 10 s, the value in effect at the window's start included.</summary>
public sealed class ChaosSurgeWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_scale_down_from_a_size_set_long_ago_keeps_the_old_size_for_the_window()
    {
        // The 5-minute run reported the one-by-one ReplicaSet writes of such a scale-down as surge violations.
        var history = new List<(DateTimeOffset, int)> { (Now.AddSeconds(-60), 10), (Now, 4) };
        Assert.Equal(10, InvariantChecker.RecentMax(history, Now));
        Assert.Equal(4, InvariantChecker.RecentMax(history, Now.AddSeconds(11)));
    }

    [Fact]
    public void Values_replaced_before_the_window_began_do_not_count()
    {
        var history = new List<(DateTimeOffset, int)> { (Now.AddSeconds(-60), 10), (Now.AddSeconds(-30), 4), (Now.AddSeconds(-2), 3) };
        Assert.Equal(4, InvariantChecker.RecentMax(history, Now));
    }

    [Fact]
    public void Every_value_inside_the_window_counts()
    {
        var history = new List<(DateTimeOffset, int)> { (Now.AddSeconds(-30), 2), (Now.AddSeconds(-8), 12), (Now.AddSeconds(-4), 6), (Now, 5) };
        Assert.Equal(12, InvariantChecker.RecentMax(history, Now));
        Assert.Equal(5, InvariantChecker.RecentMax([(Now, 5)], Now));
    }
}
