using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>
/// The one HTTP client the API server calls kubelets with (logs, exec, attach, stats for the metrics pipeline). With
/// <c>--kubelet-client-certificate</c>/<c>--kubelet-client-key</c> it speaks https and presents that certificate (the
/// kubelet authenticates it and asks RBAC whether its user may use nodes/proxy, nodes/stats …); the kubelet's serving
/// certificate is checked against <c>--kubelet-certificate-authority</c> when given (as kube-apiserver, not otherwise).
/// Without the flags it is plain http, for kubelets started without TLS.
/// </summary>
internal sealed class KubeletClient : IDisposable
{
    public KubeletClient(ApiServerOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        };
        if (options.KubeletClientCertificate is { } certFile && options.KubeletClientKey is { } keyFile)
        {
            Scheme = "https";
            handler.SslOptions.ClientCertificates = [PemFiles.ReadCertificateWithKey(certFile, keyFile)];
            if (options.KubeletCertificateAuthority is { } caFile)
            {
                var roots = PemFiles.ReadBundle(caFile);
                handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
            }
            else
            {
                // kube-apiserver without --kubelet-certificate-authority does not verify kubelets' serving certificates either.
                handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
            }
        }
        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary><c>https</c> with the kubelet client flags, else <c>http</c>.</summary>
    public string Scheme { get; } = "http";

    public HttpClient Http { get; }

    /// <summary>The node's kubelet URL (<c>scheme://InternalIP:port</c>), or null when the node has not published both.</summary>
    public string? BaseUrl(Node node) => KubeletAddress.BaseUrl(node, Scheme);

    public void Dispose() => Http.Dispose();
}
