using System.Net;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// A real API server serving TLS on both ports with <c>--client-ca-file</c> and <c>--token-auth-file</c>: certificates from
/// the client CA and tokens get in, a certificate from another CA fails the handshake, nothing at all gets 401.
/// </summary>
public sealed class TlsAuthenticationTests : IAsyncLifetime
{
    private const string Token = "tls-token-42";
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-tls-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-ca");
    private readonly CertificateAuthority _otherCa = CertificateAuthority.Create("someone-else-ca");
    private TestApiServer? _server;

    private TestApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        using var serving = _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]);
        PemFiles.Write(serving, Path.Combine(_dir, "apiserver.crt"), Path.Combine(_dir, "apiserver.key"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.crt"), _ca.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "tokens.csv"), $"{Token},tom,7\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TlsCertFile = Path.Combine(_dir, "apiserver.crt");
            o.TlsPrivateKeyFile = Path.Combine(_dir, "apiserver.key");
            o.ClientCAFile = Path.Combine(_dir, "ca.crt");
            o.TokenAuthFile = Path.Combine(_dir, "tokens.csv");
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Both_ports_are_https()
    {
        Assert.StartsWith("https://127.0.0.1:", Server.HttpAddress, StringComparison.Ordinal);
        Assert.StartsWith("https://127.0.0.1:", Server.GrpcAddress, StringComparison.Ordinal);
    }

    [Fact]
    public async Task REST_with_a_client_certificate_from_the_client_CA_is_served()
    {
        using var certificate = _ca.IssueClient("jane", ["dev"]);
        using var http = Https(certificate);

        using var response = await http.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SelfSubjectReview_names_the_certificate_user_and_groups_or_the_token_user()
    {
        using var certificate = _ca.IssueClient("jane", ["dev", "ops"]);
        using var byCertificate = Https(certificate);
        using var byToken = Https(certificate: null, Token);
        using var body = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json");

        using var jane = await byCertificate.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", body);
        using var tom = await byToken.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", body);

        Assert.Equal(HttpStatusCode.Created, jane.StatusCode);
        var janeInfo = System.Text.Json.Nodes.JsonNode.Parse(await jane.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal("jane", (string?)janeInfo["username"]);
        Assert.Equal(["dev", "ops", "system:authenticated"], janeInfo["groups"]!.AsArray().Select(g => (string?)g));
        var tomInfo = System.Text.Json.Nodes.JsonNode.Parse(await tom.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal(("tom", "7"), ((string?)tomInfo["username"], (string?)tomInfo["uid"]));
        Assert.Equal(["system:authenticated"], tomInfo["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task REST_with_a_token_and_no_certificate_is_served_and_with_neither_gets_401()
    {
        using var withToken = Https(certificate: null, Token);
        using var anonymous = Https(certificate: null);

        using var served = await withToken.GetAsync("/api/v1/namespaces");
        using var refused = await anonymous.GetAsync("/api/v1/namespaces");
        using var health = await anonymous.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData(System.Security.Authentication.SslProtocols.Tls12)]
    [InlineData(System.Security.Authentication.SslProtocols.Tls13)]
    public async Task A_client_certificate_from_another_CA_fails_the_TLS_handshake(System.Security.Authentication.SslProtocols tls)
    {
        using var certificate = _otherCa.IssueClient("mallory", ["system:masters"]);
        using var http = Https(certificate, tls: tls);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/v1/namespaces"));

        // The server checks the client's certificate as the handshake ends (on Linux, after OpenSSL's part of it) and then
        // closes the connection: the client gets no HTTP response at all, not a 401.
        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
    }

    [Fact]
    public async Task A_certificate_of_the_client_CA_made_for_serving_is_not_a_client_certificate()
    {
        using var certificate = _ca.IssueServing("not-a-client", ["localhost"], []);
        using var http = Https(certificate);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/v1/namespaces"));

        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
    }

    [Fact]
    public async Task GRPC_over_TLS_with_a_client_certificate_or_a_token_is_served_and_with_neither_is_Unauthenticated()
    {
        using var certificate = _ca.IssueClient("jane", ["dev"]);
        using var withCertificate = Server.NewClient(new ClientCredentials { ClientCertificate = certificate, CertificateAuthorities = [_ca.Certificate] });
        using var withToken = Server.NewClient(new ClientCredentials { BearerToken = Token, CertificateAuthorities = [_ca.Certificate] });
        using var anonymous = Server.NewClient(new ClientCredentials { CertificateAuthorities = [_ca.Certificate] });

        Assert.Contains((await withCertificate.ListAsync<Namespace>()).Items, n => n.Metadata.Name == "default");
        Assert.Contains((await withToken.ListAsync<Namespace>()).Items, n => n.Metadata.Name == "default");
        var refused = await Assert.ThrowsAsync<ApiException>(() => anonymous.ListAsync<Namespace>());
        Assert.Equal(401, refused.Code);
    }

    [Fact]
    public async Task GRPC_with_a_client_certificate_from_another_CA_does_not_get_in()
    {
        using var certificate = _otherCa.IssueClient("mallory", ["system:masters"]);
        using var client = Server.NewClient(new ClientCredentials { ClientCertificate = certificate, CertificateAuthorities = [_ca.Certificate] });

        var ex = await Assert.ThrowsAsync<ApiException>(() => client.ListAsync<Namespace>());

        // The server ends the connection in the handshake. Under TLS 1.3 the client may already have sent the request when
        // that close arrives, so gRPC reports it as Unavailable or as Internal (the response ended); either way no response
        // of the server's (no Status, no 401, no data) reached the client.
        var rpc = Assert.IsType<Grpc.Core.RpcException>(ex.InnerException);
        Assert.True(rpc.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.Internal, $"expected the connection to fail, got {rpc.Status}");
        Assert.True(ex.Code is 503 or 500, $"expected a transport failure, got {ex.Code} {ex.Reason}: {ex.Message}");
        Assert.NotEqual(StatusReasons.Unauthorized, ex.Reason);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_servers_CA_refuses_it()
    {
        using var client = Server.NewClient(new ClientCredentials { BearerToken = Token, CertificateAuthorities = [_otherCa.Certificate] });

        var ex = await Assert.ThrowsAsync<ApiException>(() => client.ListAsync<Namespace>());

        Assert.Contains("The remote certificate is invalid", ex.Message, StringComparison.Ordinal);
    }

    private HttpClient Https(X509Certificate2? certificate, string? token = null, System.Security.Authentication.SslProtocols tls = default) =>
        HttpsClients.For(Server.HttpAddress, new ClientCredentials { CertificateAuthorities = [_ca.Certificate], ClientCertificate = certificate, BearerToken = token }, tls);
}
