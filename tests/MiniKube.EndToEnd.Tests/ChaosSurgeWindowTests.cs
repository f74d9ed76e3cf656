using MiniKube.Bench.Chaos;

namespace MiniKube.EndToEnd.Tests;

/// <summary>The chaos checker's surge bound: the most replicas a Deployment asked for in the last 10 s, the value in effect at the window's start included, judged at writes that raise a ReplicaSet.</summary>
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

    [Fact]
    public void A_status_write_after_a_scale_down_made_while_the_controllers_were_down_is_no_violation()
    {
        // A 60 s run found "ReplicaSets ask for 8, at most 7" after a controller-manager kill: the churn scaled the
        // Deployment down during the restart, and the restarted ReplicaSet controller wrote status before the scale-down.
        var check = new SurgeCheck(maxSurge: 2);
        check.DeploymentWritten("web", 8, Now.AddSeconds(-60));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-old", "web", 5, Now.AddSeconds(-50)));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-new", "web", 3, Now.AddSeconds(-40)));
        check.DeploymentWritten("web", 5, Now.AddSeconds(-20));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-old", "web", 5, Now)); // status only
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-old", "web", 3, Now.AddSeconds(1))); // the scale-down, in steps
    }

    [Fact]
    public void Raising_a_ReplicaSet_above_replicas_plus_max_surge_is_a_violation()
    {
        var check = new SurgeCheck(maxSurge: 2);
        check.DeploymentWritten("web", 5, Now.AddSeconds(-60));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-old", "web", 5, Now.AddSeconds(-50)));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-new", "web", 2, Now.AddSeconds(-40)));
        var violation = check.ReplicaSetWritten("replicasets/default/web-new", "web", 3, Now);
        Assert.NotNull(violation);
        Assert.Contains("ask for 8", violation, StringComparison.Ordinal);
        Assert.Contains("at most 7", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_ReplicaSet_counts_as_raised_from_zero_and_a_deleted_one_stops_counting()
    {
        var check = new SurgeCheck(maxSurge: 1);
        check.DeploymentWritten("web", 4, Now.AddSeconds(-60));
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-a", "web", 4, Now.AddSeconds(-50)));
        Assert.NotNull(check.ReplicaSetWritten("replicasets/default/web-b", "web", 2, Now.AddSeconds(-40)));
        check.ReplicaSetDeleted("replicasets/default/web-b");
        Assert.Null(check.ReplicaSetWritten("replicasets/default/web-c", "web", 1, Now));
    }
}
