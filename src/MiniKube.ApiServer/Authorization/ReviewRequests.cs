using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// The review kinds the API server answers without storing them (create only), by plural: SelfSubjectAccessReview,
/// SubjectAccessReview and TokenReview, with their groups, for both wires' routing and authorization, and discovery.
/// </summary>
public static class ReviewRequests
{
    public const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>Group, kind and plural of every review answered on <c>POST /apis/GROUP/v1/PLURAL</c> (and gRPC Objects.Create).</summary>
    public static IReadOnlyList<(string Group, string Kind, string Plural)> All { get; } =
    [
        (SelfSubjectAccessReviews.Group, "SelfSubjectAccessReview", SelfSubjectAccessReviews.Plural),
        (SelfSubjectAccessReviews.Group, "SubjectAccessReview", SubjectAccessReviews.Plural),
        (AuthenticationGroup, "TokenReview", TokenReviews.Plural),
        (AuthenticationGroup, "SelfSubjectReview", "selfsubjectreviews"),
    ];

    /// <summary>The group of a review plural answered through <see cref="ObjectsService"/> and the REST handler, or null.</summary>
    public static string? GroupOf(string plural) => plural switch
    {
        SelfSubjectAccessReviews.Plural or SubjectAccessReviews.Plural => SelfSubjectAccessReviews.Group,
        TokenReviews.Plural => AuthenticationGroup,
        _ => null,
    };

    /// <summary>The review's status filled in, as JSON (the caller's identity is the caller of the request).</summary>
    public static async Task<byte[]> AnswerAsync(string plural, ApiAuthorization authorization, UnionAuthenticator authenticator, UserInfo caller,
        ReadOnlyMemory<byte> body, CancellationToken ct) => plural switch
    {
        SelfSubjectAccessReviews.Plural => KubeSerializer.ToJsonBytes(await SelfSubjectAccessReviews.ReviewAsync(authorization, caller, body, ct).ConfigureAwait(false)),
        SubjectAccessReviews.Plural => KubeSerializer.ToJsonBytes(await SubjectAccessReviews.ReviewAsync(authorization, body, ct).ConfigureAwait(false)),
        TokenReviews.Plural => KubeSerializer.ToJsonBytes(await TokenReviews.ReviewAsync(authenticator, body, ct).ConfigureAwait(false)),
        _ => throw new ArgumentOutOfRangeException(nameof(plural), plural, "not a review"),
    };

    /// <summary>The attributes a review spec asks about, or Kubernetes' Invalid error when it names neither or both kinds.</summary>
    public static RequestAttributes Attributes(string kind, UserInfo user, ResourceAttributes? resource, NonResourceAttributes? nonResource)
    {
        if (resource is { } r && nonResource is null)
        {
            return new RequestAttributes(user, r.Verb ?? "", r.Group ?? "", r.Resource ?? "", r.Subresource ?? "", r.Namespace ?? "", r.Name ?? "");
        }
        if (nonResource is { } n && resource is null)
        {
            return RequestAttributes.NonResource(user, n.Verb ?? "", n.Path ?? "");
        }
        throw ApiException.Invalid(kind, "", [resource is null
            ? FieldError.Required("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")
            : FieldError.Invalid("spec.nonResourceAttributes", nonResource, "cannot be specified in combination with resourceAttributes")]);
    }

    /// <summary>Kubernetes' status of an access review: allowed, or the reason nobody allowed (no authorizer of ours denies outright, so denied stays unset).</summary>
    public static SubjectAccessReviewStatus Status(AuthorizationDecision decision, string reason) => new()
    {
        Allowed = decision == AuthorizationDecision.Allow,
        Reason = decision == AuthorizationDecision.Allow || reason.Length == 0 ? null : reason,
    };
}
