using System.Security.Cryptography.X509Certificates;
using MiniKube.Cluster;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>Reading back what a <see cref="ClusterPki"/> wrote: certificates, their usages and SANs, and whether they chain to its CA.</summary>
internal static class CertificateFiles
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static X509Certificate2 Load(CertificatePair pair) => X509CertificateLoader.LoadCertificateFromFile(pair.Certificate);

    public static bool ChainsToCa(ClusterPki pki, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(pki.CaCertificate));
        return chain.Build(certificate);
    }

    public static string[] Usages(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value!)];

    public static (string[] Dns, string[] Ips) Sans(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        return ([.. san.EnumerateDnsNames()], [.. san.EnumerateIPAddresses().Select(ip => ip.ToString())]);
    }
}
