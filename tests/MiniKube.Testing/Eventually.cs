using System.Diagnostics;

namespace MiniKube.Testing;

/// <summary>
/// Waits for a condition by polling with short, growing intervals until a deadline. Replaces fixed
/// sleeps: a test finishes as soon as the world is right, and a timeout says what was awaited and what
/// was last seen instead of a bare assertion failure.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMilliseconds(200);
    private const int MaxDescriptionLength = 2000;

    /// <summary>Polls <paramref name="probe"/> until it returns a non-null value, and returns it.</summary>
    public static Task<T> WaitAsync<T>(
        Func<Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        return PollAsync(async () => await probe().ConfigureAwait(false), v => v is not null, timeout, what, cancellationToken)!;
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="until"/> accepts its value, and returns that value.</summary>
    public static Task<T> WaitAsync<T>(
        Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(until);
        return PollAsync(probe, until, timeout, what, cancellationToken);
    }

    /// <summary>Polls <paramref name="condition"/> until it returns true.</summary>
    public static Task WaitAsync(
        Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return PollAsync(condition, ok => ok, timeout, what, cancellationToken);
    }

    private static async Task<T> PollAsync<T>(
        Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(what);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive");
        }

        var clock = Stopwatch.StartNew();
        var interval = FirstInterval;
        var observedAny = false;
        T last = default!;
        Exception? lastError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A probe that hangs must not hold the test past its deadline; the floor lets the
            // final attempt after a slow previous one still run.
            var budget = Max(timeout - clock.Elapsed, TimeSpan.FromMilliseconds(100));
            try
            {
                var pending = probe();
                if (await Task.WhenAny(pending, Task.Delay(budget, cancellationToken)).ConfigureAwait(false) != pending)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new TimeoutException($"the probe did not complete within {budget.TotalSeconds:0.###} s");
                }

                var value = await pending.ConfigureAwait(false);
                observedAny = true;
                last = value;
                lastError = null;
                if (until(value))
                {
                    return value;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // Errors are "not yet" (e.g. NotFound before an object exists); the last one is reported.
                lastError = ex;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(Describe(what, timeout, observedAny, last, lastError), lastError);
            }

            await Task.Delay(Min(interval, remaining), cancellationToken).ConfigureAwait(false);
            interval = Min(interval * 2, MaxInterval);
        }
    }

    private static string Describe<T>(string what, TimeSpan timeout, bool observedAny, T last, Exception? lastError)
    {
        var message = $"Timed out after {timeout.TotalSeconds:0.###} s waiting for {what}; last observed: "
            + (observedAny ? Truncate(last?.ToString() ?? "null") : "no value (every probe failed)");
        return lastError is null ? message : $"{message}; last error: {lastError.GetType().Name}: {Truncate(lastError.Message)}";
    }

    private static string Truncate(string text) =>
        text.Length <= MaxDescriptionLength ? text : string.Concat(text.AsSpan(0, MaxDescriptionLength), "…");

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
