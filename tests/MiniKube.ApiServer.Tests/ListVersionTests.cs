using System.Net;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// resourceVersion and resourceVersionMatch on lists, on both wires: the data as it was at an exact revision (410 once
/// compacted), at least as new as a revision (504 ResourceVersionTooLarge past the store), and Kubernetes' checks of the options.
/// </summary>
public sealed class ListVersionTests
{
    [Fact]
    public async Task An_exact_list_shows_the_data_as_it_was_and_is_Gone_once_compacted()
    {
        // Compaction affects the whole etcd: a private one.
        await using var etcd = await EtcdServer.StartAsync();
        await using var server = await TestApiServer.StartAsync(etcd.ClientUrl);
        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
        var first = await server.Client.CreateAsync(ConfigMap("a", "old"));
        await server.Client.UpdateAsync(first with { Data = new Dictionary<string, string> { ["v"] = "new" } });
        await server.Client.CreateAsync(ConfigMap("b", "b"));
        var rv = first.Metadata.ResourceVersion!;

        var (exactCode, exact) = await GetAsync(http, $"/api/v1/namespaces/default/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact");
        var (latestCode, latest) = await GetAsync(http, $"/api/v1/namespaces/default/configmaps?resourceVersion={rv}&resourceVersionMatch=NotOlderThan");
        var (grpcItems, grpcVersion) = await server.Client.ListAsync(ResourceRegistry.For<ConfigMap>(), "default", null, null, rv, ListVersion.Exact);
        using (var store = new Storage.EtcdObjectStore(new Storage.EtcdStorageOptions { Endpoints = [etcd.ClientUrl] }))
        {
            await store.CompactAsync(await store.GetRevisionAsync());
        }
        var (goneCode, gone) = await GetAsync(http, $"/api/v1/namespaces/default/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact");

        Assert.Equal(HttpStatusCode.OK, exactCode);
        Assert.Equal(rv, exact["metadata"]?["resourceVersion"]?.GetValue<string>());
        Assert.Equal(["a=old"], Items(exact));
        Assert.Equal(HttpStatusCode.OK, latestCode);
        Assert.Equal(["a=new", "b=b"], Items(latest));
        Assert.Equal(rv, grpcVersion);
        Assert.Equal(["a=old"], grpcItems.Cast<ConfigMap>().Select(c => c.Metadata.Name + "=" + c.Data!["v"]));
        Assert.Equal(HttpStatusCode.Gone, goneCode);
        Assert.Equal("Expired", gone["reason"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_list_newer_than_the_store_is_a_timeout_naming_the_cause_and_bad_options_are_invalid()
    {
        await using var server = await TestApiServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
        const string pods = "/api/v1/namespaces/default/pods";

        var (futureCode, future) = await GetAsync(http, pods + "?resourceVersion=999999999&resourceVersionMatch=NotOlderThan");
        var (futureLegacyCode, _) = await GetAsync(http, pods + "?resourceVersion=999999999");
        var (anyCode, _) = await GetAsync(http, pods + "?resourceVersion=0");
        var (noVersionCode, noVersion) = await GetAsync(http, pods + "?resourceVersionMatch=Exact");
        var (exactZeroCode, exactZero) = await GetAsync(http, pods + "?resourceVersion=0&resourceVersionMatch=Exact");
        var (unknownCode, unknown) = await GetAsync(http, pods + "?resourceVersion=1&resourceVersionMatch=Newest");
        var (continueCode, withContinue) = await GetAsync(http, pods + "?resourceVersion=1&resourceVersionMatch=Exact&continue=abc");
        var grpc = await Assert.ThrowsAsync<ApiException>(() =>
            server.Client.ListAsync(ResourceRegistry.For<Pod>(), "default", null, null, null, ListVersion.Exact));

        Assert.Equal(HttpStatusCode.GatewayTimeout, futureCode);
        Assert.StartsWith("Too large resource version: 999999999, current: ", future["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ResourceVersionTooLarge", future["details"]?["causes"]?[0]?["reason"]?.GetValue<string>());
        Assert.Equal(HttpStatusCode.GatewayTimeout, futureLegacyCode);
        Assert.Equal(HttpStatusCode.OK, anyCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noVersionCode);
        Assert.Contains("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
            noVersion["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, exactZeroCode);
        Assert.Contains("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"", exactZero["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownCode);
        Assert.Contains("resourceVersionMatch: Unsupported value: \"Newest\"", unknown["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, continueCode);
        Assert.Contains("resourceVersionMatch is forbidden when continue is provided", withContinue["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(grpc.IsInvalid, grpc.Message);
        Assert.Equal("resourceVersionMatch", grpc.Status.Details?.Causes?[0].Field);
    }

    [Fact]
    public async Task A_watch_list_sends_the_initial_state_then_a_bookmark_marking_its_end_and_without_initial_events_only_changes()
    {
        await using var server = await TestApiServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress), Timeout = TimeSpan.FromSeconds(40) };
        await server.Client.CreateAsync(ConfigMap("before", "1"));
        const string configMaps = "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan";

        await using var list = await WatchLinesAsync(http, configMaps + "&sendInitialEvents=true");
        var initial = await list.NextAsync();
        var end = await list.NextAsync();
        await using var changes = await WatchLinesAsync(http, configMaps + "&sendInitialEvents=false");
        await server.Client.CreateAsync(ConfigMap("after", "2"));
        var live = await list.NextChangeAsync();
        var onlyChange = await changes.NextChangeAsync();
        var (forbiddenCode, forbidden) = await GetAsync(http, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersionMatch=NotOlderThan");
        var (noBookmarksCode, _) = await GetAsync(http, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true");

        Assert.Equal(("ADDED", "before"), (initial["type"]?.GetValue<string>(), initial["object"]?["metadata"]?["name"]?.GetValue<string>()));
        Assert.Equal("BOOKMARK", end["type"]?.GetValue<string>());
        Assert.Equal("true", end["object"]?["metadata"]?["annotations"]?["k8s.io/initial-events-end"]?.GetValue<string>());
        Assert.Equal(("ADDED", "after"), (live["type"]?.GetValue<string>(), live["object"]?["metadata"]?["name"]?.GetValue<string>()));
        Assert.Equal(("ADDED", "after"), (onlyChange["type"]?.GetValue<string>(), onlyChange["object"]?["metadata"]?["name"]?.GetValue<string>()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, forbiddenCode);
        Assert.Contains("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", forbidden["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noBookmarksCode);
    }

    private static async Task<WatchLines> WatchLinesAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            // Only a refused watch has a body that ends.
            Assert.Fail($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return new WatchLines(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>One watch's event lines; each read waits at most 30 s.</summary>
    private sealed class WatchLines(HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
    {
        public async Task<JsonNode> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the watch ended");
            return JsonNode.Parse(line)!;
        }

        /// <summary>The next event that is not a periodic bookmark.</summary>
        public async Task<JsonNode> NextChangeAsync()
        {
            while (true)
            {
                var next = await NextAsync();
                if (next["type"]?.GetValue<string>() != "BOOKMARK")
                {
                    return next;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static ConfigMap ConfigMap(string name, string value) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Data = new Dictionary<string, string> { ["v"] = value },
    };

    private static IEnumerable<string> Items(JsonNode list) =>
        list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>() + "=" + i["data"]!["v"]!.GetValue<string>());

    private static async Task<(HttpStatusCode, JsonNode)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
