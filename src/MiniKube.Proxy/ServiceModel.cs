using MiniKube.Api;
using ApiProtocol = MiniKube.Api.Protocol;

namespace MiniKube.Proxy;

/// <summary>One backend of a service port: a ready endpoint address and its target port.</summary>
public sealed record BackendEndpoint(string Ip, int Port)
{
    public override string ToString() => $"{Ip}:{Port}";
}

/// <summary>
/// One port of a Service as the proxy programs it: ClusterIP:port (and NodePort) with its ready endpoints,
/// sorted so that the same world always yields the same rules.
/// </summary>
public sealed record ServicePortModel(
    string Namespace,
    string Name,
    string PortName,
    string Protocol,
    string ClusterIP,
    int Port,
    int? NodePort,
    int? AffinityTimeoutSeconds,
    IReadOnlyList<BackendEndpoint> Endpoints)
{
    /// <summary><c>ns/name:port</c> (the port name only when the port has one), as kube-proxy names service ports.</summary>
    public string DisplayName => PortName.Length == 0 ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}:{PortName}";

    /// <summary>The lower-case protocol for iptables' <c>-p</c>.</summary>
    public string IptablesProtocol => Protocol.ToLowerInvariant();
}

/// <summary>Turns Services and EndpointSlices into the service ports the proxy programs.</summary>
public static class ServiceModel
{
    public const int DefaultAffinityTimeoutSeconds = 10800;

    /// <summary>
    /// The service ports to program: ClusterIP, NodePort and LoadBalancer services with a ClusterIP inside
    /// <paramref name="range"/> (headless and ExternalName services have no rules), each with the endpoints of its
    /// slices whose port matches by name and protocol and whose <c>ready</c> condition is not false.
    /// </summary>
    public static IReadOnlyList<ServicePortModel> Build(IEnumerable<Service> services, IEnumerable<EndpointSlice> slices, ServiceCidr range)
    {
        var slicesByService = new Dictionary<(string, string), List<EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (slice.AddressType != AddressTypes.IPv4 || slice.Metadata.Labels?.GetValueOrDefault(WellKnownLabels.ServiceName) is not { Length: > 0 } svcName)
            {
                continue;
            }
            var key = (slice.Metadata.Namespace ?? "", svcName);
            if (!slicesByService.TryGetValue(key, out var list))
            {
                slicesByService[key] = list = [];
            }
            list.Add(slice);
        }
        var result = new List<ServicePortModel>();
        foreach (var svc in services)
        {
            var spec = svc.Spec;
            if (spec is null || spec.Type == ServiceType.ExternalName || string.IsNullOrEmpty(spec.ClusterIP) || !range.Contains(spec.ClusterIP))
            {
                continue;
            }
            var ns = svc.Metadata.Namespace ?? "";
            var name = svc.Metadata.Name ?? "";
            var serviceSlices = slicesByService.GetValueOrDefault((ns, name)) ?? [];
            int? affinity = spec.SessionAffinity == "ClientIP"
                ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? DefaultAffinityTimeoutSeconds
                : null;
            var exposesNodePorts = spec.Type is ServiceType.NodePort or ServiceType.LoadBalancer;
            foreach (var port in spec.Ports ?? [])
            {
                var protocol = string.IsNullOrEmpty(port.Protocol) ? ApiProtocol.Tcp : port.Protocol;
                if (protocol is not (ApiProtocol.Tcp or ApiProtocol.Udp) || port.Port is < 1 or > 65535)
                {
                    continue;
                }
                var portName = port.Name ?? "";
                var endpoints = new SortedSet<BackendEndpoint>(Comparer<BackendEndpoint>.Create(
                    (a, b) => string.CompareOrdinal(a.Ip, b.Ip) is var c && c != 0 ? c : a.Port.CompareTo(b.Port)));
                foreach (var slice in serviceSlices)
                {
                    var slicePort = (slice.Ports ?? []).FirstOrDefault(p =>
                        (p.Name ?? "") == portName && (string.IsNullOrEmpty(p.Protocol) ? ApiProtocol.Tcp : p.Protocol) == protocol);
                    if (slicePort?.Port is not { } target || target is < 1 or > 65535)
                    {
                        continue;
                    }
                    foreach (var endpoint in slice.Endpoints ?? [])
                    {
                        if (endpoint.Conditions?.Ready == false || endpoint.Addresses.Count == 0 || !System.Net.IPAddress.TryParse(endpoint.Addresses[0], out _))
                        {
                            continue;
                        }
                        endpoints.Add(new BackendEndpoint(endpoint.Addresses[0], target));
                    }
                }
                result.Add(new ServicePortModel(ns, name, portName, protocol, spec.ClusterIP, port.Port,
                    exposesNodePorts && port.NodePort is > 0 ? port.NodePort : null, affinity, [.. endpoints]));
            }
        }
        return result;
    }
}
