using System.Net.Http.Headers;
using System.Text;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>managedFields through the write paths of a real API server: REST writes record their manager, gRPC writes keep them.</summary>
public sealed class ManagedFieldsWriteTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static StringContent Body(string json, string type)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    [Fact]
    public async Task A_rest_create_is_an_Update_of_its_manager_and_a_grpc_update_without_managedFields_keeps_them()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var created = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps?fieldManager=creator",
            Body("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""", "application/json"));
        Assert.Equal(201, (int)created.StatusCode);
        using var patched = await http.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/c",
            Body("""{"data":{"b":"2"}}""", "application/merge-patch+json"));
        Assert.Equal(200, (int)patched.StatusCode);

        var before = await fixture.Client.GetAsync<ConfigMap>("c", ns);
        await fixture.Client.UpdateAsync(before with
        {
            Metadata = before.Metadata with { ManagedFields = null },
            Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" },
        });
        var after = await fixture.Client.GetAsync<ConfigMap>("c", ns);

        var creator = Assert.Single(before.Metadata.ManagedFields!, e => e.Manager == "creator");
        Assert.Equal(("Update", "v1"), (creator.Operation, creator.ApiVersion));
        Assert.Equal("""{"f:data":{".":{},"f:a":{}}}""", creator.FieldsV1!.Json);
        // A patch without fieldManager is recorded under the User-Agent's product; HttpClient sends none, so it is not recorded.
        Assert.Single(before.Metadata.ManagedFields!);
        Assert.Equal(before.Metadata.ManagedFields, after.Metadata.ManagedFields);
        Assert.Equal("3", after.Data!["c"]);
    }

    [Fact]
    public async Task A_put_that_empties_managedFields_clears_them()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var applied = await http.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/c?fieldManager=applier",
            Body("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""", "application/apply-patch+yaml"));
        Assert.Equal(200, (int)applied.StatusCode);
        var current = await fixture.Client.GetAsync<ConfigMap>("c", ns);

        await fixture.Client.UpdateAsync(current with { Metadata = current.Metadata with { ManagedFields = [] } });

        Assert.Equal("applier", Assert.Single(current.Metadata.ManagedFields!).Manager);
        Assert.Null((await fixture.Client.GetAsync<ConfigMap>("c", ns)).Metadata.ManagedFields);
    }
}
