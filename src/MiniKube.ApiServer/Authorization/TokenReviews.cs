using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// authentication.k8s.io/v1 TokenReview: who a bearer token belongs to, by the API server's own authenticators (the
/// token file). The caller needs <c>create tokenreviews</c> (system:auth-delegator); kubelets ask it for the tokens their
/// API receives. Static tokens are bound to no audience, so the audiences asked for are the audiences answered.
/// </summary>
public static class TokenReviews
{
    public const string Plural = "tokenreviews";

    public static async Task<TokenReview> ReviewAsync(UnionAuthenticator authenticator, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var review = KubeSerializer.FromJson<TokenReview>(body.Span);
        var spec = review.Spec ?? new TokenReviewSpec();
        if (string.IsNullOrEmpty(spec.Token))
        {
            throw ApiException.BadRequest("token is required for TokenReview in authentication");
        }
        var result = await authenticator.AuthenticateAsync(new AuthenticationRequest("Bearer " + spec.Token), ct).ConfigureAwait(false);
        var status = result.User is { } user
            ? new TokenReviewStatus
            {
                Authenticated = true,
                User = new ReviewUserInfo { Username = user.Name, Uid = user.Uid.Length == 0 ? null : user.Uid, Groups = user.Groups },
                Audiences = spec.Audiences is { Count: > 0 } audiences ? audiences : null,
            }
            : new TokenReviewStatus { User = new ReviewUserInfo(), Error = result.Error };
        return review with
        {
            Metadata = review.Metadata with { CreationTimestamp = null, ResourceVersion = null, Uid = null },
            Status = status,
        };
    }
}
