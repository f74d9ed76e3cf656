using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>
/// authentication.k8s.io/v1 TokenRequest, the body and answer of <c>POST serviceaccounts/{name}/token</c>: a signed, expiring
/// token for the account, optionally bound to a pod. Never stored.
/// </summary>
public sealed record TokenRequest : KubeObject
{
    public const string GroupVersion = "authentication.k8s.io/v1";

    /// <summary>Kubernetes' default lifetime (1 h) and shortest allowed (10 min).</summary>
    public const long DefaultExpirationSeconds = 3600;
    public const long MinExpirationSeconds = 600;

    public TokenRequest()
    {
        ApiVersion = GroupVersion;
        Kind = "TokenRequest";
    }

    public TokenRequestSpec Spec { get; init; } = new();

    public TokenRequestStatus? Status { get; init; }
}

public sealed record TokenRequestSpec
{
    /// <summary>Who the token is for; empty means the API server's own audiences.</summary>
    public IReadOnlyList<string>? Audiences { get; init; }

    public long? ExpirationSeconds { get; init; }

    /// <summary>A Pod (or Secret) the token lives no longer than; this server binds to pods only.</summary>
    public BoundObjectReference? BoundObjectRef { get; init; }
}

public sealed record BoundObjectReference
{
    public string? Kind { get; init; }
    public string? ApiVersion { get; init; }
    public string? Name { get; init; }
    public string? Uid { get; init; }
}

public sealed record TokenRequestStatus
{
    public string Token { get; init; } = "";

    [JsonConverter(typeof(TimeConverter))]
    public DateTimeOffset ExpirationTimestamp { get; init; }
}
