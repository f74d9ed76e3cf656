using System.Text;
using MiniKube.Storage;
using MiniKube.Testing;

namespace MiniKube.Storage.Tests;

public sealed class EtcdObjectStoreTests : IAsyncLifetime
{
    private EtcdObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        var endpoint = await SharedEtcd.GetEndpointAsync();
        _store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [endpoint], Prefix = SharedEtcd.NewPrefix() });
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Create_twice_is_AlreadyExists_and_keeps_the_first_value()
    {
        var first = await _store.CreateAsync("pods/default/a", Utf8("one"));
        var error = await Assert.ThrowsAsync<StorageException>(() => _store.CreateAsync("pods/default/a", Utf8("two")));

        Assert.Equal(StorageErrorCode.AlreadyExists, error.Code);
        var stored = await _store.GetAsync("pods/default/a");
        Assert.Equal("one", Text(stored!.Value.Value));
        Assert.Equal(first.ModRevision, stored.Value.ModRevision);
    }

    [Fact]
    public async Task Commit_applies_every_operation_or_none_and_names_the_failing_key()
    {
        var held = await _store.CreateAsync("ranges/x/taken", Utf8("someone"));
        var doomed = await _store.CreateAsync("things/doomed", Utf8("d"));

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.CommitAsync(
        [
            StoreOperation.Create("ranges/x/free", Utf8("me")),
            StoreOperation.Create("ranges/x/taken", Utf8("me")),
            StoreOperation.Delete("things/doomed"),
            StoreOperation.Create("things/new", Utf8("n")),
        ]));
        Assert.Equal((StorageErrorCode.AlreadyExists, "ranges/x/taken"), (error.Code, error.Key));
        Assert.Null(await _store.GetAsync("ranges/x/free"));
        Assert.Null(await _store.GetAsync("things/new"));
        Assert.NotNull(await _store.GetAsync("things/doomed"));

        var stale = await Assert.ThrowsAsync<StorageException>(() => _store.CommitAsync(
            [StoreOperation.Create("ranges/x/free", Utf8("me")), StoreOperation.Update("things/doomed", Utf8("d2"), doomed.ModRevision - 1)]));
        Assert.Equal((StorageErrorCode.Conflict, "things/doomed"), (stale.Code, stale.Key));
        var missing = await Assert.ThrowsAsync<StorageException>(() => _store.CommitAsync([StoreOperation.Delete("things/never", expectedRevision: 5)]));
        Assert.Equal(StorageErrorCode.NotFound, missing.Code);

        var revision = await _store.CommitAsync(
        [
            StoreOperation.Create("ranges/x/free", Utf8("me")),
            StoreOperation.Delete("ranges/x/taken", held.ModRevision),
            StoreOperation.Update("things/doomed", Utf8("d2"), doomed.ModRevision),
            StoreOperation.Delete("things/absent-is-fine"),
        ]);
        Assert.Equal(revision, (await _store.GetAsync("ranges/x/free"))!.Value.ModRevision);
        Assert.Equal(revision, (await _store.GetAsync("things/doomed"))!.Value.ModRevision);
        Assert.Null(await _store.GetAsync("ranges/x/taken"));
    }

    [Fact]
    public async Task Update_with_a_stale_revision_is_Conflict_and_writes_nothing()
    {
        var created = await _store.CreateAsync("pods/default/b", Utf8("v1"));
        var updated = await _store.UpdateAsync("pods/default/b", Utf8("v2"), created.ModRevision);
        Assert.True(updated.ModRevision > created.ModRevision);

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.UpdateAsync("pods/default/b", Utf8("v3"), created.ModRevision));

        Assert.Equal(StorageErrorCode.Conflict, error.Code);
        Assert.Equal(updated.ModRevision, error.Current!.Value.ModRevision);
        var stored = await _store.GetAsync("pods/default/b");
        Assert.Equal("v2", Text(stored!.Value.Value));
        Assert.Equal(updated.ModRevision, stored.Value.ModRevision);
    }

    [Fact]
    public async Task Update_and_delete_of_a_missing_key_are_NotFound()
    {
        var update = await Assert.ThrowsAsync<StorageException>(() => _store.UpdateAsync("pods/default/missing", Utf8("x"), 5));
        var delete = await Assert.ThrowsAsync<StorageException>(() => _store.DeleteAsync("pods/default/missing"));

        Assert.Equal(StorageErrorCode.NotFound, update.Code);
        Assert.Equal(StorageErrorCode.NotFound, delete.Code);
    }

    [Fact]
    public async Task Delete_with_a_stale_revision_is_Conflict_then_succeeds_with_the_current_one()
    {
        var created = await _store.CreateAsync("pods/default/c", Utf8("v1"));
        var updated = await _store.UpdateAsync("pods/default/c", Utf8("v2"), created.ModRevision);

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.DeleteAsync("pods/default/c", created.ModRevision));
        Assert.Equal(StorageErrorCode.Conflict, error.Code);
        Assert.NotNull(await _store.GetAsync("pods/default/c"));

        var deleted = await _store.DeleteAsync("pods/default/c", updated.ModRevision);
        Assert.Equal("v2", Text(deleted.Value));
        Assert.Null(await _store.GetAsync("pods/default/c"));
    }

    [Fact]
    public async Task List_returns_items_under_the_prefix_and_the_revision_it_read_at()
    {
        await _store.CreateAsync("pods/ns1/a", Utf8("a"));
        await _store.CreateAsync("pods/ns1/b", Utf8("b"));
        await _store.CreateAsync("pods/ns2/c", Utf8("c"));
        var last = await _store.CreateAsync("services/ns1/s", Utf8("s"));

        var all = await _store.ListAsync("pods/");
        var ns1 = await _store.ListAsync("pods/ns1/");

        Assert.Equal(["pods/ns1/a", "pods/ns1/b", "pods/ns2/c"], all.Items.Select(i => i.Key));
        Assert.Equal(["pods/ns1/a", "pods/ns1/b"], ns1.Items.Select(i => i.Key));
        Assert.True(all.Revision >= last.ModRevision);
    }

    [Fact]
    public async Task Watch_from_a_revision_delivers_every_later_change_in_order_then_live_ones()
    {
        var start = await _store.GetRevisionAsync();
        var written = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            var v = await _store.CreateAsync($"pods/default/w{i:D2}", Utf8($"{i}"));
            written.Add(v.ModRevision);
        }
        var deleted = await _store.DeleteAsync("pods/default/w00");
        written.Add(deleted.ModRevision);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<StorageEvent>();
        await foreach (var e in _store.WatchAsync("pods/", start, cts.Token))
        {
            seen.Add(e);
            if (seen.Count == written.Count)
            {
                // History is complete; now a live change must follow.
                await _store.CreateAsync("pods/default/live", Utf8("live"), cts.Token);
            }
            if (seen.Count == written.Count + 1)
            {
                break;
            }
        }

        Assert.Equal(written, seen.Take(written.Count).Select(e => e.Revision));
        Assert.All(seen.Take(50), e => Assert.True(e.Type == StorageEventType.Put && e.IsCreate));
        var deletion = seen[50];
        Assert.Equal(StorageEventType.Delete, deletion.Type);
        Assert.Equal("0", Text(deletion.PrevValue));
        Assert.Equal("pods/default/live", seen[^1].Key);
    }

    [Fact]
    public async Task Watch_from_a_compacted_revision_is_Gone()
    {
        // Compaction affects the whole etcd, so this test owns a private one.
        await using var etcd = await EtcdServer.StartAsync();
        using var store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [etcd.ClientUrl] });
        var first = await store.CreateAsync("pods/default/a", Utf8("1"));
        var second = await store.UpdateAsync("pods/default/a", Utf8("2"), first.ModRevision);
        await store.UpdateAsync("pods/default/a", Utf8("3"), second.ModRevision);
        var current = await store.GetRevisionAsync();
        await store.CompactAsync(current);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            await foreach (var unused in store.WatchAsync("pods/", first.ModRevision, cts.Token))
            {
            }
        });

        Assert.Equal(StorageErrorCode.Gone, error.Code);
        Assert.Equal(current, error.CompactRevision);
    }

    [Fact]
    public async Task A_list_at_a_revision_sees_the_data_as_it_was_then_until_that_revision_is_compacted()
    {
        // Compaction affects the whole etcd, so this test owns a private one.
        await using var etcd = await EtcdServer.StartAsync();
        using var store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [etcd.ClientUrl] });
        var first = await store.CreateAsync("pods/default/a", Utf8("1"));
        await store.UpdateAsync("pods/default/a", Utf8("2"), first.ModRevision);
        await store.CreateAsync("pods/default/b", Utf8("b"));
        var current = await store.GetRevisionAsync();

        var then = await store.ListAsync("pods/", first.ModRevision);
        var now = await store.ListAsync("pods/", current);
        var future = await Assert.ThrowsAsync<StorageException>(() => store.ListAsync("pods/", current + 100));
        await store.CompactAsync(current);
        var compacted = await Assert.ThrowsAsync<StorageException>(() => store.ListAsync("pods/", first.ModRevision));

        Assert.Equal(first.ModRevision, then.Revision);
        Assert.Equal(["1"], then.Items.Select(i => Text(i.Value)));
        Assert.Equal(["2", "b"], now.Items.Select(i => Text(i.Value)));
        Assert.Equal(StorageErrorCode.TooLarge, future.Code);
        Assert.Equal(StorageErrorCode.Gone, compacted.Code);
    }

    [Fact]
    public async Task Keys_created_with_a_time_to_live_expire_and_keep_their_lease_across_updates()
    {
        var created = await _store.CreateAsync("events/default/e1", Utf8("1"), TimeSpan.FromSeconds(1));
        await _store.UpdateAsync("events/default/e1", Utf8("2"), created.ModRevision);
        await _store.CreateAsync("events/default/keep", Utf8("k"));

        // etcd expires the key (TTL plus one bucket, here about 2 s); waiting for it is the test.
        await Eventually.WaitAsync(async () => await _store.GetAsync("events/default/e1") is null, TimeSpan.FromSeconds(20), "the event key to expire");
        Assert.NotNull(await _store.GetAsync("events/default/keep"));
    }

    [Fact]
    public async Task An_unreachable_etcd_is_Unavailable_not_a_hang()
    {
        using var store = new EtcdObjectStore(new EtcdStorageOptions
        {
            Endpoints = [$"http://127.0.0.1:{FreePort.Get()}"],
            RequestTimeout = TimeSpan.FromSeconds(2),
        });

        var error = await Assert.ThrowsAsync<StorageException>(() => store.GetAsync("pods/default/x"));

        Assert.Equal(StorageErrorCode.Unavailable, error.Code);
        Assert.Contains("etcd unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_name_what_to_fix()
    {
        Assert.Contains("--etcd-servers", new EtcdStorageOptions { Endpoints = [] }.Validate(), StringComparison.Ordinal);
        Assert.Contains("not-a-url", new EtcdStorageOptions { Endpoints = ["not-a-url"] }.Validate(), StringComparison.Ordinal);
        Assert.Null(new EtcdStorageOptions().Validate());
    }

    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
