namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// Bearer tokens issued by this cluster's TokenRequest: the signature, issuer, audience and times must hold (at the injected
/// clock's now), the ServiceAccount must still exist with the uid the token names, and a token bound to a pod lives only as
/// long as that pod (same uid). The user is <c>system:serviceaccount:NS:NAME</c> in <c>system:serviceaccounts</c> and
/// <c>system:serviceaccounts:NS</c>. A bearer token that is not one of ours is left to the other authenticators.
/// </summary>
/// <remarks>
/// The JWT parse and signature check of a token that passed them is kept in a <see cref="VerifiedTokenCache"/> for a few
/// seconds (a pod sends the same token on every request); the account and pod checks below run on every request.
/// </remarks>
public sealed class ServiceAccountTokenAuthenticator(ServiceAccountTokens tokens, IServiceAccountObjects objects, TimeProvider time,
    VerifiedTokenCache? cache = null) : IAuthenticator
{
    private readonly VerifiedTokenCache _verified = cache ?? new VerifiedTokenCache(VerifiedTokenCache.DefaultTtl, VerifiedTokenCache.DefaultCapacity);

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Authenticate(request));

    private AuthenticationResult Authenticate(AuthenticationRequest request)
    {
        if (BearerToken.From(request.Authorization) is not { } token)
        {
            return AuthenticationResult.NoCredentials;
        }
        var now = time.GetUtcNow();
        var claims = _verified.Get(token, now);
        if (claims is null)
        {
            claims = tokens.Read(token, now, out var error, out var notOurs);
            if (claims is null)
            {
                return notOurs ? AuthenticationResult.NoCredentials : AuthenticationResult.Failure(error!);
            }
            _verified.Add(token, claims, now);
        }
        if (objects.ServiceAccountUid(claims.Namespace, claims.ServiceAccountName) is not { } uid)
        {
            return AuthenticationResult.Failure($"serviceaccounts \"{claims.ServiceAccountName}\" not found");
        }
        if (uid != claims.ServiceAccountUid)
        {
            return AuthenticationResult.Failure(
                $"service account UID ({claims.ServiceAccountUid}) does not match service account object's UID ({uid})");
        }
        if (claims.PodName is { } podName)
        {
            if (objects.PodUid(claims.Namespace, podName, now) is not { } podUid)
            {
                return AuthenticationResult.Failure($"pods \"{podName}\" not found");
            }
            if (podUid != claims.PodUid)
            {
                return AuthenticationResult.Failure($"pod UID ({claims.PodUid}) does not match pod object's UID ({podUid})");
            }
        }
        return AuthenticationResult.Success(claims.ToUser());
    }
}
