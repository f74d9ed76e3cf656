using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.ReplicaSets;

public sealed record ReplicaSetControllerOptions
{
    /// <summary><c>--concurrent-replicaset-syncs</c>.</summary>
    public int Workers { get; init; } = 5;

    /// <summary>At most this many pods are created or deleted by one sync (Kubernetes' BurstReplicas).</summary>
    public int BurstReplicas { get; init; } = 500;

    public TimeSpan ExpectationsTtl { get; init; } = ControllerExpectations.DefaultTtl;

    public TimeSpan ResyncPeriod { get; init; }

    /// <summary>
    /// How long a pod create whose outcome a failure left open (<see cref="RequestOutcome.MayHaveBeenApplied"/>) is sent again
    /// under the same name until the answer is sure. Zero: not sent again; the pod stays expected until the informer shows it
    /// or the expectation expires.
    /// </summary>
    public TimeSpan LostReplySettleTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Keeps <c>spec.replicas</c> pods matching each ReplicaSet's selector: adopts orphans, releases pods that stop matching,
/// creates missing pods from the template in slow-start batches and deletes surplus pods in Kubernetes' preference
/// order; reports replicas, fullyLabeledReplicas, readyReplicas, availableReplicas and observedGeneration.
/// </summary>
public sealed partial class ReplicaSetController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "replicaset";
    public const string Component = "replicaset-controller";

