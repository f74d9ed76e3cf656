using System.Globalization;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// One allocation a Service write makes: the etcd key that records it (created only if absent, in the same transaction as
/// the Service), the field it fills, and whether the user asked for that value (then a taken value is the user's error;
/// a randomly picked one that another API server took meanwhile is simply picked again).
/// </summary>
internal sealed record AllocationClaim(string Key, string Path, object Value, string TakenMessage, bool Requested);

/// <summary>The Service as it will be stored, and the allocation keys its write creates and deletes.</summary>
internal sealed record ServiceAllocationPlan(Service Service, IReadOnlyList<AllocationClaim> Claims, IReadOnlyList<string> Releases)
{
    public AllocationClaim? ClaimFor(string key) => Claims.FirstOrDefault(c => c.Key == key);

    /// <summary>The claims' creates and the releases' deletes, to commit together with the Service's own write.</summary>
    public List<StoreOperation> Operations()
    {
        var owner = ServiceAllocator.OwnerRecord(Service);
        var ops = new List<StoreOperation>(Claims.Count + Releases.Count + 1);
        ops.AddRange(Claims.Select(c => StoreOperation.Create(c.Key, owner)));
        ops.AddRange(Releases.Select(k => StoreOperation.Delete(k)));
        return ops;
    }
}

/// <summary>
/// ClusterIP and NodePort allocation, in the API server's write path (both wires share it). Every allocated IP or port is one
/// etcd key (<c>ranges/serviceips/&lt;ip&gt;</c>, <c>ranges/servicenodeports/&lt;port&gt;</c>, as Kubernetes' IPAddress objects
/// are one per address) created with a create-if-absent compare in the very transaction that writes the Service, and deleted
/// in the transaction that deletes it or drops the value. So two API servers on one etcd never hand out one value twice,
/// and a Service write that fails allocates nothing.
/// </summary>
internal sealed class ServiceAllocator
{
    public const string IPKeyPrefix = "ranges/serviceips/";
    public const string NodePortKeyPrefix = "ranges/servicenodeports/";

    private readonly IObjectStore _store;

    public ServiceAllocator(IObjectStore store, ApiServerOptions options)
    {
        _store = store;
        IPRange = ServiceIPRange.Parse(options.ServiceClusterIPRange);
        NodePorts = NodePortRange.Parse(options.ServiceNodePortRange);
    }

    public ServiceIPRange IPRange { get; }

    public NodePortRange NodePorts { get; }

    public static string IPKey(string ip) => IPKeyPrefix + ip;

    /// <summary>The first address of the range, Kubernetes' address of the <c>default/kubernetes</c> Service: no other Service gets it.</summary>
    public string ReservedIP => IPRange.At(1);

    private static bool IsKubernetesService(Service service) =>
        service.Metadata is { Name: KubernetesServiceObjects.Name, Namespace: KubernetesServiceObjects.Namespace };

