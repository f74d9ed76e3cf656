using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Security;

/// <summary>
/// x509 client certificates (<c>--client-ca-file</c>), as Kubernetes: a certificate that chains to one of the client CAs
/// and allows client authentication is the user named by its subject CN, in the groups named by its O values.
/// </summary>
/// <remarks>
/// A TLS connection hands every request on it the same certificate object, so the user found for that object is kept
/// (weakly: it goes with the connection) and later requests on the connection skip the chain build, which costs ~0.4 ms
/// against ~4 µs for the RBAC decision. The kept user is used only while the certificate is within its validity period;
/// the client CAs are fixed for the life of the process.
/// </remarks>
public sealed class ClientCertificateAuthenticator(X509Certificate2Collection clientAuthorities, TimeProvider? time = null) : IAuthenticator
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConditionalWeakTable<X509Certificate2, UserInfo> _verified = [];

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (request.ClientCertificate is not { } certificate)
        {
            return ValueTask.FromResult(AuthenticationResult.NoCredentials);
        }
        if (_verified.TryGetValue(certificate, out var known))
        {
            var now = _time.GetUtcNow().UtcDateTime;
            if (now >= certificate.NotBefore.ToUniversalTime() && now <= certificate.NotAfter.ToUniversalTime())
            {
                return ValueTask.FromResult(AuthenticationResult.Success(known));
            }
            _verified.Remove(certificate);
        }
        if (Verify(certificate) is { } error)
        {
            return ValueTask.FromResult(AuthenticationResult.Failure(error));
        }
        var (commonName, organizations) = Subject(certificate);
        if (commonName is not { Length: > 0 })
        {
            return ValueTask.FromResult(AuthenticationResult.Failure("x509: the client certificate has no subject common name"));
        }
        var user = new UserInfo(commonName, organizations);
        _verified.AddOrUpdate(certificate, user);
        return ValueTask.FromResult(AuthenticationResult.Success(user));
    }

    /// <summary>Null when <paramref name="certificate"/> chains to a client CA and is meant for client authentication; else why not.</summary>
    public string? Verify(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientAuthorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().LocalDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuth));
        try
        {
            if (chain.Build(certificate))
            {
                return null;
            }
        }
        catch (CryptographicException ex)
        {
            return "x509: " + ex.Message;
        }
        var problems = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return "x509: certificate is not valid for client authentication by this server's client CA: " + string.Join(", ", problems);
    }

    private static (string? CommonName, IReadOnlyList<string> Organizations) Subject(X509Certificate2 certificate)
    {
        string? commonName = null;
        var organizations = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            var oid = rdn.GetSingleElementType().Value;
            if (oid == CommonNameOid)
            {
                commonName = rdn.GetSingleElementValue();
            }
            else if (oid == OrganizationOid && rdn.GetSingleElementValue() is { } organization)
            {
                organizations.Add(organization);
            }
        }
        return (commonName, organizations);
    }
}