    private readonly ControllerContext _ctx;
    private readonly ReplicaSetControllerOptions _options;
    private readonly InformerCache<ReplicaSet> _sets;
    private readonly InformerCache<Pod> _pods;
    private readonly IEventSink _events;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public ReplicaSetController(ControllerContext ctx, ReplicaSetControllerOptions? options = null)
    {
        _ctx = ctx;
        _options = options ?? new ReplicaSetControllerOptions();
        _logger = ctx.Loggers.CreateLogger<ReplicaSetController>();
        _events = ctx.Events(Component);
        Expectations = new ControllerExpectations(ctx.Time, _options.ExpectationsTtl);
        var sets = ctx.Informers.For<ReplicaSet>();
        var pods = ctx.Informers.For<Pod>();
        _sets = sets.Cache;
        _pods = pods.Cache;
        Indexes.EnsureControllerUid(_pods);
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger, () => _sets.Keys(), _options.ResyncPeriod);
        sets.AddHandler(onAdd: Enqueue, onUpdate: (_, rs) => Enqueue(rs), onDelete: OnReplicaSetDeleted);
        pods.AddHandler(onAdd: OnPodAdded, onUpdate: OnPodUpdated, onDelete: OnPodDeleted);
    }

    public string Name => ControllerName;

    public ControllerExpectations Expectations { get; }

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var rs = _sets.Get(key);
        if (rs is null)
        {
            Expectations.Delete(key);
            return ReconcileResult.Done;
        }
        var needsSync = Expectations.Satisfied(key);
        var selector = Selector.FromLabelSelector(rs.Spec?.Selector);
        var ns = rs.Metadata.Namespace ?? "default";
        var candidates = _pods.List(ns).Where(Pods.IsActive);
        var claimer = new OwnershipClaimer<Pod>(_ctx.Client, rs, selector,
            ct => _ctx.Client.GetAsync(ResourceRegistry.For<ReplicaSet>(), rs.Metadata.Name!, ns, ct));
        var pods = await claimer.ClaimAsync(candidates, cancellationToken).ConfigureAwait(false);

        Exception? manageError = null;
        var createFailed = false;
        if (needsSync && !Owners.IsBeingDeleted(rs))
        {
            try
            {
                await ManageReplicasAsync(key, rs, pods, cancellationToken).ConfigureAwait(false);
            }
            catch (ReplicaCreateException ex)
            {
                manageError = ex.InnerException;
                createFailed = true;
            }
            catch (ApiException ex)
            {
                manageError = ex;
            }
        }

        var status = ReplicaSetStatusCalculator.Calculate(rs, pods, createFailed ? manageError : null, clearFailure: manageError is null, _ctx.Now());
        var updated = await UpdateStatusAsync(rs, status, cancellationToken).ConfigureAwait(false);
        if (manageError is not null)
        {
            throw manageError;
        }
        var minReady = rs.Spec?.MinReadySeconds ?? 0;
        var replicas = rs.Spec?.Replicas ?? 1;
        if (minReady > 0 && updated.Status?.ReadyReplicas == replicas && updated.Status?.AvailableReplicas != replicas)
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(minReady));
        }
        return ReconcileResult.Done;
    }

    private async Task ManageReplicasAsync(string key, ReplicaSet rs, List<Pod> pods, CancellationToken ct)
    {
        var diff = pods.Count - (rs.Spec?.Replicas ?? 1);
        if (diff < 0)
        {
            var count = Math.Min(-diff, _options.BurstReplicas);
            Expectations.ExpectCreations(key, count);
            var maybe = 0;
            var (successes, error) = await SlowStart.RunAsync(count, 1, async () =>
            {
                try
                {
                    await CreatePodAsync(rs, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (RequestOutcome.MayHaveBeenApplied(ex))
                {
                    // The reply was lost, not the pod: it may exist. Keep expecting it until the informer shows it or the
                    // expectation expires, so a lost reply never makes a second pod (Kubernetes does the same for timeouts).
                    Interlocked.Increment(ref maybe);
                    throw;
                }
            }).ConfigureAwait(false);
            // Creations that were never attempted or surely failed will never be observed.
            for (var i = 0; i < count - successes - maybe; i++)
            {
                Expectations.CreationObserved(key);
            }
            if (error is not null)
            {
                throw new ReplicaCreateException(error);
            }
        }
        else if (diff > 0)
        {
            var count = Math.Min(diff, _options.BurstReplicas);
            var victims = PodDeletionOrder.PodsToDelete(pods, RelatedPods(rs), count);
            Expectations.ExpectDeletions(key, victims.Select(p => ObjectKeys.For(p)));
            var results = await Task.WhenAll(victims.Select(p => DeletePodAsync(key, rs, p, ct))).ConfigureAwait(false);
            if (results.FirstOrDefault(e => e is not null) is { } error)
            {
                throw error;
            }
        }
    }

    private async Task CreatePodAsync(ReplicaSet rs, CancellationToken ct)
    {
        var template = rs.Spec?.Template ?? new PodTemplateSpec();
        var prefix = rs.Metadata.Name + "-";
        var pod = new Pod
        {
            Metadata = new ObjectMeta
            {
                // Named here rather than by the server (generateName), so that a create whose reply was lost can be sent
                // again under the same name: the server makes at most one pod of a name, so the answer settles it.
                Name = NameGenerator.Generate(prefix),
                GenerateName = prefix,
                Namespace = rs.Metadata.Namespace,
                Labels = template.Metadata?.Labels,
                Annotations = template.Metadata?.Annotations,
                Finalizers = template.Metadata?.Finalizers,
                OwnerReferences = [Owners.ControllerRef(rs)],
            },
            Spec = template.Spec,
        };
        try
        {
            await CreateSettlingAsync(rs, pod, ct).ConfigureAwait(false);
            _events.Normal(rs, "SuccessfulCreate", $"Created pod: {pod.Metadata.Name}");
        }
        catch (ApiException ex) when (ex.Code == 403 && ex.Message.Contains("being terminated", StringComparison.Ordinal))
        {
            // The namespace is going away; creating more would only fail again.
        }
        catch (ApiException ex)
        {
            _events.Warning(rs, "FailedCreate", $"Error creating: {ex.Message}");
            throw;
        }
    }

    /// <summary>
    /// Creates the pod. When the failure leaves it open whether the pod was made (the reply was lost, the server timed out or
    /// lost etcd mid-write), the same create is sent again until the answer is sure: created now, or AlreadyExists for our
    /// own pod (the lost create made it). Still open after <see cref="ReplicaSetControllerOptions.LostReplySettleTimeout"/>,
    /// the first error is thrown and the pod stays expected.
    /// </summary>
    private async Task CreateSettlingAsync(ReplicaSet rs, Pod pod, CancellationToken ct)
    {
        try
        {
            await _ctx.Client.CreateAsync(pod, ct).ConfigureAwait(false);
        }
        catch (Exception first) when (RequestOutcome.MayHaveBeenApplied(first) && _options.LostReplySettleTimeout > TimeSpan.Zero)
        {
            LogCreateOutcomeOpen(pod.Metadata.Namespace, pod.Metadata.Name, first.Message);
            var outcome = await SettleCreateAsync(rs, pod, ct).ConfigureAwait(false);
            LogCreateOutcomeSettled(pod.Metadata.Namespace, pod.Metadata.Name, outcome);
            switch (outcome)
            {
                case CreateOutcome.Created:
                    return;
                case CreateOutcome.NameTaken:
                    // Another object holds the name, so the lost create surely failed.
                    throw ApiException.AlreadyExists(ResourceRegistry.For<Pod>(), pod.Metadata.Name!);
                default:
                    throw;
            }
        }
    }

    private async Task<CreateOutcome> SettleCreateAsync(ReplicaSet rs, Pod pod, CancellationToken ct)
    {
        var deadline = _ctx.Time.GetUtcNow() + _options.LostReplySettleTimeout;
        var delay = TimeSpan.Zero;
        while (true)
        {
            if (delay > TimeSpan.Zero)
            {
                // Jittered down to half, so the creates of one batch do not arrive at a restarted server together.
                await Task.Delay(delay * (0.5 + (Random.Shared.NextDouble() / 2)), _ctx.Time, ct).ConfigureAwait(false);
            }
            delay = delay == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            try
            {
                await _ctx.Client.CreateAsync(pod, ct).ConfigureAwait(false);
                return CreateOutcome.Created;
            }
            catch (ApiException ex) when (ex.IsAlreadyExists)
            {
                try
                {
                    var existing = await _ctx.Client.GetAsync(ResourceRegistry.For<Pod>(), pod.Metadata.Name!, pod.Metadata.Namespace, ct).ConfigureAwait(false);
                    return Owners.ControllerOf(existing)?.Uid == rs.Metadata.Uid ? CreateOutcome.Created : CreateOutcome.NameTaken;
                }
                catch (ApiException get) when (get.IsNotFound || !RequestOutcome.ServerAnswered(get) || get.Reason == StatusReasons.ServiceUnavailable)
                {
                    // Deleted in between, or the server went away again: ask once more.
                }
            }
            catch (ApiException ex) when (!RequestOutcome.ServerAnswered(ex) || RequestOutcome.MayHaveBeenApplied(ex))
            {
                // Refused, lost or unavailable again: still open.
            }
            catch (ApiException)
            {
                // A sure answer that does not say whether the first create was made (the namespace began terminating, say).
                return CreateOutcome.Open;
            }
            if (_ctx.Time.GetUtcNow() >= deadline)
            {
                return CreateOutcome.Open;
            }
        }
    }

    private enum CreateOutcome
    {
        Created,
        NameTaken,
        Open,
    }

    private async Task<Exception?> DeletePodAsync(string key, ReplicaSet rs, Pod pod, CancellationToken ct)
    {
        try
        {
            await _ctx.Client.DeleteAsync<Pod>(pod.Metadata.Name!, pod.Metadata.Namespace, null, ct).ConfigureAwait(false);
            _events.Normal(rs, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            return null;
        }
        catch (ApiException ex)
        {
            Expectations.DeletionObserved(key, ObjectKeys.For(pod));
            if (ex.IsNotFound)
            {
                return null;
            }
            _events.Warning(rs, "FailedDelete", $"Error deleting: {ex.Message}");
            return ex;
        }
    }

    /// <summary>Active pods of this ReplicaSet and its siblings (ReplicaSets with the same controller, e.g. one Deployment's).</summary>
    private IEnumerable<Pod> RelatedPods(ReplicaSet rs)
    {
        var owner = Owners.ControllerOf(rs);
        var sets = owner is null
            ? [rs]
            : _sets.List(rs.Metadata.Namespace ?? "default").Where(s => Owners.ControllerOf(s)?.Uid == owner.Uid);
        return sets.SelectMany(s => _pods.ByIndex(Indexes.ControllerUid, s.Metadata.Uid ?? "")).Where(Pods.IsActive);
    }

    private async Task<ReplicaSet> UpdateStatusAsync(ReplicaSet rs, ReplicaSetStatus status, CancellationToken ct)
    {
        if (ReplicaSetStatusCalculator.Same(rs.Status, status))
        {
            return rs;
        }
        try
        {
            return await _ctx.Client.UpdateStatusAsync<ReplicaSet>(rs with { Status = status }, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsConflict)
        {
            // The cache lags: retry once on the current object.
            var fresh = await _ctx.Client.GetAsync<ReplicaSet>(rs.Metadata.Name!, rs.Metadata.Namespace, ct).ConfigureAwait(false);
            if (fresh.Metadata.Uid != rs.Metadata.Uid)
            {
                return rs;
            }
            return await _ctx.Client.UpdateStatusAsync<ReplicaSet>(fresh with { Status = status with { ObservedGeneration = fresh.Metadata.Generation } }, ct)
                .ConfigureAwait(false);
        }
    }

    // ---- informer handlers: translate pod and ReplicaSet changes into ReplicaSet keys --------------------------

    private void Enqueue(ReplicaSet rs) => _runner.Enqueue(ObjectKeys.For(rs));

    private void OnReplicaSetDeleted(ReplicaSet rs)
    {
        var key = ObjectKeys.For(rs);
        Expectations.Delete(key);
        _runner.Enqueue(key);
    }

    private void OnPodAdded(Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Restarted controller or a pod created already terminating: treat as a deletion.
            OnPodDeleted(pod);
            return;
        }
        if (Owners.ControllerOf(pod) is { } owner)
        {
            if (ResolveOwner(pod.Metadata.Namespace, owner) is { } rs)
            {
                var key = ObjectKeys.For(rs);
                Expectations.CreationObserved(key);
                _runner.Enqueue(key);
            }
            return;
        }
        foreach (var rs in MatchingSets(pod))
        {
            Enqueue(rs);
        }
    }

    private void OnPodUpdated(Pod old, Pod pod)
    {
        if (old.Metadata.ResourceVersion == pod.Metadata.ResourceVersion)
        {
            return;
        }
        var labelsChanged = !LabelsEqual(old.Metadata.Labels, pod.Metadata.Labels);
        if (pod.Metadata.DeletionTimestamp is not null && old.Metadata.DeletionTimestamp is null)
        {
            // A pod marked for deletion is as good as gone for the ReplicaSet: count it observed now.
            OnPodDeleted(pod);
            if (labelsChanged)
            {
                OnPodDeleted(old);
            }
            return;
        }
        var oldOwner = Owners.ControllerOf(old);
        var newOwner = Owners.ControllerOf(pod);
        if (oldOwner is not null && oldOwner.Uid != newOwner?.Uid && ResolveOwner(old.Metadata.Namespace, oldOwner) is { } previous)
        {
            Enqueue(previous);
        }
        if (newOwner is not null)
        {
            if (ResolveOwner(pod.Metadata.Namespace, newOwner) is { } rs)
            {
                Enqueue(rs);
                var minReady = rs.Spec?.MinReadySeconds ?? 0;
                if (minReady > 0 && !Pods.IsReady(old) && Pods.IsReady(pod))
                {
                    // It becomes available only later: look again then.
                    _runner.EnqueueAfter(ObjectKeys.For(rs), TimeSpan.FromSeconds(minReady) + TimeSpan.FromMilliseconds(500));
                }
            }
            return;
        }
        if (labelsChanged || oldOwner is not null)
        {
            foreach (var rs in MatchingSets(pod))
            {
                Enqueue(rs);
            }
        }
    }

    private void OnPodDeleted(Pod pod)
    {
        if (Owners.ControllerOf(pod) is { } owner && ResolveOwner(pod.Metadata.Namespace, owner) is { } rs)
        {
            var key = ObjectKeys.For(rs);
            Expectations.DeletionObserved(key, ObjectKeys.For(pod));
            _runner.Enqueue(key);
        }
    }

    private ReplicaSet? ResolveOwner(string? ns, OwnerReference owner)
    {
        if (owner.Kind != "ReplicaSet")
        {
            return null;
        }
        var rs = _sets.Get(ns, owner.Name);
        return rs?.Metadata.Uid == owner.Uid ? rs : null;
    }

    private IEnumerable<ReplicaSet> MatchingSets(Pod pod)
    {
        if (pod.Metadata.Labels is not { Count: > 0 } labels)
        {
            return [];
        }
        return _sets.List(pod.Metadata.Namespace ?? "default").Where(rs =>
        {
            var selector = Selector.FromLabelSelector(rs.Spec?.Selector);
            return !selector.IsEmpty && selector.Matches(labels);
        });
    }

    private static bool LabelsEqual(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        var x = a ?? new Dictionary<string, string>();
        var y = b ?? new Dictionary<string, string>();
        return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: the create's outcome is open ({Error}); sending it again under the same name")]
    private partial void LogCreateOutcomeOpen(string? @namespace, string? name, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: the create's outcome settled as {Outcome}")]
    private partial void LogCreateOutcomeSettled(string? @namespace, string? name, CreateOutcome outcome);

    /// <summary>Marks a failure to create pods, which sets the ReplicaFailure condition.</summary>
    private sealed class ReplicaCreateException(Exception inner) : Exception(inner.Message, inner);
}
