using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>core/v1 Node (cluster-scoped).</summary>
public sealed record Node : KubeObject
{
    public Node()
    {
        ApiVersion = "v1";
        Kind = "Node";
    }

    public NodeSpec? Spec { get; init; }
    public NodeStatus? Status { get; init; }
}

public sealed record NodeSpec
{
    public string? PodCIDR { get; init; }
    public IReadOnlyList<string>? PodCIDRs { get; init; }
    public string? ProviderID { get; init; }
    public bool? Unschedulable { get; init; }
    public IReadOnlyList<Taint>? Taints { get; init; }
}

public sealed record Taint
{
    public string Key { get; init; } = "";
    public string? Value { get; init; }
    /// <summary>NoSchedule, PreferNoSchedule or NoExecute.</summary>
    public string Effect { get; init; } = "";
    public DateTimeOffset? TimeAdded { get; init; }
}

public static class TaintEffect
{
    public const string NoSchedule = "NoSchedule";
    public const string PreferNoSchedule = "PreferNoSchedule";
    public const string NoExecute = "NoExecute";
}

public sealed record NodeStatus
{
    public IReadOnlyDictionary<string, Quantity>? Capacity { get; init; }
    public IReadOnlyDictionary<string, Quantity>? Allocatable { get; init; }
    public string? Phase { get; init; }
    public IReadOnlyList<NodeCondition>? Conditions { get; init; }
    public IReadOnlyList<NodeAddress>? Addresses { get; init; }
    public NodeDaemonEndpoints? DaemonEndpoints { get; init; }
    public NodeSystemInfo? NodeInfo { get; init; }
    public IReadOnlyList<ContainerImage>? Images { get; init; }
}

public static class NodeConditionType
{
    public const string Ready = "Ready";
    public const string MemoryPressure = "MemoryPressure";
    public const string DiskPressure = "DiskPressure";
    public const string PidPressure = "PIDPressure";
    public const string NetworkUnavailable = "NetworkUnavailable";
}

public sealed record NodeCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastHeartbeatTime { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

public static class NodeAddressType
{
    public const string Hostname = "Hostname";
    public const string InternalIP = "InternalIP";
    public const string ExternalIP = "ExternalIP";
}

public sealed record NodeAddress
{
    public string Type { get; init; } = "";
    public string Address { get; init; } = "";
}

public sealed record NodeDaemonEndpoints
{
    public DaemonEndpoint? KubeletEndpoint { get; init; }
}

public sealed record DaemonEndpoint
{
    // Kubernetes spells this one field with a capital P; manifests and kubectl output depend on it.
    [JsonPropertyName("Port")]
    public int Port { get; init; }
}

public sealed record NodeSystemInfo
{
    public string? MachineID { get; init; }
    public string? SystemUUID { get; init; }
    public string? BootID { get; init; }
    public string? KernelVersion { get; init; }
    public string? OsImage { get; init; }
    public string? ContainerRuntimeVersion { get; init; }
    public string? KubeletVersion { get; init; }
    public string? KubeProxyVersion { get; init; }
    public string? OperatingSystem { get; init; }
    public string? Architecture { get; init; }
}

public sealed record ContainerImage
{
    public IReadOnlyList<string>? Names { get; init; }
    public long? SizeBytes { get; init; }
}
