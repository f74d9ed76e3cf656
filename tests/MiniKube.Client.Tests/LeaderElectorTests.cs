using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Client.Tests;

public sealed class LeaderElectorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static LeaderElectionOptions Fast(string lease, string identity, bool release = true) => new()
    {
        LeaseName = lease,
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewDeadline = TimeSpan.FromSeconds(1.5),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
        ReleaseOnCancel = release,
    };

    [Fact]
    public async Task Only_one_candidate_leads_and_a_standby_takes_over_when_the_leader_steps_down()
    {
        await using var server = await TestApiServer.StartAsync();
        // Both candidates run on one fake clock that moves only when both are waiting on it, so "the standby stays a
        // standby" is checked over a known stretch of time: longer than the lease, which only the renewals keep alive.
        var clock = new TimerClock();
        var first = new LeaderElector(server.Client, Fast("handover", "first"), clock);
        var second = new LeaderElector(server.Client, Fast("handover", "second"), clock);
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var leading = 0;
        var maxLeading = 0;
        var ledBySecond = new TaskCompletionSource();
        Func<TaskCompletionSource?, Func<CancellationToken, Task>> work = started => async ct =>
        {
            var now = Interlocked.Increment(ref leading);
            InterlockedMax(ref maxLeading, now);
            started?.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };

        var runFirst = first.RunAsync(work(null), stopFirst.Token);
        await Eventually.WaitAsync(() => Task.FromResult(first.IsLeader), Wait, "the first candidate to lead");
        await clock.WaitForTimersAsync(1, "the leader to wait for its first renewal");
        var runSecond = second.RunAsync(work(ledBySecond), stopSecond.Token);
        await clock.WaitForTimersAsync(2, "the standby to wait for its next attempt");
        var retry = Fast("x", "x").RetryPeriod;
        var steps = (int)Math.Ceiling(Fast("x", "x").LeaseDuration * 2 / retry);
        for (var step = 1; step <= steps; step++)
        {
            clock.Advance(retry);
            // Each loop iteration of each candidate (renew, or try to acquire) ends in one wait on the clock.
            await clock.WaitForTimersAsync(2 + (2 * step), $"both candidates to finish round {step}");
            Assert.True(first.IsLeader, $"the leader lost its lease in round {step}");
            Assert.False(second.IsLeader, $"the standby took over in round {step}");
        }

        await stopFirst.CancelAsync();
        await runFirst.WaitAsync(Wait);
        // The leader released the lease; the standby's next attempt (one retry period on) takes it.
        clock.Advance(retry);
        await ledBySecond.Task.WaitAsync(Wait);

        Assert.True(second.IsLeader);
        Assert.Equal(1, maxLeading);
        var lease = await server.Client.GetAsync<Lease>("handover", "kube-system");
        Assert.Equal("second", lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        await stopSecond.CancelAsync();
        await runSecond.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_after_its_lease_expires()
    {
        await using var server = await TestApiServer.StartAsync();
        var clock = new TimerClock();
        var options = Fast("crash", "standby");
        var crashed = new LeaderElector(server.Client, Fast("crash", "crashed", release: false), clock);
        using var stop = new CancellationTokenSource();
        var run = crashed.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stop.Token);
        await Eventually.WaitAsync(() => Task.FromResult(crashed.IsLeader), Wait, "the first candidate to lead");
        var renewedAt = clock.GetUtcNow();
        await stop.CancelAsync(); // stops renewing without releasing, like a killed process
        await run.WaitAsync(Wait);

        var standby = new LeaderElector(server.Client, options, clock);
        using var stopStandby = new CancellationTokenSource();
        var took = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timers = clock.TimersCreated;
        var runStandby = standby.RunAsync(ct => { took.TrySetResult(clock.GetUtcNow()); return Task.Delay(Timeout.Infinite, ct); }, stopStandby.Token);

        // Step the clock one retry period at a time, each time once the standby waits on it, until it leads.
        for (var round = 1; !took.Task.IsCompleted; round++)
        {
            await Task.WhenAny(took.Task, clock.WaitForTimersAsync(timers + round, $"the standby's attempt {round}"));
            if (took.Task.IsCompleted)
            {
                break;
            }
            Assert.False(standby.IsLeader);
            Assert.True(round < 100, "the standby never took over");
            clock.Advance(options.RetryPeriod);
        }
        var at = await took.Task.WaitAsync(Wait);
        // Not before the lease (renewed at renewedAt, 2 s) expired, and at the first attempt after.
        Assert.InRange(at - renewedAt, options.LeaseDuration, options.LeaseDuration + options.RetryPeriod);
        await stopStandby.CancelAsync();
        await runStandby.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_leader_that_loses_its_lease_stops_its_work_at_once()
    {
        await using var server = await TestApiServer.StartAsync();
        var elector = new LeaderElector(server.Client, Fast("stolen", "victim"));
        var workCancelled = new TaskCompletionSource();
        var run = elector.RunAsync(async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                workCancelled.TrySetResult();
            }
        }, CancellationToken.None);
        await Eventually.WaitAsync(() => Task.FromResult(elector.IsLeader), Wait, "the candidate to lead");

        var lease = await server.Client.GetAsync<Lease>("stolen", "kube-system");
        await server.Client.UpdateAsync(lease with
        {
            Spec = lease.Spec! with { HolderIdentity = "intruder", RenewTime = DateTimeOffset.UtcNow.AddMinutes(5), LeaseDurationSeconds = 600 },
        });

        await workCancelled.Task.WaitAsync(Wait);
        await run.WaitAsync(Wait);
        Assert.False(elector.IsLeader);
    }

    [Fact]
    public void Options_must_be_ordered_lease_over_deadline_over_retry()
    {
        var error = Assert.Throws<ArgumentException>(() => new LeaderElector(null!, new LeaderElectionOptions
        {
            LeaseName = "x",
            LeaseDuration = TimeSpan.FromSeconds(5),
            RenewDeadline = TimeSpan.FromSeconds(10),
        }));
        Assert.Contains("--leader-elect-lease-duration (5s) must be greater than --leader-elect-renew-deadline (10s)", error.Message, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
