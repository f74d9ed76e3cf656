using Microsoft.Extensions.Time.Testing;

namespace MiniKube.Client.Tests;

public sealed class WorkQueueTests : IDisposable
{
    // xUnit builds one instance per test, so each test gets its own 5 s deadline, started when the test starts.
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(5));

    private CancellationToken Soon => _deadline.Token;

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task A_key_added_many_times_while_waiting_is_queued_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.TryGetAsync(Soon)).Key);
        Assert.Equal("b", (await queue.TryGetAsync(Soon)).Key);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_out_again_until_done_then_requeued_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (_, first) = await queue.TryGetAsync(Soon);

        queue.Add("a");
        queue.Add("a");
        Assert.Equal(0, queue.Count);

        queue.Done(first);
        Assert.Equal(1, queue.Count);
        var (_, again) = await queue.TryGetAsync(Soon);
        Assert.Equal("a", again);
        queue.Done(again);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Two_workers_never_hold_the_same_key()
    {
        using var queue = new WorkQueue<int>();
        var holding = new int[10];
        var violations = 0;
        var processed = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (ok, key) = await queue.TryGetAsync(cts.Token);
                if (!ok)
                {
                    return;
                }
                if (Interlocked.Increment(ref holding[key]) > 1)
                {
                    Interlocked.Increment(ref violations);
                }
                await Task.Yield();
                Interlocked.Decrement(ref holding[key]);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        })).ToArray();

        for (var i = 0; i < 5_000; i++)
        {
            queue.Add(i % 10);
        }
        await Eventually(() => queue.Count == 0 && Volatile.Read(ref processed) > 0);
        queue.ShutDown();
        await Task.WhenAll(workers);

        Assert.Equal(0, violations);
    }

    [Fact]
    public async Task Rate_limited_adds_back_off_exponentially_per_key_and_forget_resets()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4) }, time);

        queue.AddRateLimited("a");
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        var (_, key) = await queue.TryGetAsync(Soon);
        queue.Done(key);

        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        (_, key) = await queue.TryGetAsync(Soon);
        queue.Done(key);

        queue.AddRateLimited("a");
        queue.Done((await AdvanceAndGet(queue, time, TimeSpan.FromSeconds(4))));
        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, queue.Count); // capped at MaxDelay, not 8 s
        Assert.Equal(4, queue.NumRequeues("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }

    [Fact]
    public async Task Shutdown_lets_workers_drain_then_stop()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("x");
        queue.ShutDown();
        queue.Add("ignored");

        var (ok, key) = await queue.TryGetAsync(Soon);
        Assert.True(ok);
        Assert.Equal("x", key);
        var (more, _) = await queue.TryGetAsync(Soon);
        Assert.False(more);
    }

    private async Task<string> AdvanceAndGet(WorkQueue<string> queue, FakeTimeProvider time, TimeSpan by)
    {
        time.Advance(by);
        return (await queue.TryGetAsync(Soon)).Key;
    }

    private static Task Eventually(Func<bool> condition) =>
        Testing.Eventually.WaitAsync(() => Task.FromResult(condition()), TimeSpan.FromSeconds(10), "the queue to drain");
}
