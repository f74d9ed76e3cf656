using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// A protobuf request body (what kubectl's generator subcommands such as <c>create configmap</c> send) is answered with
/// 415 UnsupportedMediaType naming the encodings MiniKube takes, and nothing is stored.
/// </summary>
public sealed class RequestEncodingTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task A_protobuf_body_is_refused_as_an_unsupported_media_type_and_nothing_is_stored()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var body = new ByteArrayContent([(byte)'k', (byte)'8', (byte)'s', 0, 0x0a, 0x0f]);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");

        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", body);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var stored = await fixture.Client.ListAsync<ConfigMap>(ns);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UnsupportedMediaType", status["reason"]?.GetValue<string>());
        Assert.Contains("accepts application/json and application/yaml only", status["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(stored.Items);
    }
}
