namespace MiniKube.Security;

/// <summary>
/// Every configured authenticator in order, as Kubernetes' union authenticator: the first one that accepts the request
/// decides who it is, and errors count only when none does. An accepted user is also in <c>system:authenticated</c>.
/// </summary>
public sealed class UnionAuthenticator(IReadOnlyList<IAuthenticator> authenticators) : IAuthenticator
{
    public int Count => authenticators.Count;

    public async ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        List<string>? errors = null;
        foreach (var authenticator in authenticators)
        {
            var result = await authenticator.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.User is { } user)
            {
                return AuthenticationResult.Success(WithAuthenticatedGroup(user));
            }
            if (result.Error is { } error)
            {
                (errors ??= []).Add(error);
            }
        }
        return errors is null ? AuthenticationResult.NoCredentials : AuthenticationResult.Failure(string.Join("; ", errors));
    }

    private static UserInfo WithAuthenticatedGroup(UserInfo user) =>
        user.InGroup(UserInfo.AllAuthenticated) ? user : user with { Groups = [.. user.Groups, UserInfo.AllAuthenticated] };
}
