using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Security;

/// <summary>
/// What a request presents to prove who it is: its <c>Authorization</c> header (either wire: gRPC metadata is an HTTP/2
/// header) and the client certificate of its TLS connection, if any. Built by the server; no ASP.NET types here.
/// </summary>
public sealed record AuthenticationRequest(string? Authorization, X509Certificate2? ClientCertificate = null)
{
    public static AuthenticationRequest None { get; } = new(Authorization: null);
}

/// <summary>
/// The outcome of one authenticator: a user, or no user with an error (credentials of this kind were presented but are
/// not valid), or neither (this request carries nothing this authenticator understands).
/// </summary>
public readonly record struct AuthenticationResult(UserInfo? User, string? Error)
{
    public static AuthenticationResult NoCredentials => default;

    public static AuthenticationResult Success(UserInfo user) => new(user, null);

    public static AuthenticationResult Failure(string error) => new(null, error);

    public bool Authenticated => User is not null;
}

/// <summary>One way of proving an identity (a token file, client certificates, …); see <see cref="UnionAuthenticator"/>.</summary>
public interface IAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken);
}
