using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Discovery;

public sealed record EndpointsControllerOptions
{
    /// <summary><c>--concurrent-service-endpoint-syncs</c> (Kubernetes: 5).</summary>
    public int Workers { get; init; } = 5;
}

/// <summary>
/// Kubernetes' Endpoints controller, kept for the tools that still read core/v1 Endpoints: one Endpoints object named like each
/// Service with a selector, its subsets grouping the selected pods by how the Service's ports resolve on them — Ready pods
/// in <c>addresses</c>, the others in <c>notReadyAddresses</c> (all in <c>addresses</c> when the Service publishes
/// not-ready addresses). Terminating pods are left out unless the Service publishes not-ready addresses. Endpoints of
/// Services without a selector are the user's and are never touched; the controller deletes the Endpoints of a Service it
/// managed when the Service goes.
/// </summary>
public sealed partial class EndpointsController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "endpoint";
    public const string Component = "endpoint-controller";

    private readonly ControllerContext _ctx;
    private readonly InformerCache<Service> _services;
    private readonly InformerCache<Pod> _pods;
    private readonly InformerCache<Endpoints> _endpoints;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public EndpointsController(ControllerContext ctx, EndpointsControllerOptions? options = null)
    {
        _ctx = ctx;
        options ??= new EndpointsControllerOptions();
        _logger = ctx.Loggers.CreateLogger<EndpointsController>();
        var services = ctx.Informers.For<Service>();
        var pods = ctx.Informers.For<Pod>();
        var endpoints = ctx.Informers.For<Endpoints>();
        _services = services.Cache;
        _pods = pods.Cache;
        _endpoints = endpoints.Cache;
        _runner = new ControllerRunner(Name, this, options.Workers, ctx.Time, _logger);
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
        // A hand edit (or deletion) of a managed Endpoints object is put right.
        endpoints.AddHandler(onUpdate: (_, e) => EnqueueIfManaged(e), onDelete: EnqueueIfManaged);
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        ns ??= "default";
        var service = _services.Get(key);
        var current = _endpoints.Get(key);
        if (service is null)
        {
            if (current is not null)
            {
                try
                {
                    await _ctx.Client.DeleteAsync<Endpoints>(name, ns, null, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    // Gone already.
                }
            }
            return ReconcileResult.Done;
        }
        if (ServicePods.SelectorOf(service) is not { } selector)
        {
            // Selector-less: the user writes the Endpoints.
            return ReconcileResult.Done;
        }

        var subsets = Subsets(service, selector);
        var labels = ServicePods.LabelsFor(service);
        if (current is null)
        {
            await _ctx.Client.CreateAsync(new Endpoints
            {
                Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
                Subsets = subsets,
            }, cancellationToken).ConfigureAwait(false);
            LogSynced(_logger, key, subsets.Sum(s => s.Addresses?.Count ?? 0), subsets.Sum(s => s.NotReadyAddresses?.Count ?? 0));
            return ReconcileResult.Done;
        }
        if (KubeSerializer.ToJson(current.Subsets ?? []) == KubeSerializer.ToJson(subsets)
            && KubeSerializer.ToJson(current.Metadata.Labels ?? new Dictionary<string, string>()) == KubeSerializer.ToJson(labels))
        {
            return ReconcileResult.Done;
        }
        await _ctx.Client.UpdateAsync(current with { Metadata = current.Metadata with { Labels = labels }, Subsets = subsets }, cancellationToken)
            .ConfigureAwait(false);
        LogSynced(_logger, key, subsets.Sum(s => s.Addresses?.Count ?? 0), subsets.Sum(s => s.NotReadyAddresses?.Count ?? 0));
        return ReconcileResult.Done;
    }

    /// <summary>Subsets as Kubernetes packs them: one per distinct port set, addresses sorted by IP, ports by name.</summary>
    private List<EndpointSubset> Subsets(Service service, Selector selector)
    {
        var publishNotReady = service.Spec?.PublishNotReadyAddresses == true;
        var groups = new Dictionary<string, (List<EndpointPort> Ports, List<EndpointAddress> Ready, List<EndpointAddress> NotReady)>(StringComparer.Ordinal);
        foreach (var pod in ServicePods.Matching(_pods, service, selector))
        {
            if (!ServicePods.ShouldInclude(pod, includeTerminating: publishNotReady))
            {
                continue;
            }
            var ports = new List<EndpointPort>();
            foreach (var sp in service.Spec?.Ports ?? [])
            {
                if (ServicePods.ResolveTargetPort(sp, pod) is { } number)
                {
                    ports.Add(new EndpointPort
                    {
                        Name = string.IsNullOrEmpty(sp.Name) ? null : sp.Name,
                        Port = number,
                        Protocol = string.IsNullOrEmpty(sp.Protocol) ? Api.Protocol.Tcp : sp.Protocol,
                        AppProtocol = sp.AppProtocol,
                    });
                }
            }
            if (ports.Count == 0 && (service.Spec?.Ports?.Count ?? 0) > 0)
            {
                // None of the Service's ports exist on this pod: it serves nothing here.
                continue;
            }
            ports.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var c and not 0 ? c : a.Port.CompareTo(b.Port));
            var address = new EndpointAddress
            {
                Ip = pod.Status!.PodIP!,
                Hostname = ServicePods.HostnameFor(pod, service),
                NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                TargetRef = ServicePods.PodReference(pod),
            };
            var key = string.Join(";", ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port.ToString(CultureInfo.InvariantCulture)}"));
            if (!groups.TryGetValue(key, out var group))
            {
                group = (ports, [], []);
                groups[key] = group;
            }
            (publishNotReady || ServicePods.IsServing(pod) ? group.Ready : group.NotReady).Add(address);
        }
        return [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new EndpointSubset
        {
            Addresses = g.Value.Ready.Count == 0 ? null : [.. g.Value.Ready.OrderBy(a => a.Ip, StringComparer.Ordinal)],
            NotReadyAddresses = g.Value.NotReady.Count == 0 ? null : [.. g.Value.NotReady.OrderBy(a => a.Ip, StringComparer.Ordinal)],
            Ports = g.Value.Ports.Count == 0 ? null : g.Value.Ports,
        })];
    }

    private void EnqueueFor(Pod? before, Pod? after)
    {
        foreach (var key in ServicePods.ServicesFor(_services, before, after))
        {
            _runner.Enqueue(key);
        }
    }

    private void EnqueueIfManaged(Endpoints endpoints)
    {
        var key = ObjectKeys.For(endpoints);
        if (_services.Get(key) is { } service && ServicePods.SelectorOf(service) is not null)
        {
            _runner.Enqueue(key);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synced the Endpoints of {Service}: {Ready} ready, {NotReady} not ready")]
    private static partial void LogSynced(ILogger logger, string service, int ready, int notReady);
}
