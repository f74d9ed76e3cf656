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
        var reconciler = new Scripted((_, n) => n < 3 ? throw new InvalidOperationException("boom") : ReconcileResult.Done);
        using var runner = new ControllerRunner("test", reconciler, 2, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        runner.Enqueue("a");

        await Eventually.WaitAsync(() => Task.FromResult(reconciler.Calls("a") == 3 && runner.Queue.NumRequeues("a") == 0), TimeSpan.FromSeconds(5),
            "three attempts, the last successful");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_requested_requeue_comes_back_after_the_delay()
    {
        var reconciler = new Scripted((_, n) => n == 1 ? ReconcileResult.After(TimeSpan.FromMilliseconds(50)) : ReconcileResult.Done);
        using var runner = new ControllerRunner("test", reconciler, 1, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(stop.Token);

        runner.Enqueue("k");

        await Eventually.WaitAsync(() => Task.FromResult(reconciler.Calls("k") == 2), TimeSpan.FromSeconds(5), "the requeued reconcile");
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
