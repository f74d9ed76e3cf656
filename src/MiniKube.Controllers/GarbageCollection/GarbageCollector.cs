using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.GarbageCollection;

public sealed record GarbageCollectorOptions
{
    /// <summary><c>--concurrent-gc-syncs</c>.</summary>
    public int Workers { get; init; } = 20;
}

/// <summary>
/// Cascading deletion through ownerReferences, as Kubernetes' garbage collector does it. Background: an object whose
/// owners are all gone is deleted. Foreground: an owner carrying the <c>foregroundDeletion</c> finalizer has its
/// dependents deleted and loses the finalizer once no dependent with <c>blockOwnerDeletion</c> is left. Orphan: an owner
/// carrying the <c>orphan</c> finalizer has its reference removed from every dependent, then loses the finalizer.
/// Queue keys are <c>resource|namespace/name</c>.
/// </summary>
public sealed partial class GarbageCollector : IController, IReconciler, IDisposable
{
    public const string ControllerName = "garbagecollector";

    private readonly ControllerContext _ctx;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IGcSource> _sources = new(StringComparer.Ordinal);
    private readonly ControllerRunner _runner;

    public GarbageCollector(ControllerContext ctx, GarbageCollectorOptions? options = null)
    {
        _ctx = ctx;
        _logger = ctx.Loggers.CreateLogger<GarbageCollector>();
        var f = ctx.Informers;
        Add(new GcSource<Pod>(f.For<Pod>(), OnChange));
        Add(new GcSource<ReplicaSet>(f.For<ReplicaSet>(), OnChange));
        Add(new GcSource<Deployment>(f.For<Deployment>(), OnChange));
        Add(new GcSource<DaemonSet>(f.For<DaemonSet>(), OnChange));
        Add(new GcSource<Job>(f.For<Job>(), OnChange));
        Add(new GcSource<ConfigMap>(f.For<ConfigMap>(), OnChange));
        Add(new GcSource<Secret>(f.For<Secret>(), OnChange));
        Add(new GcSource<Service>(f.For<Service>(), OnChange));
        Add(new GcSource<Endpoints>(f.For<Endpoints>(), OnChange));
        Add(new GcSource<EndpointSlice>(f.For<EndpointSlice>(), OnChange));
        Add(new GcSource<HorizontalPodAutoscaler>(f.For<HorizontalPodAutoscaler>(), OnChange));
        Add(new GcSource<Lease>(f.For<Lease>(), OnChange));
        Add(new GcSource<Node>(f.For<Node>(), OnChange));
        _runner = new ControllerRunner(Name, this, (options ?? new GarbageCollectorOptions()).Workers, ctx.Time, _logger);
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    /// <summary>The resources (plural names) whose objects can own and be owned here.</summary>
    public IReadOnlyCollection<string> Resources => _sources.Keys;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public static string KeyOf(ResourceInfo resource, string? ns, string name) => resource.Plural + "|" + ObjectKeys.For(ns, name);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0 || !_sources.TryGetValue(key[..bar], out var source))
        {
            return ReconcileResult.Done;
        }
        var (ns, name) = ObjectKeys.Split(key[(bar + 1)..]);
        var obj = source.Get(ns, name);
        if (obj is null)
        {
            return ReconcileResult.Done;
        }
        if (Owners.IsBeingDeleted(obj))
        {
            if (Owners.HasFinalizer(obj, Finalizers.Orphan))
            {
                await OrphanDependentsAsync(source, obj, cancellationToken).ConfigureAwait(false);
            }
            else if (Owners.HasFinalizer(obj, Finalizers.ForegroundDeletion))
            {
                await DeleteDependentsAsync(source, obj, cancellationToken).ConfigureAwait(false);
            }
            return ReconcileResult.Done;
        }
        if (obj.Metadata.OwnerReferences is { Count: > 0 })
        {
            await AttemptToDeleteAsync(source, obj, cancellationToken).ConfigureAwait(false);
        }
        return ReconcileResult.Done;
    }

    // ---- the three policies ------------------------------------------------------------------------------------

    /// <summary>Deletes an object whose owners are all gone; drops references to owners that are gone when others remain.</summary>
    private async Task AttemptToDeleteAsync(IGcSource source, KubeObject obj, CancellationToken ct)
    {
        var solid = new List<OwnerReference>();
        var dangling = new List<OwnerReference>();
        var waiting = new List<OwnerReference>();
        foreach (var reference in obj.Metadata.OwnerReferences!)
        {
            switch (await ClassifyOwnerAsync(obj, reference, ct).ConfigureAwait(false))
            {
                case OwnerState.Present:
                    solid.Add(reference);
                    break;
                case OwnerState.DeletingDependents:
                    waiting.Add(reference);
                    break;
                default:
                    dangling.Add(reference);
                    break;
            }
        }
        var resource = source.Resource;
        if (solid.Count > 0)
        {
            if (dangling.Count == 0 && waiting.Count == 0)
            {
                return;
            }
            // Still owned: only forget the owners that are gone or going.
            var drop = dangling.Concat(waiting).Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
            var keep = obj.Metadata.OwnerReferences!.Where(r => !drop.Contains(r.Uid)).ToList();
            LogDroppingOwners(_logger, resource.Plural, ObjectKeys.For(obj), drop.Count);
            await PatchQuietlyAsync(resource, obj, Patches.OwnerReferences(obj.Metadata.ResourceVersion, keep), ct).ConfigureAwait(false);
            return;
        }
        string policy;
        if (waiting.Count > 0 && HasDependents(obj))
        {
            // An owner waits for us, and we have dependents of our own: delete them first, in the foreground too.
            policy = PropagationPolicy.Foreground;
        }
        else if (Owners.HasFinalizer(obj, Finalizers.Orphan))
        {
            policy = PropagationPolicy.Orphan;
        }
        else if (Owners.HasFinalizer(obj, Finalizers.ForegroundDeletion))
        {
            policy = PropagationPolicy.Foreground;
        }
        else
        {
            policy = PropagationPolicy.Background;
        }
        LogDeleting(_logger, resource.Plural, ObjectKeys.For(obj), policy);
        await DeleteQuietlyAsync(resource, obj, policy, ct).ConfigureAwait(false);
    }

    /// <summary>Foreground: delete every dependent; release the owner once no blocking dependent is left.</summary>
    private async Task DeleteDependentsAsync(IGcSource source, KubeObject owner, CancellationToken ct)
    {
        var uid = owner.Metadata.Uid ?? "";
        var blocking = 0;
        foreach (var (dependentSource, dependent) in DependentsOf(uid))
        {
            var reference = dependent.Metadata.OwnerReferences!.First(r => r.Uid == uid);
            if (reference.BlockOwnerDeletion == true)
            {
                blocking++;
            }
            if (Owners.IsBeingDeleted(dependent))
            {
                continue;
            }
            // Dependents owned by someone else too only lose this owner (handled when they are processed).
            var otherOwners = dependent.Metadata.OwnerReferences!.Any(r => r.Uid != uid);
            if (otherOwners)
            {
                _runner.Enqueue(KeyOf(dependentSource.Resource, dependent.Metadata.Namespace, dependent.Metadata.Name!));
                continue;
            }
            var policy = reference.BlockOwnerDeletion == true ? PropagationPolicy.Foreground : PropagationPolicy.Background;
            LogDeleting(_logger, dependentSource.Resource.Plural, ObjectKeys.For(dependent), policy);
            await DeleteQuietlyAsync(dependentSource.Resource, dependent, policy, ct).ConfigureAwait(false);
        }
        if (blocking == 0)
        {
            await RemoveFinalizerAsync(source.Resource, owner, Finalizers.ForegroundDeletion, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Orphan: remove the owner's reference from every dependent, then the finalizer.</summary>
    private async Task OrphanDependentsAsync(IGcSource source, KubeObject owner, CancellationToken ct)
    {
        var uid = owner.Metadata.Uid ?? "";
        foreach (var (dependentSource, dependent) in DependentsOf(uid))
        {
            var keep = dependent.Metadata.OwnerReferences!.Where(r => r.Uid != uid).ToList();
            await PatchQuietlyAsync(dependentSource.Resource, dependent, Patches.OwnerReferences(dependent.Metadata.ResourceVersion, keep), ct)
                .ConfigureAwait(false);
        }
        await RemoveFinalizerAsync(source.Resource, owner, Finalizers.Orphan, ct).ConfigureAwait(false);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private enum OwnerState
    {
        Absent,
        Present,
        DeletingDependents,
    }

    /// <summary>Looks the owner up in the cache; an owner the cache lacks (or shows with another uid) is confirmed with a live read.</summary>
    private async Task<OwnerState> ClassifyOwnerAsync(KubeObject dependent, OwnerReference reference, CancellationToken ct)
    {
        var resource = ResourceRegistry.ByKind(reference.ApiVersion, reference.Kind) ?? ResourceRegistry.ByKind(null, reference.Kind);
        if (resource is null)
        {
            // A kind MiniKube does not serve: nothing can be verified, so nothing is deleted.
            return OwnerState.Present;
        }
        var ns = resource.Namespaced ? dependent.Metadata.Namespace : null;
        var owner = _sources.TryGetValue(resource.Plural, out var source) ? source.Get(ns, reference.Name) : null;
        if (owner?.Metadata.Uid != reference.Uid)
        {
            try
            {
                owner = await _ctx.Client.GetAsync(resource, reference.Name, ns, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return OwnerState.Absent;
            }
            if (owner.Metadata.Uid != reference.Uid)
            {
                return OwnerState.Absent;
            }
        }
        return Owners.IsBeingDeleted(owner) && Owners.HasFinalizer(owner, Finalizers.ForegroundDeletion)
            ? OwnerState.DeletingDependents
            : OwnerState.Present;
    }

    private bool HasDependents(KubeObject obj) => DependentsOf(obj.Metadata.Uid ?? "").Any();

    private IEnumerable<(IGcSource Source, KubeObject Dependent)> DependentsOf(string uid) =>
        uid.Length == 0 ? [] : _sources.Values.SelectMany(s => s.DependentsOf(uid).Select(d => (s, d))).ToList();

    private async Task RemoveFinalizerAsync(ResourceInfo resource, KubeObject obj, string finalizer, CancellationToken ct)
    {
        var rest = (obj.Metadata.Finalizers ?? []).Where(f => f != finalizer).ToList();
        LogFinalizerRemoved(_logger, finalizer, resource.Plural, ObjectKeys.For(obj));
        await PatchQuietlyAsync(resource, obj, Patches.Finalizers(obj.Metadata.ResourceVersion, rest), ct).ConfigureAwait(false);
    }

    private async Task PatchQuietlyAsync(ResourceInfo resource, KubeObject obj, string patch, CancellationToken ct)
    {
        try
        {
            await _ctx.Client.PatchAsync(resource, obj.Metadata.Name!, obj.Metadata.Namespace, patch, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
    }

    private async Task DeleteQuietlyAsync(ResourceInfo resource, KubeObject obj, string policy, CancellationToken ct)
    {
        try
        {
            await _ctx.Client.DeleteAsync(resource, obj.Metadata.Name!, obj.Metadata.Namespace, new DeleteOptions
            {
                PropagationPolicy = policy,
                Preconditions = new Preconditions { Uid = obj.Metadata.Uid },
            }, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
    }

    private void Add(IGcSource source) => _sources[source.Resource.Plural] = source;

    /// <summary>Informer callback: queue whatever this change may have made collectable.</summary>
    private void OnChange(IGcSource source, KubeObject? old, KubeObject? current)
    {
        if (current is not null)
        {
            var interesting = current.Metadata.OwnerReferences is { Count: > 0 }
                || (Owners.IsBeingDeleted(current) && (Owners.HasFinalizer(current, Finalizers.Orphan)
                    || Owners.HasFinalizer(current, Finalizers.ForegroundDeletion)));
            if (interesting)
            {
                _runner.Enqueue(KeyOf(source.Resource, current.Metadata.Namespace, current.Metadata.Name!));
            }
        }
        if (current is null && old is not null)
        {
            // Gone: its dependents may now be garbage, and owners deleting in the foreground may now be free.
            foreach (var (dependentSource, dependent) in DependentsOf(old.Metadata.Uid ?? ""))
            {
                _runner.Enqueue(KeyOf(dependentSource.Resource, dependent.Metadata.Namespace, dependent.Metadata.Name!));
            }
            EnqueueOwners(old);
        }
        else if (old is not null && current is not null)
        {
            // References removed (released or orphaned): an owner waiting in the foreground may be free now.
            var removed = (old.Metadata.OwnerReferences ?? []).Where(r => current.Metadata.OwnerReferences?.Any(c => c.Uid == r.Uid) != true);
            foreach (var reference in removed)
            {
                EnqueueOwner(old, reference);
            }
        }
    }

    private void EnqueueOwners(KubeObject dependent)
    {
        foreach (var reference in dependent.Metadata.OwnerReferences ?? [])
        {
            EnqueueOwner(dependent, reference);
        }
    }

    private void EnqueueOwner(KubeObject dependent, OwnerReference reference)
    {
        var resource = ResourceRegistry.ByKind(reference.ApiVersion, reference.Kind) ?? ResourceRegistry.ByKind(null, reference.Kind);
        if (resource is not null && _sources.ContainsKey(resource.Plural))
        {
            _runner.Enqueue(KeyOf(resource, resource.Namespaced ? dependent.Metadata.Namespace : null, reference.Name));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleting {Resource} {Key} (propagation {Policy}): its owners are gone")]
    private static partial void LogDeleting(ILogger logger, string resource, string key, string policy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing {Count} dangling owner references from {Resource} {Key}")]
    private static partial void LogDroppingOwners(ILogger logger, string resource, string key, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing finalizer {Finalizer} from {Resource} {Key}")]
    private static partial void LogFinalizerRemoved(ILogger logger, string finalizer, string resource, string key);
}
