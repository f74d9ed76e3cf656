using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>
/// What the security flags load at start: the serving certificate, the client CAs, and the authenticator chain in
/// Kubernetes' order (client certificates, then tokens). A file that cannot be used fails start, naming the flag and file.
/// </summary>
internal sealed class Authenticators
{
    private Authenticators(UnionAuthenticator chain, X509Certificate2? servingCertificate, ClientCertificateAuthenticator? clientCertificates)
    {
        Chain = chain;
        ServingCertificate = servingCertificate;
        ClientCertificates = clientCertificates;
    }

    public UnionAuthenticator Chain { get; }

    public X509Certificate2? ServingCertificate { get; }

    /// <summary>Set with <c>--client-ca-file</c>; also checks certificates during the TLS handshake.</summary>
    public ClientCertificateAuthenticator? ClientCertificates { get; }

    public static Authenticators From(ApiServerOptions options)
    {
        var chain = new List<IAuthenticator>();
        X509Certificate2? serving = null;
        ClientCertificateAuthenticator? clientCertificates = null;
        if (options.TlsCertFile is { } certFile && options.TlsPrivateKeyFile is { } keyFile)
        {
            serving = Load("--tls-cert-file", certFile, () => PemFiles.ReadCertificateWithKey(certFile, keyFile));
        }
        if (options.ClientCAFile is { } caFile)
        {
            clientCertificates = new ClientCertificateAuthenticator(Load("--client-ca-file", caFile, () => PemFiles.ReadBundle(caFile)));
            chain.Add(clientCertificates);
        }
        if (options.TokenAuthFile is { } tokenFile)
        {
            chain.Add(TokenFileAuthenticator.Load(tokenFile));
        }
        return new Authenticators(new UnionAuthenticator(chain), serving, clientCertificates);
    }

    /// <summary>Runs <paramref name="load"/>; a file it cannot use fails start with the flag and the path.</summary>
    internal static T Load<T>(string flag, string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new AuthenticationConfigException($"{flag}: cannot load \"{path}\": {ex.Message}");
        }
    }
}
