using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>coordination.k8s.io/v1 Lease: leader election and node heartbeats.</summary>
public sealed record Lease : KubeObject
{
    public Lease()
    {
        ApiVersion = "coordination.k8s.io/v1";
        Kind = "Lease";
    }

    public LeaseSpec? Spec { get; init; }
}

public sealed record LeaseSpec
{
    public string? HolderIdentity { get; init; }
    public int? LeaseDurationSeconds { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; init; }

    public int? LeaseTransitions { get; init; }
}
