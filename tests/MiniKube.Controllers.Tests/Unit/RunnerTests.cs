using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Controllers;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class RunnerTests
{
    private sealed class Scripted(Func<string, int, ReconcileResult> behave) : IReconciler
    {
        private readonly Dictionary<string, int> _calls = [];

        public int Calls(string key)
        {
            lock (_calls)
            {
                return _calls.GetValueOrDefault(key);
            }
        }

        public Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
        {
            int n;
            lock (_calls)
            {
                n = _calls[key] = _calls.GetValueOrDefault(key) + 1;
            }
            return Task.FromResult(behave(key, n));
        }
    }

    [Fact]
    public async Task A_failing_key_is_retried_with_backoff_and_forgotten_after_success()
    {
        var clock = new TimerClock();
        var calledAt = new List<DateTimeOffset>();
        var reconciler = new Scripted((_, n) =>
        {
            lock (calledAt)
            {
                calledAt.Add(clock.GetUtcNow());
            }
            return n < 3 ? throw new InvalidOperationException("boom") : ReconcileResult.Done;
        });
        var options = new MiniKube.Client.WorkQueueOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) };
        using var runner = new ControllerRunner("test", reconciler, 2, clock, NullLogger.Instance, queueOptions: options);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);
        var start = clock.GetUtcNow();

        runner.Enqueue("a");

        // Failure 1 → requeued after the base delay, not a tick sooner.
        await clock.WaitForTimersAsync(1, "the retry after the first failure");
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal((1, 0), (reconciler.Calls("a"), runner.Queue.Count));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        // Failure 2 → twice the delay.
        await clock.WaitForTimersAsync(2, "the retry after the second failure");
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal((2, 0), (reconciler.Calls("a"), runner.Queue.Count));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.WaitAsync(() => Task.FromResult(reconciler.Calls("a") == 3 && runner.Queue.NumRequeues("a") == 0), TimeSpan.FromSeconds(20),
            "the third attempt, successful, to forget the failures");

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], clock.DueTimes);
        lock (calledAt)
        {
            Assert.Equal([start, start.AddSeconds(1), start.AddSeconds(3)], calledAt);
        }
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_requested_requeue_comes_back_after_the_delay()
    {
        var clock = new TimerClock();
        var reconciler = new Scripted((_, n) => n == 1 ? ReconcileResult.After(TimeSpan.FromSeconds(30)) : ReconcileResult.Done);
        using var runner = new ControllerRunner("test", reconciler, 1, clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        runner.Enqueue("k");

        await clock.WaitForTimersAsync(1, "the requested requeue");
        Assert.Equal([TimeSpan.FromSeconds(30)], clock.DueTimes);
        clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal((1, 0), (reconciler.Calls("k"), runner.Queue.Count));
        clock.Advance(TimeSpan.FromTicks(1));
        await Eventually.WaitAsync(() => Task.FromResult(reconciler.Calls("k") == 2), TimeSpan.FromSeconds(20), "the requeued reconcile");
        // A successful reconcile asks for nothing more.
        Assert.Single(clock.DueTimes);
        Assert.Equal(0, runner.Queue.NumRequeues("k"));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public void Earliest_of_two_requeues_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), ReconcileResult.Earliest(ReconcileResult.After(TimeSpan.FromSeconds(5)), ReconcileResult.After(TimeSpan.FromSeconds(1))).RequeueAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), ReconcileResult.Earliest(ReconcileResult.Done, ReconcileResult.After(TimeSpan.FromSeconds(5))).RequeueAfter);
    }
}
