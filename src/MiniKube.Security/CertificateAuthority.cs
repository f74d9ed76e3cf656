using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Security;

/// <summary>
/// A small certificate authority on .NET's own cryptography (<see cref="CertificateRequest"/>): a self-signed CA that issues
/// serving certificates (SANs) and client certificates (user = CN, groups = O, as Kubernetes reads them). ECDSA P-256 keys:
/// fast to make and accepted by Go's TLS (kubectl, etcd). Save and load as PEM; see <see cref="PemFiles"/>.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>Certificates start this long before they are made, so a peer whose clock is slightly behind accepts them.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultCaValidity = TimeSpan.FromDays(3650);
    public static readonly TimeSpan DefaultLeafValidity = TimeSpan.FromDays(365);

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly TimeProvider _time;

    private CertificateAuthority(X509Certificate2 certificate, TimeProvider time)
    {
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("a certificate authority needs its private key", nameof(certificate));
        }
        Certificate = certificate;
        _time = time;
    }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static CertificateAuthority Create(string commonName, TimeSpan? validity = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(commonName, []), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        return new CertificateAuthority(request.CreateSelfSigned(now - ClockSkew, now + (validity ?? DefaultCaValidity)), time);
    }

    /// <summary>A CA from its certificate and key files (PEM), as <see cref="Save"/> wrote them.</summary>
    public static CertificateAuthority Load(string certificatePath, string keyPath, TimeProvider? time = null) =>
        new(PemFiles.ReadCertificateWithKey(certificatePath, keyPath), time ?? TimeProvider.System);

    /// <summary>Writes the certificate and the key (mode 0600) as PEM.</summary>
    public void Save(string certificatePath, string keyPath) => PemFiles.Write(Certificate, certificatePath, keyPath);

    /// <summary>A TLS server certificate for <paramref name="dnsNames"/> and <paramref name="ipAddresses"/> (clients check SANs, not the CN).</summary>
    public X509Certificate2 IssueServing(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, TimeSpan? validity = null) =>
        Issue(Name(commonName, []), [ServerAuth], SubjectAlternativeNames(dnsNames, ipAddresses), validity);

    /// <summary>
    /// A certificate for both ends of TLS (server and client authentication), as etcd's server and peer certificates must be:
    /// peers dial each other with it, and etcd's own gRPC gateway presents its serving certificate to its client port.
    /// </summary>
    public X509Certificate2 IssuePeer(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, TimeSpan? validity = null) =>
        Issue(Name(commonName, []), [ServerAuth, ClientAuth], SubjectAlternativeNames(dnsNames, ipAddresses), validity);

    private static X509Extension SubjectAlternativeNames(IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }
        foreach (var ip in ipAddresses)
        {
            san.AddIpAddress(ip);
        }
        return san.Build();
    }

    /// <summary>A TLS client certificate: Kubernetes takes the user from the CN and the groups from the O values.</summary>
    public X509Certificate2 IssueClient(string commonName, IEnumerable<string> organizations, TimeSpan? validity = null) =>
        Issue(Name(commonName, organizations), [ClientAuth], subjectAlternativeNames: null, validity);

    private X509Certificate2 Issue(X500DistinguishedName subject, string[] usages, X509Extension? subjectAlternativeNames, TimeSpan? validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages.Select(u => new Oid(u))], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }
        var now = _time.GetUtcNow();
        var notAfter = now + (validity ?? DefaultLeafValidity);
        // A certificate may not outlive its issuer.
        if (notAfter > Certificate.NotAfter.ToUniversalTime())
        {
            notAfter = Certificate.NotAfter.ToUniversalTime();
        }
        using var issued = request.Create(Certificate, now - ClockSkew, notAfter, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    private static X500DistinguishedName Name(string commonName, IEnumerable<string> organizations)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        var name = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations)
        {
            name.AddOrganizationName(organization);
        }
        name.AddCommonName(commonName);
        return name.Build();
    }

    public void Dispose() => Certificate.Dispose();
}
