using Microsoft.Extensions.Time.Testing;

namespace MiniKube.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records every timer created on it (a <c>Task.Delay(d, clock)</c> is one), so
/// a test can wait until the code under test is parked on its clock before advancing it, and assert the delays it
/// asked for. Advancing only after the timer exists is what makes "not yet" checks deterministic: time moves only
/// when the test says so, and never past a wait that has not started.
/// </summary>
public sealed class TimerClock : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _dueTimes = [];

    public TimerClock()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>The due time of every timer created so far, in order.</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_gate)
            {
                return [.. _dueTimes];
            }
        }
    }

    public int TimersCreated
    {
        get
        {
            lock (_gate)
            {
                return _dueTimes.Count;
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Counted only once the fake clock holds the timer: a test that sees the count and advances the clock at once must
        // fire it (counting first let a loaded machine advance before the timer existed, so it never fired).
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _dueTimes.Add(dueTime);
        }
        return timer;
    }

    /// <summary>Waits (in real time, bounded) until at least <paramref name="count"/> timers were created.</summary>
    public Task WaitForTimersAsync(int count, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => Task.FromResult(TimersCreated >= count), timeout ?? TimeSpan.FromSeconds(20),
            $"{what} (timer {count} on the fake clock; {TimersCreated} so far)");
}
