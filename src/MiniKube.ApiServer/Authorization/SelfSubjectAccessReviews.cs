using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// authorization.k8s.io/v1 SelfSubjectAccessReview: the caller asks whether it may do something and the authorizer chain
/// answers for it (<c>kubectl auth can-i</c>, <c>minictl auth can-i</c>). Create-only and never stored; the caller itself
/// needs <c>create</c> on selfsubjectaccessreviews, which system:basic-user grants every authenticated user.
/// </summary>
public static class SelfSubjectAccessReviews
{
    public const string Group = "authorization.k8s.io";
    public const string Version = "v1";
    public const string Plural = "selfsubjectaccessreviews";
    public const string Path = "/apis/" + Group + "/" + Version + "/" + Plural;

    /// <summary>The review with its status filled in; a review that names neither resource nor non-resource attributes is Invalid.</summary>
    public static async Task<SelfSubjectAccessReview> ReviewAsync(ApiAuthorization authorization, UserInfo user, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var review = KubeSerializer.FromJson<SelfSubjectAccessReview>(body.Span);
        var spec = review.Spec ?? new SelfSubjectAccessReviewSpec();
        RequestAttributes request;
        if (spec.ResourceAttributes is { } r && spec.NonResourceAttributes is null)
        {
            request = new RequestAttributes(user, r.Verb ?? "", r.Group ?? "", r.Resource ?? "", r.Subresource ?? "", r.Namespace ?? "", r.Name ?? "");
        }
        else if (spec.NonResourceAttributes is { } n && spec.ResourceAttributes is null)
        {
            request = RequestAttributes.NonResource(user, n.Verb ?? "", n.Path ?? "");
        }
        else
        {
            var detail = spec.ResourceAttributes is null
                ? "exactly one of nonResourceAttributes or resourceAttributes must be specified"
                : "cannot be specified in combination with resourceAttributes";
            var path = spec.ResourceAttributes is null ? "spec.resourceAttributes" : "spec.nonResourceAttributes";
            throw ApiException.Invalid("SelfSubjectAccessReview", "", [spec.ResourceAttributes is null ? FieldError.Required(path, detail) : FieldError.Invalid(path, spec.NonResourceAttributes, detail)]);
        }
        var (decision, reason) = await authorization.Chain.AuthorizeAsync(request, ct).ConfigureAwait(false);
        return review with
        {
            Metadata = review.Metadata with { CreationTimestamp = null, ResourceVersion = null, Uid = null },
            Status = new SubjectAccessReviewStatus
            {
                // No authorizer of ours denies outright (they allow or have no opinion), so "denied" stays unset, as
                // Kubernetes leaves it when nothing allowed.
                Allowed = decision == AuthorizationDecision.Allow,
                Reason = decision == AuthorizationDecision.Allow ? null : NullIfEmpty(reason),
            },
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
