using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests;

/// <summary>The user of a connection's certificate is found once per certificate object and kept only while it is valid.</summary>
public sealed class ClientCertificateAuthenticatorTests
{
    [Fact]
    public async Task The_same_certificate_object_is_verified_once_and_a_copy_of_it_again()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using var client = ca.IssueClient("jane", ["dev"]);
        using var copy = X509CertificateLoader.LoadCertificate(client.RawData);
        var authenticator = new ClientCertificateAuthenticator([ca.Certificate]);

        var first = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, client), default);
        var again = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, client), default);
        var ofCopy = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, copy), default);

        Assert.Equal("jane", first.User!.Name);
        Assert.Equal(["dev"], first.User.Groups);
        // The kept user, not a new one: the chain was not built again for the connection's own certificate object.
        Assert.Same(first.User, again.User);
        Assert.NotSame(first.User, ofCopy.User);
        Assert.Equal("jane", ofCopy.User!.Name);
    }

    [Fact]
    public async Task A_kept_certificate_stops_authenticating_once_it_has_expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.Create("minikube-ca", time: time);
        using var client = ca.IssueClient("jane", [], validity: TimeSpan.FromHours(1));
        var authenticator = new ClientCertificateAuthenticator([ca.Certificate], time);
        Assert.True((await authenticator.AuthenticateAsync(new AuthenticationRequest(null, client), default)).Authenticated);

        time.Advance(TimeSpan.FromHours(2));
        var expired = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, client), default);

        Assert.Null(expired.User);
        Assert.StartsWith("x509: certificate is not valid for client authentication by this server's client CA: ", expired.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_certificate_is_refused_every_time()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using var other = CertificateAuthority.Create("other-ca");
        using var foreign = other.IssueClient("mallory", ["system:masters"]);
        var authenticator = new ClientCertificateAuthenticator([ca.Certificate]);

        for (var i = 0; i < 2; i++)
        {
            var result = await authenticator.AuthenticateAsync(new AuthenticationRequest(null, foreign), default);
            Assert.Null(result.User);
            Assert.StartsWith("x509: ", result.Error, StringComparison.Ordinal);
        }
    }
}
