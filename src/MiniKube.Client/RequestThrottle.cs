namespace MiniKube.Client;

/// <summary>
/// A token bucket in front of a client's requests, as client-go's <c>--kube-api-qps</c> / <c>--kube-api-burst</c> are:
/// up to <see cref="Burst"/> requests go at once, then one every 1/<see cref="QueriesPerSecond"/> seconds, in arrival order.
/// A request that is cancelled while it waits still spends its token, as client-go's does.
/// </summary>
public sealed class RequestThrottle
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _refilledAt;

    public RequestThrottle(double queriesPerSecond, int burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queriesPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        QueriesPerSecond = queriesPerSecond;
        Burst = burst;
        _time = time ?? TimeProvider.System;
        _tokens = burst;
        _refilledAt = _time.GetTimestamp();
    }

    public double QueriesPerSecond { get; }

    public int Burst { get; }

    /// <summary>Completes when the caller may send its request.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve();
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, _time, cancellationToken);
    }

    /// <summary>Takes one token, going into debt when none is left; the debt is how long the caller must wait.</summary>
    private TimeSpan Reserve()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(Burst, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * QueriesPerSecond));
            _refilledAt = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / QueriesPerSecond);
        }
    }
}
