using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>A real API server with <c>--token-auth-file</c>: anonymous and bad tokens get 401 on both wires, good tokens get in.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string AliceToken = "alice-token-0123456789";
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "minikube-tokens-" + Guid.NewGuid().ToString("N") + ".csv");
    private TestApiServer? _server;

    private TestApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, $"{AliceToken},alice,1001,\"dev,ops\"\n");
        _server = await TestApiServer.StartAsync(configure: o => o.TokenAuthFile = _tokenFile);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        File.Delete(_tokenFile);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task REST_without_a_valid_token_gets_Kubernetes_401_Status(string? token)
    {
        using var http = Http(token);

        using var response = await http.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Unauthorized", (string?)status["message"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal(401, (int?)status["code"]);
    }

    [Fact]
    public async Task REST_with_a_token_from_the_file_is_served()
    {
        using var http = Http(AliceToken);

        using var response = await http.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"NamespaceList\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    [InlineData("/healthz")]
    [InlineData("/version")]
    public async Task Health_and_version_stay_anonymous(string path)
    {
        using var http = Http(token: null);

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_bad_token_is_refused_even_on_the_anonymous_endpoints()
    {
        using var http = Http("wrong-token");

        using var response = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task GRPC_without_a_valid_token_is_Unauthenticated(string? token)
    {
        using var client = Server.NewClient(new ClientCredentials { BearerToken = token });

        var ex = await Assert.ThrowsAsync<ApiException>(() => client.ListAsync<Namespace>());

        Assert.Equal(401, ex.Code);
        Assert.Equal(StatusReasons.Unauthorized, ex.Reason);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, Assert.IsType<Grpc.Core.RpcException>(ex.InnerException).StatusCode);
    }

    [Fact]
    public async Task GRPC_with_a_token_from_the_file_is_served()
    {
        using var client = Server.NewClient(new ClientCredentials { BearerToken = AliceToken });

        var namespaces = await client.ListAsync<Namespace>();

        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
    }

    private HttpClient Http(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(Server.HttpAddress) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }
}
