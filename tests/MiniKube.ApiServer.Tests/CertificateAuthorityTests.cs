using System.Net;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests;

/// <summary>The CA's certificates (SANs, usages, chains) and PEM files, and how a client certificate becomes a user.</summary>
public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-ca-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_serving_certificate_names_its_hosts_in_SANs_and_chains_to_the_CA()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using var serving = ca.IssueServing("apiserver", ["localhost", "apiserver-1"], [IPAddress.Loopback]);

        var san = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost", "apiserver-1"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback], san.EnumerateIPAddresses());
        Assert.True(serving.HasPrivateKey);
        Assert.Equal(ca.Certificate.Subject, serving.Issuer);
        Assert.True(serving.NotAfter <= ca.Certificate.NotAfter);
        using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(serving), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public async Task A_client_certificate_is_the_user_of_its_CN_in_the_groups_of_its_Os()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using var client = ca.IssueClient("system:node:n1", ["system:nodes", "extra"]);

        var result = await new ClientCertificateAuthenticator([ca.Certificate]).AuthenticateAsync(new AuthenticationRequest(null, client), default);

        Assert.Equal("system:node:n1", result.User?.Name);
        Assert.Equal(["system:nodes", "extra"], result.User!.Groups);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_or_without_client_usage_is_refused()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using var other = CertificateAuthority.Create("other-ca");
        using var foreign = other.IssueClient("mallory", []);
        using var serving = ca.IssueServing("server", ["localhost"], []);
        var authenticator = new ClientCertificateAuthenticator([ca.Certificate]);

        var fromOther = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, foreign), default);
        var notForClients = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, serving), default);

        Assert.Null(fromOther.User);
        Assert.StartsWith("x509: ", fromOther.Error, StringComparison.Ordinal);
        Assert.Null(notForClients.User);
        Assert.StartsWith("x509: ", notForClients.Error, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Saved_files_are_PEM_with_an_owner_only_key_and_load_back()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        var cert = Path.Combine(_dir, "ca.crt");
        var key = Path.Combine(_dir, "ca.key");
        File.WriteAllText(key, "stale, world-readable");
        File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);

        ca.Save(cert, key);
        using var loaded = CertificateAuthority.Load(cert, key);
        using var issued = loaded.IssueClient("jane", []);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(cert), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(ca.Certificate.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.Equal(ca.Certificate.Subject, issued.Issuer);
        Assert.Single(PemFiles.ReadBundle(cert));
    }
}
