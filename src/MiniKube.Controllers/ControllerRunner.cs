using Microsoft.Extensions.Logging;
using MiniKube.Client;

namespace MiniKube.Controllers;

/// <summary>
/// The loop every controller shares: N workers take keys from a <see cref="WorkQueue{T}"/>, call the reconciler,
/// forget the key's failures on success and requeue it with per-key backoff on error. A key is never reconciled by
/// two workers at once. An optional resync re-queues every key periodically (level-triggered safety net).
/// </summary>
public sealed partial class ControllerRunner : IDisposable
{
    private readonly IReconciler _reconciler;
    private readonly int _workers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IEnumerable<string>>? _resyncKeys;
    private readonly TimeSpan _resyncPeriod;

    public ControllerRunner(string name, IReconciler reconciler, int workers, TimeProvider time, ILogger logger,
        Func<IEnumerable<string>>? resyncKeys = null, TimeSpan resyncPeriod = default, WorkQueueOptions? queueOptions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Name = name;
        _reconciler = reconciler;
        _workers = workers;
        _time = time;
        _logger = logger;
        _resyncKeys = resyncKeys;
        _resyncPeriod = resyncPeriod;
        Queue = new WorkQueue<string>(queueOptions, time);
    }

    public string Name { get; }

    public WorkQueue<string> Queue { get; }

    public void Enqueue(string key) => Queue.Add(key);

    public void EnqueueAfter(string key, TimeSpan delay) => Queue.AddAfter(key, delay);

    /// <summary>Runs the workers until <paramref name="cancellationToken"/> ends, then drains and stops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        LogStarting(_logger, Name, _workers);
        var tasks = new List<Task>(_workers + 1);
        for (var i = 0; i < _workers; i++)
        {
            tasks.Add(Task.Run(() => WorkerAsync(cancellationToken), CancellationToken.None));
        }
        if (_resyncKeys is not null && _resyncPeriod > TimeSpan.Zero)
        {
            tasks.Add(Task.Run(() => ResyncAsync(cancellationToken), CancellationToken.None));
        }
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        Queue.ShutDown();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        LogStopped(_logger, Name);
    }

    public void Dispose() => Queue.Dispose();

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (true)
        {
            bool ok;
            string key;
            try
            {
                (ok, key) = await Queue.TryGetAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!ok)
            {
                return;
            }
            // Every log line of this reconcile carries the controller and the object's key.
            using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Controller"] = Name, ["Key"] = key });
            try
            {
                var result = await _reconciler.ReconcileAsync(key, ct).ConfigureAwait(false);
                Queue.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    Queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Shutting down mid-reconcile; the next leader picks it up.
            }
            catch (Exception ex)
            {
                var retries = Queue.NumRequeues(key);
                if (ex is MiniKube.Api.ApiException { IsConflict: true })
                {
                    LogConflict(_logger, Name, key, ex.Message);
                }
                else
                {
                    LogFailed(_logger, Name, key, retries, ex);
                }
                Queue.AddRateLimited(key);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_resyncPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var key in _resyncKeys!())
            {
                Queue.Add(key);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Controller} controller with {Workers} workers")]
    private static partial void LogStarting(ILogger logger, string controller, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped {Controller} controller")]
    private static partial void LogStopped(ILogger logger, string controller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Controller}: syncing {Key} failed (retry {Retries})")]
    private static partial void LogFailed(ILogger logger, string controller, string key, int retries, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Controller}: {Key} changed while syncing, retrying: {Reason}")]
    private static partial void LogConflict(ILogger logger, string controller, string key, string reason);
}
