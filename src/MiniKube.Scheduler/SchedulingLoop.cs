using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler;

/// <summary>What the host hears about each decision (to write the PodScheduled condition and Events).</summary>
public interface ISchedulingObserver
{
    /// <summary>The binding was accepted by the API server.</summary>
    void Bound(Pod pod, string nodeName);

    /// <summary>
    /// The binding was accepted; <paramref name="scores"/> describes the choice (<see cref="GenericScheduler.DescribeLastScores"/>,
    /// e.g. <c>scores: n1=187, n2=161</c>). Defaults to <see cref="Bound(Pod, string)"/>.
    /// </summary>
    void Bound(Pod pod, string nodeName, string? scores) => Bound(pod, nodeName);

    /// <summary>
    /// The attempt failed. <paramref name="reason"/> is "Unschedulable" when no node fits (the message is the
    /// FitError text) or "SchedulerError" when a plugin or the bind failed; the pod is retried either way.
    /// </summary>
    void Failed(Pod pod, string reason, string message);
}

/// <summary>
/// kube-scheduler's scheduleOne loop: pop a pod, update the snapshot, run the pod's profile, assume the
/// chosen node in the cache and bind in the background — so the next pod is scheduled while the API call
/// for the last one is in flight. A failed pod goes back to the queue (parked or backing off); a failed bind
/// is forgotten from the cache and retried after backoff.
/// </summary>
public sealed class SchedulingLoop
{
    public const string ReasonUnschedulable = "Unschedulable";
    public const string ReasonSchedulerError = "SchedulerError";

    private readonly SchedulerCache _cache;
    private readonly SchedulingQueue _queue;
    private readonly ISchedulingObserver? _observer;
    private readonly Dictionary<string, GenericScheduler> _algorithms = new(StringComparer.Ordinal);
    private readonly NodeSnapshot _snapshot = new();
    private readonly CycleState _state = new();
    private readonly SemaphoreSlim _bindSlots;
    private int _bindsInFlight;

    /// <param name="maxConcurrentBinds">Bind calls allowed in flight at once; the loop waits for a slot beyond that.</param>
    public SchedulingLoop(
        SchedulerCache cache,
        SchedulingQueue queue,
        IEnumerable<SchedulingProfile> profiles,
        ISchedulingObserver? observer = null,
        int maxConcurrentBinds = 256,
        Random? random = null)
    {
        _cache = cache;
        _queue = queue;
        _observer = observer;
        foreach (var profile in profiles)
        {
            if (profile.Binder is null)
            {
                throw new ArgumentException($"profile \"{profile.SchedulerName}\" has no binder; attach one with WithBinder", nameof(profiles));
            }
            _algorithms.Add(profile.SchedulerName, new GenericScheduler(profile, random));
        }
        _bindSlots = new SemaphoreSlim(maxConcurrentBinds, maxConcurrentBinds);
    }

    /// <summary>Scheduler names this loop serves (spec.schedulerName; empty means default-scheduler).</summary>
    public IReadOnlyCollection<string> SchedulerNames => _algorithms.Keys;

    public int BindsInFlight => Volatile.Read(ref _bindsInFlight);

    /// <summary>Whether this loop schedules <paramref name="pod"/> (by spec.schedulerName).</summary>
    public bool IsResponsibleFor(Pod pod) => _algorithms.ContainsKey(SchedulerNameOf(pod));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await ScheduleOneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One pod: waits for it, decides, and starts its bind. Returns the decision (a failed or skipped attempt
    /// gives a result without host); the bind itself completes in the background.
    /// </summary>
    public async ValueTask<ScheduleResult> ScheduleOneAsync(CancellationToken cancellationToken)
    {
        var info = await _queue.PopAsync(cancellationToken).ConfigureAwait(false);
        var pod = info.Pod;
        if (pod.Metadata.DeletionTimestamp is not null || _cache.IsAssumed(pod)
            || !_algorithms.TryGetValue(SchedulerNameOf(pod), out var algorithm))
        {
            // Being deleted, already decided (an update raced with its bind), or not ours.
            _queue.Done(info.Key);
            return ScheduleResult.Skip("pod is being deleted, already assumed, or not for this scheduler");
        }

        _cache.UpdateSnapshot(_snapshot);
        ScheduleResult result;
        try
        {
            result = algorithm.Schedule(_state, info.PodInfo, _snapshot);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result = ScheduleResult.Failed($"scheduling cycle failed: {e.Message}");
        }

        if (result.SuggestedHost is not { } host)
        {
            info.UnschedulablePlugins = result.FitError?.UnschedulablePlugins ?? new HashSet<string>();
            _queue.AddUnschedulable(info);
            _queue.Done(info.Key);
            if (result.FitError is { } fitError)
            {
                _observer?.Failed(pod, ReasonUnschedulable, fitError.Message);
            }
            else
            {
                _observer?.Failed(pod, ReasonSchedulerError, result.Error ?? "unknown error");
            }
            return result;
        }

        try
        {
            _cache.AssumePod(info.PodInfo, host);
        }
        catch (InvalidOperationException)
        {
            // Bound by someone else meanwhile: the cache already has it, nothing to do.
            _queue.Done(info.Key);
            return ScheduleResult.Skip("pod is already in the cache");
        }
        // Read now: the next cycle reuses the algorithm's buffers.
        var scores = _observer is null ? null : algorithm.DescribeLastScores(host);
        await _bindSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _bindsInFlight);
        _ = BindAsync(info, host, scores, algorithm.Profile.Binder!, cancellationToken);
        return result;
    }

    /// <summary>Waits until no bind is in flight (shutdown, tests).</summary>
    public async Task WaitForBindsAsync(CancellationToken cancellationToken = default)
    {
        while (Volatile.Read(ref _bindsInFlight) > 0)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BindAsync(QueuedPodInfo info, string host, string? scores, IBindPlugin binder, CancellationToken cancellationToken)
    {
        var pod = info.Pod;
        try
        {
            await binder.BindAsync(pod, host, cancellationToken).ConfigureAwait(false);
            _queue.Done(info.Key);
            _observer?.Bound(pod, host, scores);
        }
        catch (Exception e)
        {
            // The assumed capacity is given back, and pods that may have wanted it get another look.
            _cache.ForgetPod(pod);
            info.UnschedulablePlugins = new HashSet<string>();
            _queue.AddUnschedulable(info);
            _queue.Done(info.Key);
            _queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
            if (e is not OperationCanceledException)
            {
                _observer?.Failed(pod, ReasonSchedulerError, $"binding rejected: {e.Message}");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _bindsInFlight);
            _bindSlots.Release();
        }
    }

    internal static string SchedulerNameOf(Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.SchedulerName) ? SchedulingProfile.DefaultSchedulerName : pod.Spec.SchedulerName;
}
