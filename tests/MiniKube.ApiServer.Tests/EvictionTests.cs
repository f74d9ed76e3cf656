using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>The pods/eviction subresource over REST (policy/v1 Eviction): a graceful delete with the Eviction's deleteOptions.</summary>
public sealed class EvictionTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task An_eviction_deletes_the_pod_gracefully_with_its_delete_options()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreatePodAsync(ns, "bound", node: "node-a");
        await CreatePodAsync(ns, "loose", node: null);

        var (code, body) = await EvictAsync(ns, "bound", """{"gracePeriodSeconds":7}""");
        var marked = await fixture.Client.GetAsync<Pod>("bound", ns);
        var (looseCode, _) = await EvictAsync(ns, "loose", null);
        var gone = await Assert.ThrowsAsync<ApiException>(() => fixture.Client.GetAsync<Pod>("loose", ns));

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("Success", body["status"]?.GetValue<string>());
        Assert.Equal("Status", body["kind"]?.GetValue<string>());
        // A pod on a node is marked for its kubelet to stop, with the grace period the eviction asked for.
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(7, marked.Metadata.DeletionGracePeriodSeconds);
        // One that never reached a node goes at once, as with a delete.
        Assert.Equal(HttpStatusCode.Created, looseCode);
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task Evictions_are_refused_for_a_missing_pod_a_wrong_name_and_a_failed_precondition()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = await CreatePodAsync(ns, "kept", node: "node-a");

        var (missing, missingBody) = await EvictAsync(ns, "nope", null);
        var (mismatch, mismatchBody) = await PostAsync(ns, "kept", """{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}""");
        var (precondition, preconditionBody) = await EvictAsync(ns, "kept", """{"preconditions":{"uid":"not-the-uid"}}""");
        var (dryRun, _) = await EvictAsync(ns, "kept", """{"dryRun":["All"]}""");
        var (notJson, _) = await PostAsync(ns, "kept", "{");
        var after = await fixture.Client.GetAsync<Pod>("kept", ns);

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("NotFound", missingBody["reason"]?.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch);
        Assert.Contains("name in URL does not match name in Eviction object", mismatchBody["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, precondition);
        Assert.Contains("Precondition failed", preconditionBody["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, dryRun);
        Assert.Equal(HttpStatusCode.BadRequest, notJson);
        // None of these touched the pod.
        Assert.Null(after.Metadata.DeletionTimestamp);
        Assert.Equal(pod.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Discovery_lists_the_eviction_subresource_as_policy_v1_Eviction()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };

        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1"))!;

        var eviction = list["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "pods/eviction")!;
        Assert.Equal("policy", eviction["group"]?.GetValue<string>());
        Assert.Equal("v1", eviction["version"]?.GetValue<string>());
        Assert.Equal("Eviction", eviction["kind"]?.GetValue<string>());
        Assert.Equal(["create"], eviction["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    private async Task<Pod> CreatePodAsync(string ns, string name, string? node)
    {
        var pod = TestObjects.Pod(name, ns);
        return await fixture.Client.CreateAsync(pod with { Spec = pod.Spec! with { NodeName = node, TerminationGracePeriodSeconds = 30 } });
    }

    private Task<(HttpStatusCode, JsonNode)> EvictAsync(string ns, string name, string? deleteOptions) =>
        PostAsync(ns, name, $$"""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"{{name}}","namespace":"{{ns}}"}{{(deleteOptions is null ? "" : ",\"deleteOptions\":" + deleteOptions)}}}""");

    private async Task<(HttpStatusCode, JsonNode)> PostAsync(string ns, string name, string body)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/pods/{name}/eviction", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
