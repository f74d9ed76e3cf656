using Microsoft.Extensions.Logging;

namespace MiniKube.Proxy;

/// <summary>
/// Runs a sync when asked, at once after a quiet time, and a full sync at least every <c>period</c> — kube-proxy's
/// bounded-frequency runner: syncs draw from a bucket of <see cref="Burst"/> tokens that refills one token per
/// <c>minInterval</c>, so the first change after a quiet period syncs immediately while a stream of changes is coalesced into
/// one sync per <c>minInterval</c>. A failed sync is retried, as a full one.
/// </summary>
public sealed partial class SyncRunner(TimeSpan minInterval, TimeSpan period, Func<bool, CancellationToken, Task> sync, TimeProvider time, ILogger logger)
{
    /// <summary>Syncs that may run back to back after a quiet time (kube-proxy's burstSyncs).</summary>
    public const int Burst = 2;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private int _pending;

    /// <summary>Asks for a sync (coalesced with any already asked for).</summary>
    public void Request()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var nextFull = true;
        double tokens = Burst;
        var refilled = time.GetUtcNow();
        var lastFull = time.GetUtcNow();
        void Refill()
        {
            var now = time.GetUtcNow();
            tokens = minInterval <= TimeSpan.Zero ? Burst : Math.Min(Burst, tokens + (now - refilled) / minInterval);
            refilled = now;
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!nextFull && Volatile.Read(ref _pending) == 0)
            {
                var untilFull = lastFull + period - time.GetUtcNow();
                if (untilFull > TimeSpan.Zero)
                {
                    await WaitForSignalAsync(untilFull, cancellationToken).ConfigureAwait(false);
                }
                if (Volatile.Read(ref _pending) == 0)
                {
                    nextFull = true;
                }
            }
            Refill();
            if (tokens < 1)
            {
                LogWaitingForToken(logger, (minInterval * (1 - tokens)).TotalMilliseconds);
                await Task.Delay(minInterval * (1 - tokens), time, cancellationToken).ConfigureAwait(false);
                Refill();
            }
            tokens = Math.Max(0, tokens - 1);
            Interlocked.Exchange(ref _pending, 0);
            _signal.Wait(0);
            var full = nextFull;
            nextFull = false;
            try
            {
                await sync(full, cancellationToken).ConfigureAwait(false);
                if (full)
                {
                    // The period counts from the end of a full sync: one slower than the period must not start the next at once.
                    lastFull = time.GetUtcNow();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HostCommandException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                LogSyncFailed(logger, ex.Message, RetryDelay);
                nextFull = true;
                await Task.Delay(RetryDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForSignalAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signalled = _signal.WaitAsync(linked.Token);
        var delay = Task.Delay(timeout, time, linked.Token);
        await Task.WhenAny(signalled, delay).ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(signalled, delay).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waiting {Milliseconds:0} ms for a sync token (syncs are coalesced to one per min sync period)")]
    private static partial void LogWaitingForToken(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync failed ({Reason}); retrying in {Delay} with a full sync")]
    private static partial void LogSyncFailed(ILogger logger, string reason, TimeSpan delay);
}