    public static string NodePortKey(int port) => NodePortKeyPrefix + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Who holds an allocation: the Service's namespace, name and uid (for people reading etcd).</summary>
    public static byte[] OwnerRecord(Service service) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
    {
        ["namespace"] = service.Metadata.Namespace ?? "",
        ["name"] = service.Metadata.Name ?? "",
        ["uid"] = service.Metadata.Uid ?? "",
    });

    /// <summary>
    /// Before an update is validated: values the new object leaves out are kept (an applied manifest without clusterIP or
    /// nodePort keeps them), and fields of the old type that the new type does not use are dropped, as Kubernetes does.
    /// </summary>
    public static Service CarryOver(Service next, Service old)
    {
        var spec = next.Spec ?? new ServiceSpec();
        var oldSpec = old.Spec ?? new ServiceSpec();
        if (NeedsClusterIP(old) && NeedsClusterIP(next) && string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs?.Count ?? 0) == 0)
        {
            spec = spec with { ClusterIP = oldSpec.ClusterIP, ClusterIPs = oldSpec.ClusterIPs };
        }
        if (Type(next) == ServiceType.ExternalName && Type(old) != ServiceType.ExternalName)
        {
            // The clusterIP is released with the type; unchanged values go with it.
            if (spec.ClusterIP == oldSpec.ClusterIP)
            {
                spec = spec with { ClusterIP = null };
            }
            if (SameList(spec.ClusterIPs, oldSpec.ClusterIPs))
            {
                spec = spec with { ClusterIPs = null };
            }
            if (SameList(spec.IpFamilies, oldSpec.IpFamilies))
            {
                spec = spec with { IpFamilies = null };
            }
            if (spec.IpFamilyPolicy == oldSpec.IpFamilyPolicy)
            {
                spec = spec with { IpFamilyPolicy = null };
            }
        }
        var exposes = Type(next) is ServiceType.NodePort or ServiceType.LoadBalancer;
        if (!exposes && Type(old) is ServiceType.NodePort or ServiceType.LoadBalancer && spec.ExternalTrafficPolicy == oldSpec.ExternalTrafficPolicy)
        {
            spec = spec with { ExternalTrafficPolicy = null };
        }
        var oldPorts = oldSpec.Ports ?? [];
        if (NeedsNodePorts(old) && spec.Ports is { } ports)
        {
            if (NeedsNodePorts(next))
            {
                spec = spec with
                {
                    Ports = ports.Select(p => p.NodePort is null or 0 && oldPorts.FirstOrDefault(o => o.Port == p.Port && Protocol(o) == Protocol(p)) is { NodePort: { } kept }
                        ? p with { NodePort = kept }
                        : p).ToList(),
                };
            }
            else
            {
                // Leaving NodePort: ports that still carry their old node port lose it (a new one is the user's error).
                spec = spec with
                {
                    Ports = ports.Select(p => p.NodePort is { } n && oldPorts.Any(o => o.NodePort == n) ? p with { NodePort = null } : p).ToList(),
                };
            }
        }
        return next with { Spec = spec };
    }

    /// <summary>
    /// Fills in the clusterIP and node ports a Service needs and lists the keys to create and delete. Values the user asked for
    /// are checked against the ranges here and for being taken by the transaction (or, for a dry run, by a read).
    /// </summary>
    public async Task<ServiceAllocationPlan> PlanAsync(Service next, Service? old, bool dryRun, CancellationToken ct)
    {
        var spec = next.Spec ?? new ServiceSpec();
        var errors = new List<FieldError>();
        var claims = new List<AllocationClaim>();
        var releases = new List<string>();

        // ---- cluster IP
        var oldIP = old is not null && NeedsClusterIP(old) && IsAddress(old.Spec?.ClusterIP) ? old.Spec!.ClusterIP : null;
        if (NeedsClusterIP(next))
        {
            if (string.IsNullOrEmpty(spec.ClusterIP))
            {
                var ip = await PickIPAsync(ct).ConfigureAwait(false);
                claims.Add(new AllocationClaim(IPKey(ip), "spec.clusterIPs", ip, $"failed to allocate IP {ip}: provided IP is already allocated", false));
                spec = spec with { ClusterIP = ip, ClusterIPs = [ip] };
            }
            else if (spec.ClusterIP != oldIP)
            {
                var ip = spec.ClusterIP;
                if (ip == ReservedIP && !IsKubernetesService(next))
                {
                    errors.Add(FieldError.Invalid("spec.clusterIPs", ip,
                        $"failed to allocate IP {ip}: provided IP is reserved for the default/kubernetes Service (the first address of {IPRange})"));
                }
                else if (!IPRange.TryOffset(ip, out _))
                {
                    errors.Add(FieldError.Invalid("spec.clusterIPs", ip,
                        $"failed to allocate IP {ip}: provided IP {ip} is not in the valid range. The range of valid IPs is {IPRange}"));
                }
                else
                {
                    claims.Add(new AllocationClaim(IPKey(ip), "spec.clusterIPs", ip, $"failed to allocate IP {ip}: provided IP is already allocated", true));
                }
            }
        }
        if (oldIP is not null && spec.ClusterIP != oldIP)
        {
            releases.Add(IPKey(oldIP));
        }

        // ---- node ports
        var held = old is not null && NeedsNodePorts(old)
            ? (old.Spec?.Ports ?? []).Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value).ToHashSet()
            : [];
        var kept = new HashSet<int>();
        if (NeedsNodePorts(next) && spec.Ports is { } ports)
        {
            var result = ports.ToList();
            var byServicePort = new Dictionary<int, int>();
            for (var i = 0; i < result.Count; i++)
            {
                if (result[i].NodePort is not { } n || n == 0)
                {
                    continue;
                }
                var path = "spec.ports[" + i.ToString(CultureInfo.InvariantCulture) + "].nodePort";
                if (!NodePorts.Contains(n))
                {
                    errors.Add(FieldError.Invalid(path, n, $"provided port is not in the valid range. The range of valid ports is {NodePorts}"));
                    continue;
                }
                byServicePort.TryAdd(result[i].Port, n);
                if (kept.Add(n) && !held.Contains(n))
                {
                    claims.Add(new AllocationClaim(NodePortKey(n), path, n, "provided port is already allocated", true));
                }
            }
            HashSet<string>? taken = null;
            for (var i = 0; i < result.Count; i++)
            {
                if (result[i].NodePort is > 0)
                {
                    continue;
                }
                // Ports that differ only in protocol share one node port, as in Kubernetes.
                if (!byServicePort.TryGetValue(result[i].Port, out var n))
                {
                    taken ??= await TakenAsync(NodePortKeyPrefix, ct).ConfigureAwait(false);
                    n = PickNodePort(taken, kept);
                    kept.Add(n);
                    byServicePort[result[i].Port] = n;
                    claims.Add(new AllocationClaim(NodePortKey(n), "spec.ports[" + i.ToString(CultureInfo.InvariantCulture) + "].nodePort", n,
                        "provided port is already allocated", false));
                }
                result[i] = result[i] with { NodePort = n };
            }
            spec = spec with { Ports = result };
        }
        releases.AddRange(held.Where(n => !kept.Contains(n)).Select(NodePortKey));

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("Service", next.Metadata.Name ?? "", errors);
        }
        if (dryRun)
        {
            // Nothing is written on a dry run, so check the values asked for by reading their keys.
            foreach (var claim in claims.Where(c => c.Requested))
            {
                if (await _store.GetAsync(claim.Key, ct).ConfigureAwait(false) is not null)
                {
                    throw ApiException.Invalid("Service", next.Metadata.Name ?? "", [FieldError.Invalid(claim.Path, claim.Value, claim.TakenMessage)]);
                }
            }
        }
        return new ServiceAllocationPlan(next with { Spec = spec }, claims, releases);
    }

    /// <summary>The keys a Service's deletion releases.</summary>
    public static IReadOnlyList<string> ReleasesOnDelete(Service service)
    {
        var keys = new List<string>();
        if (NeedsClusterIP(service) && IsAddress(service.Spec?.ClusterIP))
        {
            keys.Add(IPKey(service.Spec!.ClusterIP!));
        }
        if (NeedsNodePorts(service))
        {
            keys.AddRange((service.Spec?.Ports ?? []).Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value).Distinct().Select(NodePortKey));
        }
        return keys;
    }

    private static bool NeedsClusterIP(Service s) => Type(s) != ServiceType.ExternalName && s.Spec?.ClusterIP != "None";

    private static bool NeedsNodePorts(Service s) =>
        Type(s) == ServiceType.NodePort || (Type(s) == ServiceType.LoadBalancer && s.Spec?.AllocateLoadBalancerNodePorts != false);

    private static string Type(Service s) => string.IsNullOrEmpty(s.Spec?.Type) ? ServiceType.ClusterIP : s.Spec!.Type!;

    private static string Protocol(ServicePort p) => string.IsNullOrEmpty(p.Protocol) ? Api.Protocol.Tcp : p.Protocol;

    private static bool IsAddress(string? ip) => !string.IsNullOrEmpty(ip) && ip != "None";

    private static bool SameList(IReadOnlyList<string>? a, IReadOnlyList<string>? b) => (a ?? []).SequenceEqual(b ?? []);

    private async Task<HashSet<string>> TakenAsync(string prefix, CancellationToken ct)
    {
        var list = await _store.ListAsync(prefix, ct).ConfigureAwait(false);
        return list.Items.Select(i => i.Key[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
    }

    private async Task<string> PickIPAsync(CancellationToken ct)
    {
        var taken = await TakenAsync(IPKeyPrefix, ct).ConfigureAwait(false);
        var last = IPRange.Size - 2;
        // The dynamic band first, from a random start; the static band only when the dynamic one is full.
        // Offset 1 is never picked: it belongs to the kubernetes Service, also while that Service is being recreated.
        var offset = PickFree(IPRange.StaticBand, last, o => taken.Contains(IPRange.At(o)))
            ?? PickFree(2, Math.Min(IPRange.StaticBand - 1, last), o => taken.Contains(IPRange.At(o)))
            ?? throw ApiException.Internal($"failed to allocate a serviceIP: range is full (every address of {IPRange} is allocated)");
        return IPRange.At(offset);
    }

    private int PickNodePort(HashSet<string> taken, HashSet<int> mine)
    {
        bool Used(long o)
        {
            var port = (int)(NodePorts.Min + o);
            return mine.Contains(port) || taken.Contains(port.ToString(CultureInfo.InvariantCulture));
        }
        var offset = PickFree(NodePorts.StaticBand, NodePorts.Size - 1, Used)
            ?? PickFree(0, Math.Min(NodePorts.StaticBand, NodePorts.Size) - 1, Used)
            ?? throw ApiException.Internal($"failed to allocate a nodePort: range is full (every port of {NodePorts} is allocated)");
        return (int)(NodePorts.Min + offset);
    }

    /// <summary>A free offset in [first, last], scanning from a random start and wrapping; null when all are used.</summary>
    private static long? PickFree(long first, long last, Func<long, bool> used)
    {
        if (last < first)
        {
            return null;
        }
        var count = last - first + 1;
        var start = Random.Shared.NextInt64(count);
        for (long i = 0; i < count; i++)
        {
            var offset = first + ((start + i) % count);
            if (!used(offset))
            {
                return offset;
            }
        }
        return null;
    }
}
