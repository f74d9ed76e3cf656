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
        var request = ReviewRequests.Attributes("SelfSubjectAccessReview", user, spec.ResourceAttributes, spec.NonResourceAttributes);
        var (decision, reason) = await authorization.Chain.AuthorizeAsync(request, ct).ConfigureAwait(false);
        return review with
        {
            Metadata = review.Metadata with { CreationTimestamp = null, ResourceVersion = null, Uid = null },
            Status = ReviewRequests.Status(decision, reason),
        };
    }
}
