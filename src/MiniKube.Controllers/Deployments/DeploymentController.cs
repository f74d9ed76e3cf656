using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Deployments;

public sealed record DeploymentControllerOptions
{
    /// <summary><c>--concurrent-deployment-syncs</c>.</summary>
    public int Workers { get; init; } = 5;

    public TimeSpan ResyncPeriod { get; init; }
}

/// <summary>
/// Rolls Deployments out through ReplicaSets named <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>: RollingUpdate
/// (maxSurge/maxUnavailable) and Recreate, revisions and history cleanup, proportional scaling, pause/resume, and the
/// Available/Progressing conditions with progress deadlines.
/// </summary>
public sealed class DeploymentController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "deployment";
    public const string Component = "deployment-controller";

    private readonly ControllerContext _ctx;
    private readonly InformerCache<Deployment> _deployments;
    private readonly InformerCache<ReplicaSet> _sets;
    private readonly InformerCache<Pod> _pods;
    private readonly IEventSink _events;
    private readonly ControllerRunner _runner;
    private readonly OwnWrites _ownWrites = new();

    public DeploymentController(ControllerContext ctx, DeploymentControllerOptions? options = null)
    {
        options ??= new DeploymentControllerOptions();
        _ctx = ctx;
        _events = ctx.Events(Component);
        var deployments = ctx.Informers.For<Deployment>();
        var sets = ctx.Informers.For<ReplicaSet>();
        var pods = ctx.Informers.For<Pod>();
        _deployments = deployments.Cache;
        _sets = sets.Cache;
        _pods = pods.Cache;
        Indexes.EnsureControllerUid(_pods);
        var logger = ctx.Loggers.CreateLogger<DeploymentController>();
        _runner = new ControllerRunner(Name, this, options.Workers, ctx.Time, logger, () => _deployments.Keys(), options.ResyncPeriod);
        deployments.AddHandler(onAdd: Enqueue, onUpdate: (_, d) => Enqueue(d), onDelete: Enqueue);
        sets.AddHandler(onAdd: OnReplicaSetAdded, onUpdate: OnReplicaSetUpdated, onDelete: OnReplicaSetDeleted);
        pods.AddHandler(onDelete: OnPodDeleted);
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var d = _deployments.Get(key);
        if (d is null)
        {
            return ReconcileResult.Done;
        }
        var labelSelector = d.Spec?.Selector;
        if (labelSelector is null || ((labelSelector.MatchLabels?.Count ?? 0) == 0 && (labelSelector.MatchExpressions?.Count ?? 0) == 0))
        {
            _events.Warning(d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            if ((d.Status?.ObservedGeneration ?? 0) < (d.Metadata.Generation ?? 0))
            {
                await _ctx.Client.UpdateStatusAsync<Deployment>(
                    d with { Status = (d.Status ?? new DeploymentStatus()) with { ObservedGeneration = d.Metadata.Generation } }, cancellationToken)
                    .ConfigureAwait(false);
            }
            return ReconcileResult.Done;
        }
        var selector = Selector.FromLabelSelector(labelSelector);
        var ns = d.Metadata.Namespace ?? "default";
        var claimer = new OwnershipClaimer<ReplicaSet>(_ctx.Client, d, selector,
            ct => _ctx.Client.GetAsync(ResourceRegistry.For<Deployment>(), d.Metadata.Name!, ns, ct));
        var sets = await claimer.ClaimAsync([.. _sets.List(ns).Select(_ownWrites.Freshest)], cancellationToken).ConfigureAwait(false);
        var sync = new DeploymentSync(_ctx, _events, d, sets, PodsOf, _ownWrites.Record);
        await sync.RunAsync(cancellationToken).ConfigureAwait(false);
        return sync.Result;
    }

    /// <summary>The pods controlled by the given ReplicaSets.</summary>
    private IReadOnlyList<Pod> PodsOf(Deployment d, IReadOnlyList<ReplicaSet> sets) =>
        [.. sets.SelectMany(rs => _pods.ByIndex(Indexes.ControllerUid, rs.Metadata.Uid ?? ""))];

    private void Enqueue(Deployment d) => _runner.Enqueue(ObjectKeys.For(d));

    private void OnReplicaSetAdded(ReplicaSet rs)
    {
        if (Owners.ControllerOf(rs) is { } owner)
        {
            if (ResolveOwner(rs.Metadata.Namespace, owner) is { } d)
            {
                Enqueue(d);
            }
            return;
        }
        foreach (var d in MatchingDeployments(rs))
        {
            Enqueue(d);
        }
    }

    private void OnReplicaSetUpdated(ReplicaSet old, ReplicaSet rs)
    {
        if (old.Metadata.ResourceVersion == rs.Metadata.ResourceVersion)
        {
            return;
        }
        var oldOwner = Owners.ControllerOf(old);
        var newOwner = Owners.ControllerOf(rs);
        if (oldOwner is not null && oldOwner.Uid != newOwner?.Uid && ResolveOwner(old.Metadata.Namespace, oldOwner) is { } previous)
        {
            Enqueue(previous);
        }
        if (newOwner is not null)
        {
            if (ResolveOwner(rs.Metadata.Namespace, newOwner) is { } d)
            {
                Enqueue(d);
            }
            return;
        }
        foreach (var d in MatchingDeployments(rs))
        {
            Enqueue(d);
        }
    }

    private void OnReplicaSetDeleted(ReplicaSet rs)
    {
        _ownWrites.Forget(rs);
        if (Owners.ControllerOf(rs) is { } owner && ResolveOwner(rs.Metadata.Namespace, owner) is { } d)
        {
            Enqueue(d);
        }
    }

    /// <summary>A Recreate rollout waits for the old pods to be gone: each pod deletion may be the one it waits for.</summary>
    private void OnPodDeleted(Pod pod)
    {
        if (Owners.ControllerOf(pod) is not { Kind: "ReplicaSet" } rsRef)
        {
            return;
        }
        var rs = _sets.Get(pod.Metadata.Namespace, rsRef.Name);
        if (rs?.Metadata.Uid == rsRef.Uid && Owners.ControllerOf(rs) is { } owner && ResolveOwner(rs.Metadata.Namespace, owner) is { } d
            && d.Spec?.Strategy?.Type == DeploymentStrategyType.Recreate)
        {
            Enqueue(d);
        }
    }

    private Deployment? ResolveOwner(string? ns, OwnerReference owner)
    {
        if (owner.Kind != "Deployment")
        {
            return null;
        }
        var d = _deployments.Get(ns, owner.Name);
        return d?.Metadata.Uid == owner.Uid ? d : null;
    }

    private IEnumerable<Deployment> MatchingDeployments(ReplicaSet rs)
    {
        if (rs.Metadata.Labels is not { Count: > 0 } labels)
        {
            return [];
        }
        return _deployments.List(rs.Metadata.Namespace ?? "default").Where(d =>
        {
            var selector = Selector.FromLabelSelector(d.Spec?.Selector);
            return !selector.IsEmpty && selector.Matches(labels);
        });
    }
}
