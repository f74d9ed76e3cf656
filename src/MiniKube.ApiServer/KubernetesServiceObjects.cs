using System.Globalization;
using System.Net;
using MiniKube.Api;
using ApiProtocol = MiniKube.Api.Protocol;

namespace MiniKube.ApiServer;

/// <summary>One live API server as its endpoint lease names it: the advertised address and the REST (secure) port.</summary>
internal readonly record struct ApiServerEndpoint(string Ip, int Port)
{
    public override string ToString() => Ip + ":" + Port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The objects that make the API reachable inside the cluster, as Kubernetes' bootstrap controller keeps them: the
/// selector-less Service <c>default/kubernetes</c> on the first address of the service range (port <c>https</c> 443/TCP), and
/// its Endpoints and EndpointSlices listing every live API server. API servers on one host differ by port, and a slice has one
/// port set, so each port gets a slice of its own (<c>kubernetes</c> for the lowest, <c>kubernetes-&lt;port&gt;</c> for others).
/// </summary>
internal static class KubernetesServiceObjects
{
    public const string Name = "kubernetes";
    public const string Namespace = WellKnownNamespaces.Default;
    public const string PortName = "https";
    public const int HttpsPort = 443;

    public static IReadOnlyDictionary<string, string> ServiceLabels { get; } =
        new Dictionary<string, string> { ["component"] = "apiserver", ["provider"] = "kubernetes" };

    public static Service Service(string clusterIP, int targetPort) => new()
    {
        Metadata = new ObjectMeta { Name = Name, Namespace = Namespace, Labels = ServiceLabels },
        Spec = new ServiceSpec
        {
            Type = ServiceType.ClusterIP,
            ClusterIP = clusterIP,
            ClusterIPs = [clusterIP],
            SessionAffinity = "None",
            Ports = [new ServicePort { Name = PortName, Protocol = ApiProtocol.Tcp, Port = HttpsPort, TargetPort = IntOrString.FromInt(targetPort) }],
        },
    };

    /// <summary>
    /// Whether a stored Service still serves as the kubernetes Service: ClusterIP type with the https port. The target port is
    /// not compared: API servers on different ports would otherwise rewrite it in turn (the proxy takes ports from the slices).
    /// </summary>
    public static bool ServesApi(Service service) =>
        service.Spec is { Type: null or ServiceType.ClusterIP, Ports: [{ Name: PortName, Port: HttpsPort } port] }
        && (port.Protocol ?? ApiProtocol.Tcp) == ApiProtocol.Tcp;

    /// <summary>Subsets grouped by port, each with its addresses sorted, ports ascending: the same list from every API server.</summary>
    public static IReadOnlyList<EndpointSubset> Subsets(IEnumerable<ApiServerEndpoint> endpoints) =>
    [
        .. endpoints.Distinct().GroupBy(e => e.Port).OrderBy(g => g.Key).Select(g => new EndpointSubset
        {
            Addresses = [.. g.Select(e => e.Ip).Order(AddressOrder.Instance).Select(ip => new EndpointAddress { Ip = ip })],
            Ports = [new EndpointPort { Name = PortName, Port = g.Key, Protocol = ApiProtocol.Tcp }],
        }),
    ];

    public static Endpoints Endpoints(IEnumerable<ApiServerEndpoint> endpoints) => new()
    {
        Metadata = new ObjectMeta { Name = Name, Namespace = Namespace, Labels = new Dictionary<string, string>(ServiceLabels) },
        Subsets = Subsets(endpoints),
    };

    public static string SliceName(int port, bool lowest) => lowest ? Name : Name + "-" + port.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<EndpointSlice> Slices(IEnumerable<ApiServerEndpoint> endpoints)
    {
        var subsets = Subsets(endpoints);
        return [.. subsets.Select((subset, i) => new EndpointSlice
        {
            Metadata = new ObjectMeta
            {
                Name = SliceName(subset.Ports![0].Port, i == 0),
                Namespace = Namespace,
                Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = Name },
            },
            AddressType = AddressTypes.IPv4,
            Endpoints = [.. subset.Addresses!.Select(a => new MiniKube.Api.Endpoint
            {
                Addresses = [a.Ip],
                Conditions = new EndpointConditions { Ready = true, Serving = true, Terminating = false },
            })],
            Ports = [new EndpointSlicePort { Name = PortName, Protocol = ApiProtocol.Tcp, Port = subset.Ports[0].Port }],
        })];
    }

    /// <summary>Numeric order of IPv4 addresses (10.0.0.9 before 10.0.0.10), ordinal for anything else.</summary>
    private sealed class AddressOrder : IComparer<string>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(string? x, string? y) =>
            IPAddress.TryParse(x, out var a) && IPAddress.TryParse(y, out var b)
                ? a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes())
                : string.CompareOrdinal(x, y);
    }
}
