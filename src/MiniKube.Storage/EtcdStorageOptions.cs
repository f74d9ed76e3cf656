using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Storage;

public sealed class EtcdStorageOptions
{
    /// <summary>etcd client URLs, e.g. <c>http://127.0.0.1:2379</c>. Tried in order; the next one on failure.</summary>
    public IList<string> Endpoints { get; init; } = ["http://127.0.0.1:2379"];

    /// <summary>Key prefix for every object; Kubernetes uses <c>/registry</c>.</summary>
    public string Prefix { get; set; } = "/registry";

    /// <summary>Per-call deadline for unary etcd calls.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The certificate (with its private key) this client shows etcd when etcd asks for one (<c>--client-cert-auth</c>);
    /// https endpoints only.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// The CAs an https etcd's serving certificate must chain to, instead of the system's roots; null trusts the system's
    /// roots, as Kubernetes does without <c>--etcd-cafile</c>.
    /// </summary>
    public X509Certificate2Collection? TrustedCAs { get; init; }

    /// <summary>Returns the first problem with these options, or null.</summary>
    public string? Validate()
    {
        if (Endpoints.Count == 0)
        {
            return "no etcd endpoint: set --etcd-servers (e.g. http://127.0.0.1:2379)";
        }
        foreach (var endpoint in Endpoints)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                return $"invalid etcd endpoint \"{endpoint}\": expected a URL such as http://127.0.0.1:2379";
            }
        }
        if ((ClientCertificate is not null || TrustedCAs is not null) && Endpoints.FirstOrDefault(e => e.StartsWith("http:", StringComparison.OrdinalIgnoreCase)) is { } plain)
        {
            return $"etcd endpoint \"{plain}\" is plaintext: client certificates and CAs need https endpoints";
        }
        if (ClientCertificate is { HasPrivateKey: false })
        {
            return "the etcd client certificate has no private key";
        }
        if (!Prefix.StartsWith('/') || Prefix.EndsWith('/'))
        {
            return $"invalid storage prefix \"{Prefix}\": it must start with '/' and not end with one";
        }
        return null;
    }
}
