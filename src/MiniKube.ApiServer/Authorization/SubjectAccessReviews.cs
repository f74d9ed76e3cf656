using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// authorization.k8s.io/v1 SubjectAccessReview: whether the user the spec names (spec.user, groups, uid) may do what its
/// attributes say, answered by the authorizer chain. The caller needs <c>create subjectaccessreviews</c> (as
/// system:auth-delegator grants); kubelets ask it for every request to their API.
/// </summary>
public static class SubjectAccessReviews
{
    public const string Plural = "subjectaccessreviews";

    public static async Task<SubjectAccessReview> ReviewAsync(ApiAuthorization authorization, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var review = KubeSerializer.FromJson<SubjectAccessReview>(body.Span);
        var spec = review.Spec ?? new SubjectAccessReviewSpec();
        if (string.IsNullOrEmpty(spec.User) && (spec.Groups is null || spec.Groups.Count == 0))
        {
            throw ApiException.Invalid(review.Kind ?? "SubjectAccessReview", "",
                [FieldError.Invalid("spec.user", spec.User ?? "", "at least one of user or group must be specified")]);
        }
        var user = new UserInfo(spec.User ?? "", spec.Groups ?? [], spec.Uid ?? "");
        var request = ReviewRequests.Attributes("SubjectAccessReview", user, spec.ResourceAttributes, spec.NonResourceAttributes);
        var (decision, reason) = await authorization.Chain.AuthorizeAsync(request, ct).ConfigureAwait(false);
        return review with
        {
            Metadata = review.Metadata with { CreationTimestamp = null, ResourceVersion = null, Uid = null },
            Status = ReviewRequests.Status(decision, reason),
        };
    }
}
