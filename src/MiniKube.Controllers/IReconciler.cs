namespace MiniKube.Controllers;

/// <summary>What a reconcile asks of the loop besides success: come back after a while (level-triggered timers).</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => default;

    public static ReconcileResult After(TimeSpan delay) => new(delay);

    /// <summary>The earlier of two requeue requests (null means none).</summary>
    public static ReconcileResult Earliest(ReconcileResult a, ReconcileResult b) =>
        (a.RequeueAfter, b.RequeueAfter) switch
        {
            (null, _) => b,
            (_, null) => a,
            ({ } x, { } y) => x <= y ? a : b,
        };
}

/// <summary>
/// Makes the world match one object, named by its queue key (<c>namespace/name</c>). Reads the current object from
/// an informer cache, never from the event that queued it. Throwing requeues the key with backoff.
/// </summary>
public interface IReconciler
{
    Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken);
}

/// <summary>A controller the manager can run: a named reconcile loop with its informer handlers registered.</summary>
public interface IController
{
    /// <summary>Kubernetes' name for it (<c>replicaset</c>, <c>deployment</c>, …), as used by <c>--controllers</c>.</summary>
    string Name { get; }

    /// <summary>Runs the workers until <paramref name="cancellationToken"/> ends. Informers must be started and synced.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
