using System.Net;
using System.Text;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>Request bodies over 3 MiB are refused on both wires with Kubernetes' 413, and nothing is stored.</summary>
public sealed class RequestLimitTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string TooLargeMessage = "Request entity too large: limit is 3145728";

    private MiniKubeClient Client => fixture.Server.Client;

    [Fact]
    public async Task A_grpc_create_over_3_MiB_is_413_and_stores_nothing()
    {
        var ns = await fixture.NewNamespaceAsync();

        var ex = await Assert.ThrowsAsync<ApiException>(() => Client.CreateAsync(ConfigMap("huge", ns, new string('x', 4 * 1024 * 1024))));

        Assert.Equal(413, ex.Status.Code);
        Assert.Equal(StatusReasons.RequestEntityTooLarge, ex.Status.Reason);
        var missing = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<ConfigMap>("huge", ns));
        Assert.True(missing.IsNotFound);
    }

    [Fact]
    public async Task A_rest_create_over_3_MiB_is_413_with_kubernetes_message_and_stores_nothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        var body = KubeSerializer.ToJson(ConfigMap("huge", ns, new string('x', 4 * 1024 * 1024)));

        // With Expect: 100-continue the client waits for the server's verdict before sending the body; without it a
        // client may still be writing when the server has answered 413 and closed the connection (a broken pipe).
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var status = KubeSerializer.FromJson<Status>(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((413, StatusReasons.RequestEntityTooLarge, TooLargeMessage), (status.Code, status.Reason, status.Message));
        var missing = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<ConfigMap>("huge", ns));
        Assert.True(missing.IsNotFound);
    }

    [Fact]
    public async Task A_900_KiB_object_is_still_accepted_on_both_wires()
    {
        var ns = await fixture.NewNamespaceAsync();
        var value = new string('y', 900 * 1024);
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };

        await Client.CreateAsync(ConfigMap("big-grpc", ns, value));
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            new StringContent(KubeSerializer.ToJson(ConfigMap("big-rest", ns, value)), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(value, (await Client.GetAsync<ConfigMap>("big-grpc", ns)).Data!["key"]);
        Assert.Equal(value, (await Client.GetAsync<ConfigMap>("big-rest", ns)).Data!["key"]);
    }
}
