namespace MiniKube.Api;

/// <summary>discovery.k8s.io/v1 EndpointSlice: a bounded group of a Service's endpoints (no spec).</summary>
public sealed record EndpointSlice : KubeObject
{
    public EndpointSlice()
    {
        ApiVersion = "discovery.k8s.io/v1";
        Kind = "EndpointSlice";
    }

    /// <summary>"IPv4", "IPv6" or "FQDN"; immutable.</summary>
    public string AddressType { get; init; } = "";
    public IReadOnlyList<Endpoint>? Endpoints { get; init; }
    public IReadOnlyList<EndpointSlicePort>? Ports { get; init; }
}

public static class AddressTypes
{
    public const string IPv4 = "IPv4";
    public const string IPv6 = "IPv6";
    public const string Fqdn = "FQDN";
}

public sealed record Endpoint
{
    public IReadOnlyList<string> Addresses { get; init; } = [];
    public EndpointConditions? Conditions { get; init; }
    public string? Hostname { get; init; }
    public ObjectReference? TargetRef { get; init; }
    public string? NodeName { get; init; }
    public string? Zone { get; init; }
    public IReadOnlyDictionary<string, string>? DeprecatedTopology { get; init; }
    public EndpointHints? Hints { get; init; }
}

/// <summary>
/// Kubernetes' three endpoint conditions: <c>ready</c> (serving and not terminating), <c>serving</c>
/// (passes readiness, whether terminating or not) and <c>terminating</c>. A nil value means "unknown",
/// which consumers treat as ready/serving and not terminating.
/// </summary>
public sealed record EndpointConditions
{
    public bool? Ready { get; init; }
    public bool? Serving { get; init; }
    public bool? Terminating { get; init; }
}

public sealed record EndpointHints
{
    public IReadOnlyList<ForZone>? ForZones { get; init; }
}

public sealed record ForZone
{
    public string Name { get; init; } = "";
}

public sealed record EndpointSlicePort
{
    public string? Name { get; init; }
    public string? Protocol { get; init; }
    public int? Port { get; init; }
    public string? AppProtocol { get; init; }
}
