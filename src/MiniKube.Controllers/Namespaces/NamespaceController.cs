using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Namespaces;

public sealed record NamespaceControllerOptions
{
    /// <summary><c>--concurrent-namespace-syncs</c>.</summary>
    public int Workers { get; init; } = 10;

    /// <summary>How soon a terminating namespace that still has content is looked at again.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Empties namespaces being deleted: phase Terminating, every namespaced object deleted, the deletion conditions
/// reported, and — once nothing is left — the <c>kubernetes</c> finalizer removed from <c>spec.finalizers</c>, so the
/// API server removes the namespace.
/// </summary>
public sealed partial class NamespaceController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "namespace";

    private readonly ControllerContext _ctx;
    private readonly NamespaceControllerOptions _options;
    private readonly InformerCache<Namespace> _namespaces;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public NamespaceController(ControllerContext ctx, NamespaceControllerOptions? options = null)
    {
        _ctx = ctx;
        _options = options ?? new NamespaceControllerOptions();
        _logger = ctx.Loggers.CreateLogger<NamespaceController>();
        var namespaces = ctx.Informers.For<Namespace>();
        _namespaces = namespaces.Cache;
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger);
        namespaces.AddHandler(onAdd: Enqueue, onUpdate: (_, ns) => Enqueue(ns));
        // The last pods of a terminating namespace go when their kubelets finish them: look again then.
        ctx.Informers.For<Pod>().AddHandler(onDelete: pod =>
        {
            if (pod.Metadata.Namespace is { } ns && _namespaces.Get(ns) is { } owner && Owners.IsBeingDeleted(owner))
            {
                _runner.Enqueue(ns);
            }
        });
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Get(key);
        if (ns is null || !Owners.IsBeingDeleted(ns))
        {
            return ReconcileResult.Done;
        }
        if (ns.Spec?.Finalizers?.Contains(Finalizers.Kubernetes) != true)
        {
            return ReconcileResult.Done;
        }
        var remaining = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var finalizers = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var resource in ResourceRegistry.Stored.Where(r => r.Namespaced))
        {
            var items = await _ctx.Client.ListAsync(resource, key, cancellationToken).ConfigureAwait(false);
            foreach (var item in items)
            {
                foreach (var f in item.Metadata.Finalizers ?? [])
                {
                    finalizers[f] = finalizers.GetValueOrDefault(f) + 1;
                }
                if (Owners.IsBeingDeleted(item))
                {
                    continue;
                }
                try
                {
                    await _ctx.Client.DeleteAsync(resource, item.Metadata.Name!, key,
                        new DeleteOptions { PropagationPolicy = PropagationPolicy.Background }, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    continue;
                }
            }
            if (items.Count > 0)
            {
                remaining[resource.Plural] = items.Count;
            }
        }

        ns = await UpdateConditionsAsync(ns, remaining, finalizers, cancellationToken).ConfigureAwait(false);
        if (remaining.Count > 0)
        {
            // Deleted objects that remain are finishing (graceful pods, finalizers); check their progress again.
            var stillThere = new Dictionary<string, int>(remaining, StringComparer.Ordinal);
            foreach (var resource in ResourceRegistry.Stored.Where(r => r.Namespaced && stillThere.ContainsKey(r.Plural)))
            {
                var items = await _ctx.Client.ListAsync(resource, key, cancellationToken).ConfigureAwait(false);
                if (items.Count == 0)
                {
                    stillThere.Remove(resource.Plural);
                }
            }
            if (stillThere.Count > 0)
            {
                LogWaiting(_logger, key, string.Join(", ", stillThere.Select(kv => $"{kv.Key}: {kv.Value}")));
                return ReconcileResult.After(_options.RetryPeriod);
            }
        }
        var rest = ns.Spec!.Finalizers!.Where(f => f != Finalizers.Kubernetes).ToList();
        try
        {
            await _ctx.Client.UpdateAsync<Namespace>(ns with { Spec = ns.Spec with { Finalizers = rest.Count == 0 ? null : rest } }, cancellationToken)
                .ConfigureAwait(false);
            LogFinalized(_logger, key);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
        return ReconcileResult.Done;
    }

    /// <summary>Phase Terminating and Kubernetes' namespace deletion conditions.</summary>
    private async Task<Namespace> UpdateConditionsAsync(Namespace ns, IReadOnlyDictionary<string, int> remaining,
        IReadOnlyDictionary<string, int> finalizers, CancellationToken ct)
    {
        var now = _ctx.Now();
        var wanted = new List<NamespaceCondition>
        {
            Condition("NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered", "All resources successfully discovered", now),
            Condition("NamespaceDeletionGroupVersionParsingFailure", false, "ParsedGroupVersions", "All legacy kube types successfully parsed", now),
            Condition("NamespaceDeletionContentFailure", false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization", now),
            remaining.Count == 0
                ? Condition("NamespaceContentRemaining", false, "ContentRemoved", "All content successfully removed", now)
                : Condition("NamespaceContentRemaining", true, "SomeResourcesRemain",
                    "Some resources are remaining: " + string.Join(", ", remaining.Select(kv =>
                        $"{kv.Key}. has {kv.Value.ToString(CultureInfo.InvariantCulture)} resource instances")), now),
            finalizers.Count == 0
                ? Condition("NamespaceFinalizersRemaining", false, "ContentHasNoFinalizers", "All content-preserving finalizers finished", now)
                : Condition("NamespaceFinalizersRemaining", true, "SomeFinalizersRemain",
                    "Some content in the namespace has finalizers remaining: " + string.Join(", ", finalizers.Select(kv =>
                        $"{kv.Key} in {kv.Value.ToString(CultureInfo.InvariantCulture)} resource instances")), now),
        };
        var current = ns.Status?.Conditions ?? [];
        var merged = wanted.Select(w => current.FirstOrDefault(c => c.Type == w.Type) is { } c && c.Status == w.Status && c.Reason == w.Reason && c.Message == w.Message
            ? c
            : w).ToList();
        var unchanged = ns.Status?.Phase == NamespacePhase.Terminating && merged.SequenceEqual(current);
        if (unchanged)
        {
            return ns;
        }
        var status = (ns.Status ?? new NamespaceStatus()) with { Phase = NamespacePhase.Terminating, Conditions = merged };
        return await _ctx.Client.UpdateStatusAsync<Namespace>(ns with { Status = status }, ct).ConfigureAwait(false);
    }

    private static NamespaceCondition Condition(string type, bool status, string reason, string message, DateTimeOffset now) => new()
    {
        Type = type,
        Status = status ? ConditionStatus.True : ConditionStatus.False,
        Reason = reason,
        Message = message,
        LastTransitionTime = now,
    };

    private void Enqueue(Namespace ns)
    {
        if (Owners.IsBeingDeleted(ns))
        {
            _runner.Enqueue(ns.Metadata.Name!);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Namespace {Namespace} is waiting for its content to go ({Remaining})")]
    private static partial void LogWaiting(ILogger logger, string @namespace, string remaining);

    [LoggerMessage(Level = LogLevel.Information, Message = "Namespace {Namespace} is empty: removed its kubernetes finalizer")]
    private static partial void LogFinalized(ILogger logger, string @namespace);
}
