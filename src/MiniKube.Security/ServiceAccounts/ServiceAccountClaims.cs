namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// What a service account token says, as Kubernetes' bound tokens do: <c>iss</c>, <c>sub</c>
/// (<c>system:serviceaccount:NS:NAME</c>), <c>aud</c>, <c>exp</c>/<c>iat</c>/<c>nbf</c>, and the private <c>kubernetes.io</c>
/// claim with the namespace, the account (name, uid) and, when bound, the pod (name, uid).
/// </summary>
public sealed record ServiceAccountClaims
{
    public const string SubjectPrefix = "system:serviceaccount:";

    public required string Issuer { get; init; }
    public required IReadOnlyList<string> Audiences { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset Expires { get; init; }
    public required string Namespace { get; init; }
    public required string ServiceAccountName { get; init; }
    public required string ServiceAccountUid { get; init; }
    public string? PodName { get; init; }
    public string? PodUid { get; init; }

    /// <summary>A random id, so two tokens issued in the same second differ (Kubernetes' <c>jti</c>).</summary>
    public string? TokenId { get; init; }

    public string Subject => SubjectPrefix + Namespace + ":" + ServiceAccountName;

    /// <summary>The user a token authenticates as: its subject, in the service account groups.</summary>
    public UserInfo ToUser() => new(Subject, ["system:serviceaccounts", "system:serviceaccounts:" + Namespace], ServiceAccountUid);
}
