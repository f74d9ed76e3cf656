namespace MiniKube.Api;

/// <summary>
/// authorization.k8s.io/v1 SubjectAccessReview: may this user (not the caller) do this? Created, never stored; asked by
/// kubelets and other servers that delegate authorization to the API server.
/// </summary>
public sealed record SubjectAccessReview : KubeObject
{
    public SubjectAccessReview()
    {
        ApiVersion = "authorization.k8s.io/v1";
        Kind = "SubjectAccessReview";
    }

    public SubjectAccessReviewSpec Spec { get; init; } = new();

    public SubjectAccessReviewStatus? Status { get; init; }
}

public sealed record SubjectAccessReviewSpec
{
    public ResourceAttributes? ResourceAttributes { get; init; }
    public NonResourceAttributes? NonResourceAttributes { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<string>? Groups { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
    public string? Uid { get; init; }
}

/// <summary>
/// authentication.k8s.io/v1 TokenReview: who does this bearer token belong to? Created, never stored; asked by kubelets
/// (and other servers) that delegate authentication to the API server.
/// </summary>
public sealed record TokenReview : KubeObject
{
    public TokenReview()
    {
        ApiVersion = "authentication.k8s.io/v1";
        Kind = "TokenReview";
    }

    public TokenReviewSpec Spec { get; init; } = new();

    public TokenReviewStatus? Status { get; init; }
}

public sealed record TokenReviewSpec
{
    public string? Token { get; init; }
    public IReadOnlyList<string>? Audiences { get; init; }
}

public sealed record TokenReviewStatus
{
    public bool? Authenticated { get; init; }
    public ReviewUserInfo? User { get; init; }
    public IReadOnlyList<string>? Audiences { get; init; }
    public string? Error { get; init; }
}

/// <summary>authentication.k8s.io/v1 UserInfo, as a TokenReview reports it.</summary>
public sealed record ReviewUserInfo
{
    public string? Username { get; init; }
    public string? Uid { get; init; }
    public IReadOnlyList<string>? Groups { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
}
