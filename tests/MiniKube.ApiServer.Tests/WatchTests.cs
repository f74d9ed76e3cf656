using System.Threading.Channels;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

public sealed class WatchTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private MiniKubeClient Client => fixture.Server.Client;

    [Fact]
    public async Task Watch_from_a_list_version_delivers_every_later_change_in_order()
    {
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "watch-order" } });
        var list = await Client.ListAsync<ConfigMap>("watch-order");
        var written = new List<(string Type, string Version)>();
        for (var i = 0; i < 20; i++)
        {
            var created = await Client.CreateAsync(ConfigMap($"cm-{i}", "watch-order"));
            written.Add(("ADDED", created.Metadata.ResourceVersion!));
        }
        var changed = await Client.UpdateAsync((await Client.GetAsync<ConfigMap>("cm-3", "watch-order")) with { Data = new Dictionary<string, string> { ["key"] = "new" } });
        written.Add(("MODIFIED", changed.Metadata.ResourceVersion!));
        var deleted = await Client.DeleteAsync<ConfigMap>("cm-5", "watch-order");
        written.Add(("DELETED", deleted.Metadata.ResourceVersion!));

        var seen = await Collect<ConfigMap>(Client.WatchAsync<ConfigMap>("watch-order", resourceVersion: list.ResourceVersion, cancellationToken: TimeoutToken()), written.Count);

        Assert.Equal(written, seen.Select(e => (e.Type, e.Object.Metadata.ResourceVersion!)));
        Assert.Equal("cm-5", seen[^1].Object.Metadata.Name);
    }

    [Fact]
    public async Task Watch_without_a_version_starts_with_the_current_state_as_ADDED_then_goes_live()
    {
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "watch-state" } });
        await Client.CreateAsync(ConfigMap("a", "watch-state"));
        await Client.CreateAsync(ConfigMap("b", "watch-state"));
        using var cts = Timeout();
        var events = Channel.CreateUnbounded<WatchEvent<ConfigMap>>();
        var pump = Pump(Client.WatchAsync<ConfigMap>("watch-state", cancellationToken: cts.Token), events.Writer);

        var initial = new[] { await Next(events, cts.Token), await Next(events, cts.Token) };
        await Client.CreateAsync(ConfigMap("c", "watch-state"));
        var live = await Next(events, cts.Token);

        Assert.All(initial, e => Assert.Equal("ADDED", e.Type));
        Assert.Equal(["a", "b"], initial.Select(e => e.Object.Metadata.Name).Order());
        Assert.Equal(("ADDED", "c"), (live.Type, live.Object.Metadata.Name));
        await cts.CancelAsync();
        await pump;
    }

    [Fact]
    public async Task An_object_that_starts_matching_a_selector_arrives_as_ADDED_and_one_that_stops_as_DELETED()
    {
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "watch-transitions" } });
        var list = await Client.ListAsync<Pod>("watch-transitions", fieldSelector: "spec.nodeName=n1");
        using var cts = Timeout();
        var onNode = Channel.CreateUnbounded<WatchEvent<Pod>>();
        var pumpNode = Pump(Client.WatchAsync<Pod>("watch-transitions", fieldSelector: "spec.nodeName=n1", resourceVersion: list.ResourceVersion,
            cancellationToken: cts.Token), onNode.Writer);
        var labelled = Channel.CreateUnbounded<WatchEvent<Pod>>();
        var pumpLabel = Pump(Client.WatchAsync<Pod>("watch-transitions", labelSelector: "track=canary", resourceVersion: list.ResourceVersion,
            cancellationToken: cts.Token), labelled.Writer);

        await Client.CreateAsync(Pod("p", "watch-transitions", Labels(("track", "canary"))));
        await Client.BindAsync("watch-transitions", "p", "n1");
        await Client.PatchAsync<Pod>("p", "watch-transitions", """{"metadata":{"labels":{"track":"stable"}}}""");

        var nodeEvent = await Next(onNode, cts.Token);
        Assert.Equal(("ADDED", "n1"), (nodeEvent.Type, nodeEvent.Object.Spec!.NodeName));
        var nodeEvent2 = await Next(onNode, cts.Token);
        Assert.Equal("MODIFIED", nodeEvent2.Type);

        var labelEvents = new[] { await Next(labelled, cts.Token), await Next(labelled, cts.Token), await Next(labelled, cts.Token) };
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], labelEvents.Select(e => e.Type));
        Assert.Equal("stable", labelEvents[2].Object.Metadata.Labels!["track"]);
        await cts.CancelAsync();
        await Task.WhenAll(pumpNode, pumpLabel);
    }

    [Fact]
    public async Task Many_watchers_each_get_exactly_the_events_their_selectors_match()
    {
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "fanout" } });
        var list = await Client.ListAsync<ConfigMap>("fanout");
        using var cts = Timeout();
        const int watchers = 100;
        var channels = Enumerable.Range(0, watchers).Select(_ => Channel.CreateUnbounded<WatchEvent<ConfigMap>>()).ToArray();
        var pumps = channels.Select((ch, i) => Pump(
            Client.WatchAsync<ConfigMap>("fanout", labelSelector: $"group=g{i % 4}", resourceVersion: list.ResourceVersion, cancellationToken: cts.Token),
            ch.Writer)).ToArray();

        for (var i = 0; i < 8; i++)
        {
            await Client.CreateAsync(ConfigMap($"f{i}", "fanout") with
            {
                Metadata = new ObjectMeta { Name = $"f{i}", Namespace = "fanout", Labels = Labels(("group", $"g{i % 4}")) },
            });
        }

        // A fence per group, written after every f object: a watch delivers in order, so an f event a watcher should not
        // have got would arrive before its group's fence. (Checking for "nothing more" at some moment could not tell.)
        for (var g = 0; g < 4; g++)
        {
            await Client.CreateAsync(ConfigMap($"fence-g{g}", "fanout") with
            {
                Metadata = new ObjectMeta { Name = $"fence-g{g}", Namespace = "fanout", Labels = Labels(("group", $"g{g}")) },
            });
        }

        for (var w = 0; w < watchers; w++)
        {
            var first = await Next(channels[w], cts.Token);
            var second = await Next(channels[w], cts.Token);
            var fence = await Next(channels[w], cts.Token);
            var group = $"g{w % 4}";
            Assert.Equal(group, first.Object.Metadata.Labels!["group"]);
            Assert.Equal(group, second.Object.Metadata.Labels!["group"]);
            Assert.Equal([$"f{w % 4}", $"f{w % 4 + 4}", $"fence-{group}"],
                new[] { first.Object.Metadata.Name!, second.Object.Metadata.Name!, fence.Object.Metadata.Name! });
        }
        await cts.CancelAsync();
        await Task.WhenAll(pumps);
    }

    [Fact]
    public async Task Bookmarks_carry_the_latest_version_when_asked_for()
    {
        await using var server = await TestApiServer.StartAsync(configure: o => o.BookmarkInterval = TimeSpan.FromMilliseconds(200));
        var list = await server.Client.ListAsync<Pod>();
        using var cts = Timeout();
        await foreach (var e in server.Client.WatchAsync<Pod>(resourceVersion: list.ResourceVersion, allowBookmarks: true, cancellationToken: cts.Token))
        {
            Assert.True(e.IsBookmark, $"expected a bookmark, got {e.Type}");
            Assert.True(long.Parse(e.Object.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) >= long.Parse(list.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
            break;
        }
    }

    [Fact]
    public async Task A_version_older_than_the_watch_cache_is_served_from_etcd_and_a_compacted_one_is_Gone()
    {
        // Compaction affects the whole etcd: a private one, and a tiny watch cache so it is outrun quickly.
        await using var etcd = await EtcdServer.StartAsync();
        await using var server = await TestApiServer.StartAsync(etcd.ClientUrl, configure: o => o.WatchCacheCapacity = 100);
        var start = await server.Client.ListAsync<ConfigMap>();
        var writes = Enumerable.Range(0, 150).Select(i => server.Client.CreateAsync(ConfigMap($"old-{i}"))).ToList();
        await Task.WhenAll(writes);

        // 150 events after `start`, the cache keeps 100: the watch must come from etcd and still be complete.
        var replay = await Collect<ConfigMap>(server.Client.WatchAsync<ConfigMap>(resourceVersion: start.ResourceVersion, cancellationToken: TimeoutToken()), 150);
        Assert.Equal(150, replay.Select(e => e.Object.Metadata.Name).Distinct().Count());

        using (var store = new Storage.EtcdObjectStore(new Storage.EtcdStorageOptions { Endpoints = [etcd.ClientUrl] }))
        {
            await store.CompactAsync(await store.GetRevisionAsync());
        }
        var error = await Assert.ThrowsAsync<ApiException>(async () =>
            await Collect<ConfigMap>(server.Client.WatchAsync<ConfigMap>(resourceVersion: start.ResourceVersion, cancellationToken: TimeoutToken()), 1));
        Assert.True(error.IsGone, $"expected Gone, got {error.Reason}: {error.Message}");
        Assert.Equal(410, error.Code);
    }

    private static CancellationTokenSource Timeout() => new(Deadline);

    // The source is left to its timer: it cancels once and is then collected.
    private static CancellationToken TimeoutToken() => new CancellationTokenSource(Deadline).Token;

    private static async Task<List<WatchEvent<T>>> Collect<T>(IAsyncEnumerable<WatchEvent<T>> stream, int count) where T : KubeObject
    {
        var events = new List<WatchEvent<T>>();
        await foreach (var e in stream)
        {
            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }
        Assert.True(events.Count == count, $"the watch ended after {events.Count} of {count} events");
        return events;
    }

    private static async Task Pump<T>(IAsyncEnumerable<WatchEvent<T>> stream, ChannelWriter<WatchEvent<T>> writer) where T : KubeObject
    {
        try
        {
            await foreach (var e in stream)
            {
                await writer.WriteAsync(e);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done with this watch.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private static async Task<WatchEvent<T>> Next<T>(Channel<WatchEvent<T>> channel, CancellationToken ct) where T : KubeObject
    {
        try
        {
            return await channel.Reader.ReadAsync(ct);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no watch event within {Deadline.TotalSeconds}s");
        }
    }
}

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_server_ends_open_watches_instead_of_waiting_for_clients()
    {
        var server = await TestApiServer.StartAsync();
        using var client = server.NewClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = new TaskCompletionSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var unused in client.WatchAsync<Namespace>(cancellationToken: cts.Token))
            {
                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"shutdown took {clock.Elapsed.TotalSeconds:F1}s with a watch open");
        await watch.WaitAsync(TimeSpan.FromSeconds(10)); // the stream ended normally for the client
    }
}
