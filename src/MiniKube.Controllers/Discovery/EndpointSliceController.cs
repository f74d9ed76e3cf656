using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Discovery;

public sealed record EndpointSliceControllerOptions
{
    /// <summary><c>--concurrent-service-endpoint-syncs</c> (Kubernetes: 5).</summary>
    public int Workers { get; init; } = 5;

    /// <summary><c>--max-endpoints-per-slice</c> (Kubernetes: 100).</summary>
    public int MaxEndpointsPerSlice { get; init; } = 100;
}

/// <summary>
/// Kubernetes' EndpointSlice controller: for every Service with a selector, the pods it selects that have an IP, in slices of
/// at most <see cref="EndpointSliceControllerOptions.MaxEndpointsPerSlice"/> endpoints grouped by how the Service's ports
/// resolve on each pod (named target ports are looked up per pod). Each endpoint carries the pod's address, node, a
/// reference to the pod and the conditions: <c>serving</c> = the pod is Ready, <c>terminating</c> = it is being deleted,
/// <c>ready</c> = serving and not terminating (or the Service publishes not-ready addresses). Slices carry the
/// <c>kubernetes.io/service-name</c> and <c>managed-by</c> labels and are owned by the Service; slices without that
/// managed-by label (a user's, for a selector-less Service) are never touched. Endpoints stay in the slice they are in, so
/// a change rewrites only the slices it concerns. Driven only by Service, Pod and EndpointSlice events.
/// </summary>
public sealed partial class EndpointSliceController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "endpointslice";
    public const string Component = "endpoint-slice-controller";

    /// <summary>The <see cref="WellKnownLabels.EndpointSliceManagedBy"/> value of the slices this controller makes.</summary>
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    private readonly ControllerContext _ctx;
    private readonly EndpointSliceControllerOptions _options;
    private readonly InformerCache<Service> _services;
    private readonly InformerCache<Pod> _pods;
    private readonly InformerCache<EndpointSlice> _slices;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    /// <summary>Per service key, the slices this controller last wrote (name → resourceVersion, or null when deleted): its cache must catch up first.</summary>
    private readonly ConcurrentDictionary<string, Dictionary<string, long?>> _written = new(StringComparer.Ordinal);

    public EndpointSliceController(ControllerContext ctx, EndpointSliceControllerOptions? options = null)
    {
        _ctx = ctx;
        _options = options ?? new EndpointSliceControllerOptions();
        _logger = ctx.Loggers.CreateLogger<EndpointSliceController>();
        var services = ctx.Informers.For<Service>();
        var pods = ctx.Informers.For<Pod>();
        var slices = ctx.Informers.For<EndpointSlice>();
        _services = services.Cache;
        _pods = pods.Cache;
        _slices = slices.Cache;
        _runner = new ControllerRunner(Name, this, _options.Workers, ctx.Time, _logger);
        services.AddHandler(onAdd: s => _runner.Enqueue(ObjectKeys.For(s)), onUpdate: (_, s) => _runner.Enqueue(ObjectKeys.For(s)),
            onDelete: s => _runner.Enqueue(ObjectKeys.For(s)));
        pods.AddHandler(
            onAdd: p => EnqueueFor(null, p),
            onUpdate: (before, after) =>
            {
                if (ServicePods.Relevant(before, after))
                {
                    EnqueueFor(before, after);
                }
            },
            onDelete: p => EnqueueFor(p, null));
        slices.AddHandler(onAdd: OnSlice, onUpdate: (_, s) => OnSlice(s), onDelete: OnSlice);
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        ns ??= "default";
        if (!CacheCaughtUp(key, ns))
        {
            // Our last writes are not in the cache yet; their events requeue the key, this is the safety net.
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }
        var owned = _slices.List(ns).Where(s => IsManaged(s, name)).ToList();
        var service = _services.Get(key);
        if (service is null || ServicePods.SelectorOf(service) is not { } selector)
        {
            // Gone, or no selector (any more): only the slices this controller made go; a user's slices stay.
            await ApplyAsync(key, [], [], owned, cancellationToken).ConfigureAwait(false);
            if (service is null)
            {
                _written.TryRemove(key, out _);
            }
            return ReconcileResult.Done;
        }

        var groups = DesiredGroups(service, selector);
        var creates = new List<EndpointSlice>();
        var updates = new List<EndpointSlice>();
        var deletes = new List<EndpointSlice>();
        var existingByPorts = owned.GroupBy(s => PortsKey(s.Ports)).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (portsKey, (ports, endpoints)) in groups)
        {
            var existing = existingByPorts.Remove(portsKey, out var list) ? list : [];
            Plan(service, ports, endpoints, existing, creates, updates, deletes);
        }
        var leftover = existingByPorts.Values.SelectMany(v => v).ToList();
        if (groups.Count == 0)
        {
            // No endpoints at all: one empty placeholder slice says so (reusing a slice we have, as Kubernetes does).
            var placeholder = Desired(service, [], [], leftover.FirstOrDefault());
            if (leftover.Count == 0)
            {
                creates.Add(placeholder);
            }
            else
            {
                if (Changed(leftover[0], placeholder))
                {
                    updates.Add(placeholder);
                }
                leftover.RemoveAt(0);
            }
        }
        deletes.AddRange(leftover);
        await ApplyAsync(key, creates, updates, deletes, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>The desired endpoints, grouped by the ports they resolve to (in Service port order).</summary>
    private Dictionary<string, (List<EndpointSlicePort> Ports, List<Endpoint> Endpoints)> DesiredGroups(Service service, Selector selector)
    {
        var groups = new Dictionary<string, (List<EndpointSlicePort>, List<Endpoint>)>(StringComparer.Ordinal);
        var publishNotReady = service.Spec?.PublishNotReadyAddresses == true;
        foreach (var pod in ServicePods.Matching(_pods, service, selector))
        {
            if (!ServicePods.ShouldInclude(pod, includeTerminating: true))
            {
                continue;
            }
            var ports = new List<EndpointSlicePort>();
            foreach (var sp in service.Spec?.Ports ?? [])
            {
                if (ServicePods.ResolveTargetPort(sp, pod) is { } number)
                {
                    ports.Add(new EndpointSlicePort
                    {
                        Name = sp.Name ?? "",
                        Port = number,
                        Protocol = string.IsNullOrEmpty(sp.Protocol) ? Api.Protocol.Tcp : sp.Protocol,
                        AppProtocol = sp.AppProtocol,
                    });
                }
            }
            var serving = ServicePods.IsServing(pod);
            var terminating = ServicePods.IsTerminating(pod);
            var endpoint = new Endpoint
            {
                Addresses = [pod.Status!.PodIP!],
                Conditions = new EndpointConditions
                {
                    Ready = publishNotReady || (serving && !terminating),
                    Serving = serving,
                    Terminating = terminating,
                },
                Hostname = ServicePods.HostnameFor(pod, service),
                NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                TargetRef = ServicePods.PodReference(pod),
            };
            var key = PortsKey(ports);
            if (!groups.TryGetValue(key, out var group))
            {
                group = (ports, []);
                groups[key] = group;
            }
            group.Item2.Add(endpoint);
        }
        return groups;
    }

    /// <summary>
    /// Places one port group's endpoints: each stays in the slice that has it, new ones fill slices with room, then new slices;
    /// slices left empty are deleted.
    /// </summary>
    private void Plan(Service service, List<EndpointSlicePort> ports, List<Endpoint> endpoints, List<EndpointSlice> existing,
        List<EndpointSlice> creates, List<EndpointSlice> updates, List<EndpointSlice> deletes)
    {
        var max = _options.MaxEndpointsPerSlice;
        var remaining = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
        foreach (var e in endpoints)
        {
            remaining.TryAdd(EndpointKey(e), e);
        }
        var slots = new List<(EndpointSlice? Existing, List<Endpoint> Endpoints)>();
        foreach (var slice in existing)
        {
            var kept = new List<Endpoint>();
            foreach (var e in slice.Endpoints ?? [])
            {
                if (kept.Count < max && remaining.Remove(EndpointKey(e), out var desired))
                {
                    kept.Add(desired);
                }
            }
            slots.Add((slice, kept));
        }
        var queue = new Queue<Endpoint>(endpoints.Where(e => remaining.ContainsKey(EndpointKey(e))));
        foreach (var slot in slots)
        {
            while (slot.Endpoints.Count < max && queue.Count > 0)
            {
                slot.Endpoints.Add(queue.Dequeue());
            }
        }
        while (queue.Count > 0)
        {
            var chunk = new List<Endpoint>();
            while (chunk.Count < max && queue.Count > 0)
            {
                chunk.Add(queue.Dequeue());
            }
            slots.Add((null, chunk));
        }
        foreach (var (slice, chunk) in slots)
        {
            if (chunk.Count == 0)
            {
                deletes.Add(slice!);
                continue;
            }
            var desired = Desired(service, ports, chunk, slice);
            if (slice is null)
            {
                creates.Add(desired);
            }
            else if (Changed(slice, desired))
            {
                updates.Add(desired);
            }
        }
    }

    private static EndpointSlice Desired(Service service, List<EndpointSlicePort> ports, List<Endpoint> endpoints, EndpointSlice? existing)
    {
        var labels = ServicePods.LabelsFor(service);
        labels[WellKnownLabels.ServiceName] = service.Metadata.Name!;
        labels[WellKnownLabels.EndpointSliceManagedBy] = ManagedBy;
        var meta = existing?.Metadata ?? new ObjectMeta { GenerateName = service.Metadata.Name + "-", Namespace = service.Metadata.Namespace };
        return new EndpointSlice
        {
            Metadata = meta with { Labels = labels, OwnerReferences = [Owners.ControllerRef(service)] },
            AddressType = AddressTypes.IPv4,
            Endpoints = endpoints,
            Ports = ports,
        };
    }

    private static bool Changed(EndpointSlice current, EndpointSlice desired) =>
        KubeSerializer.ToJson(new object?[] { current.AddressType, current.Endpoints ?? [], current.Ports ?? [], current.Metadata.Labels, current.Metadata.OwnerReferences })
        != KubeSerializer.ToJson(new object?[] { desired.AddressType, desired.Endpoints ?? [], desired.Ports ?? [], desired.Metadata.Labels, desired.Metadata.OwnerReferences });

    private async Task ApplyAsync(string key, List<EndpointSlice> creates, List<EndpointSlice> updates, List<EndpointSlice> deletes, CancellationToken ct)
    {
        if (creates.Count + updates.Count + deletes.Count == 0)
        {
            return;
        }
        var written = new Dictionary<string, long?>(StringComparer.Ordinal);
        try
        {
            // Creates and updates before deletes: an endpoint moving between slices is never missing from all of them.
            foreach (var slice in creates)
            {
                var created = await _ctx.Client.CreateAsync(slice, ct).ConfigureAwait(false);
                written[created.Metadata.Name!] = Version(created);
            }
            foreach (var slice in updates)
            {
                var updated = await _ctx.Client.UpdateAsync(slice, ct).ConfigureAwait(false);
                written[updated.Metadata.Name!] = Version(updated);
            }
            foreach (var slice in deletes)
            {
                try
                {
                    await _ctx.Client.DeleteAsync<EndpointSlice>(slice.Metadata.Name!, slice.Metadata.Namespace, null, ct).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    // Gone already (the garbage collector, or a user).
                }
                written[slice.Metadata.Name!] = null;
            }
        }
        finally
        {
            if (written.Count > 0)
            {
                _written[key] = written;
            }
        }
        LogSynced(_logger, key, creates.Count, updates.Count, deletes.Count);
    }

    private bool CacheCaughtUp(string key, string ns)
    {
        if (!_written.TryGetValue(key, out var written))
        {
            return true;
        }
        foreach (var (name, version) in written)
        {
            var cached = _slices.Get(ns, name);
            if (version is null ? cached is not null : cached is null || Version(cached) < version)
            {
                return false;
            }
        }
        _written.TryRemove(new KeyValuePair<string, Dictionary<string, long?>>(key, written));
        return true;
    }

    private static long Version(KubeObject obj) =>
        long.TryParse(obj.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static bool IsManaged(EndpointSlice slice, string serviceName) =>
        slice.Metadata.Labels is { } labels
        && labels.TryGetValue(WellKnownLabels.ServiceName, out var svc) && svc == serviceName
        && labels.TryGetValue(WellKnownLabels.EndpointSliceManagedBy, out var by) && by == ManagedBy;

    private static string PortsKey(IReadOnlyList<EndpointSlicePort>? ports) =>
        string.Join(";", (ports ?? []).Select(p => $"{p.Name}/{p.Protocol}/{p.Port?.ToString(CultureInfo.InvariantCulture)}/{p.AppProtocol}"));

    private static string EndpointKey(Endpoint e) => e.TargetRef?.Uid is { Length: > 0 } uid ? uid : string.Join(",", e.Addresses);

    private void EnqueueFor(Pod? before, Pod? after)
    {
        foreach (var key in ServicePods.ServicesFor(_services, before, after))
        {
            _runner.Enqueue(key);
        }
    }

    private void OnSlice(EndpointSlice slice)
    {
        if (slice.Metadata.Labels?.TryGetValue(WellKnownLabels.ServiceName, out var service) == true
            && slice.Metadata.Labels.TryGetValue(WellKnownLabels.EndpointSliceManagedBy, out var by) && by == ManagedBy)
        {
            _runner.Enqueue(ObjectKeys.For(slice.Metadata.Namespace, service));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synced the EndpointSlices of {Service}: {Created} created, {Updated} updated, {Deleted} deleted")]
    private static partial void LogSynced(ILogger logger, string service, int created, int updated, int deleted);
}
