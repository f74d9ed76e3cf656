using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Client;

/// <summary>
/// How a client proves who it is and whom it trusts: a bearer token (sent as <c>authorization: Bearer …</c>), a client
/// certificate for TLS, and the certificate authorities an https server's certificate must chain to (instead of the
/// system's roots). All optional; a client without them talks to a server without authentication as before.
/// </summary>
public sealed record ClientCredentials
{
    public static ClientCredentials None { get; } = new();

    public string? BearerToken { get; init; }

    /// <summary>A certificate with its private key, presented when the server asks for one.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The roots an https server's certificate must chain to; empty means the system's trust store.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; init; } = [];

    /// <summary>Makes <paramref name="handler"/> trust <see cref="CertificateAuthorities"/> and present <see cref="ClientCertificate"/>.</summary>
    public void ApplyTls(System.Net.Http.SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (CertificateAuthorities.Count > 0)
        {
            // The server's certificate must chain to these roots; the host name is still checked against its SANs.
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(CertificateAuthorities);
        }
        if (ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }
    }
}
