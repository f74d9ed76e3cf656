using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Client.Tests;

public sealed class RequestThrottleTests
{
    [Fact]
    public void The_burst_goes_at_once_then_each_request_waits_its_turn_in_order()
    {
        var clock = new TimerClock();
        var throttle = new RequestThrottle(queriesPerSecond: 10, burst: 3, clock);

        var waits = Enumerable.Range(0, 5).Select(_ => throttle.WaitAsync(CancellationToken.None)).ToList();

        Assert.All(waits.Take(3), w => Assert.True(w.IsCompletedSuccessfully));
        Assert.False(waits[3].IsCompleted);
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], clock.DueTimes);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(waits[3].IsCompletedSuccessfully);
        Assert.False(waits[4].IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(waits[4].IsCompletedSuccessfully);
    }

    [Fact]
    public void Idle_time_refills_the_bucket_but_never_beyond_the_burst()
    {
        var clock = new TimerClock();
        var throttle = new RequestThrottle(queriesPerSecond: 2, burst: 2, clock);
        Assert.True(throttle.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(throttle.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(throttle.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(throttle.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.False(throttle.WaitAsync(CancellationToken.None).IsCompleted, "a third request after a long idle spell went without waiting");
        Assert.Equal([TimeSpan.FromMilliseconds(500)], clock.DueTimes);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_at_once()
    {
        var clock = new TimerClock();
        var throttle = new RequestThrottle(queriesPerSecond: 1, burst: 1, clock);
        await throttle.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var wait = throttle.WaitAsync(cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(5, 0)]
    public void Nonsense_rates_are_refused(double qps, int burst) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new RequestThrottle(qps, burst));
}
