namespace MiniKube.Api;

/// <summary>core/v1 Service.</summary>
public sealed record Service : KubeObject
{
    public Service()
    {
        ApiVersion = "v1";
        Kind = "Service";
    }

    public ServiceSpec? Spec { get; init; }
    public ServiceStatus? Status { get; init; }
}

public static class ServiceType
{
    public const string ClusterIP = "ClusterIP";
    public const string NodePort = "NodePort";
    public const string LoadBalancer = "LoadBalancer";
    public const string ExternalName = "ExternalName";
}

public sealed record ServiceSpec
{
    public IReadOnlyList<ServicePort>? Ports { get; init; }
    public IReadOnlyDictionary<string, string>? Selector { get; init; }
    /// <summary>"None" makes a headless service.</summary>
    public string? ClusterIP { get; init; }
    public IReadOnlyList<string>? ClusterIPs { get; init; }
    public string? Type { get; init; }
    public IReadOnlyList<string>? ExternalIPs { get; init; }
    public string? SessionAffinity { get; init; }
    public string? LoadBalancerIP { get; init; }
    public IReadOnlyList<string>? LoadBalancerSourceRanges { get; init; }
    public string? ExternalName { get; init; }
    public string? ExternalTrafficPolicy { get; init; }
    public int? HealthCheckNodePort { get; init; }
    public bool? PublishNotReadyAddresses { get; init; }
    public SessionAffinityConfig? SessionAffinityConfig { get; init; }
    public IReadOnlyList<string>? IpFamilies { get; init; }
    public string? IpFamilyPolicy { get; init; }
    public bool? AllocateLoadBalancerNodePorts { get; init; }
    public string? LoadBalancerClass { get; init; }
    public string? InternalTrafficPolicy { get; init; }
}

public sealed record ServicePort
{
    public string? Name { get; init; }
    public string? Protocol { get; init; }
    public string? AppProtocol { get; init; }
    public int Port { get; init; }
    /// <summary>A container port number or a container port name; defaults to <see cref="Port"/>.</summary>
    public IntOrString? TargetPort { get; init; }
    public int? NodePort { get; init; }
}

public sealed record SessionAffinityConfig
{
    public ClientIPConfig? ClientIP { get; init; }
}

public sealed record ClientIPConfig
{
    public int? TimeoutSeconds { get; init; }
}

public sealed record ServiceStatus
{
    public LoadBalancerStatus? LoadBalancer { get; init; }
}

public sealed record LoadBalancerStatus
{
    public IReadOnlyList<LoadBalancerIngress>? Ingress { get; init; }
}

public sealed record LoadBalancerIngress
{
    public string? Ip { get; init; }
    public string? Hostname { get; init; }
}

/// <summary>core/v1 Endpoints: the ready and not-ready pod addresses behind a Service (no spec).</summary>
public sealed record Endpoints : KubeObject
{
    public Endpoints()
    {
        ApiVersion = "v1";
        Kind = "Endpoints";
    }

    public IReadOnlyList<EndpointSubset>? Subsets { get; init; }
}

public sealed record EndpointSubset
{
    public IReadOnlyList<EndpointAddress>? Addresses { get; init; }
    public IReadOnlyList<EndpointAddress>? NotReadyAddresses { get; init; }
    public IReadOnlyList<EndpointPort>? Ports { get; init; }
}

public sealed record EndpointAddress
{
    public string Ip { get; init; } = "";
    public string? Hostname { get; init; }
    public string? NodeName { get; init; }
    public ObjectReference? TargetRef { get; init; }
}

public sealed record EndpointPort
{
    public string? Name { get; init; }
    public int Port { get; init; }
    public string? Protocol { get; init; }
    public string? AppProtocol { get; init; }
}
