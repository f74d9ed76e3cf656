using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// The watch cache builds an entry for a write this server made from the object it wrote, not by decoding the stored
/// bytes again: the entry must be the one decoding would have made, and an offer that does not match the event is unused.
/// A unit test of <see cref="WatchCache"/> over a store whose watch the test feeds.
/// </summary>
public sealed class WatchCacheWrittenObjectTests
{
    private static readonly ResourceInfo Pods = ResourceRegistry.For<Pod>();
    private readonly ObjectCodec _codec = new();

    [Fact]
    public async Task An_offered_write_gives_the_entry_decoding_would_give()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        var pod = Pod("a", "node-1", "web");
        var bytes = _codec.EncodeForStorage(pod);

        Offer(cache, "pods/default/a", pod, bytes, 2);
        await store.PutAsync("pods/default/a", bytes, 2);
        await WaitForRevisionAsync(cache, 2);

        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", bytes, 2), cache.TryGet("pods/default/a"));
    }

    [Fact]
    public async Task An_offer_whose_bytes_or_revision_differ_from_the_event_is_not_used()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        var offered = Pod("a", "node-1", "web");
        var stored = Pod("a", "node-2", "db");
        var storedBytes = _codec.EncodeForStorage(stored);

        // Bytes that are not what the event carries: the event is decoded.
        Offer(cache, "pods/default/a", offered, _codec.EncodeForStorage(offered), 2);
        await store.PutAsync("pods/default/a", storedBytes, 2);
        await WaitForRevisionAsync(cache, 2);
        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", storedBytes, 2), cache.TryGet("pods/default/a"));
        Assert.Equal("node-2", cache.TryGet("pods/default/a")!.Fields["spec.nodeName"]);

        // The same bytes at another revision: not this write either.
        Offer(cache, "pods/default/a", offered, storedBytes, 4);
        await store.PutAsync("pods/default/a", storedBytes, 3);
        await WaitForRevisionAsync(cache, 3);
        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", storedBytes, 3), cache.TryGet("pods/default/a"));
        Assert.Equal("node-2", cache.TryGet("pods/default/a")!.Fields["spec.nodeName"]);
    }

    [Fact]
    public async Task A_put_with_no_offer_is_decoded()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        var bytes = _codec.EncodeForStorage(Pod("a", "node-1", "web"));

        await store.PutAsync("pods/default/a", bytes, 2);
        await WaitForRevisionAsync(cache, 2);

        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", bytes, 2), cache.TryGet("pods/default/a"));
        Assert.Equal(0, cache.PendingWrittenCount);
    }

    [Fact]
    public async Task A_write_announced_before_it_goes_to_etcd_is_used_when_its_event_comes_first()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        var pod = Pod("a", "node-1", "web");
        var bytes = _codec.EncodeForStorage(pod);

        // The event arrives before the writer has its reply: the announced object is stamped with the event's revision.
        var pending = cache.ExpectWrite("pods/default/a", pod, bytes);
        await store.PutAsync("pods/default/a", bytes, 2);
        await WaitForRevisionAsync(cache, 2);
        cache.CompleteWrite(pending, _codec.Stamp(Pods, "pods/default/a", pod, 2, bytes));

        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", bytes, 2), cache.TryGet("pods/default/a"));
        Assert.Equal(0, cache.PendingWrittenCount);
    }

    [Fact]
    public async Task Announced_writes_stay_bounded_by_the_writes_in_flight()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        var pod = Pod("a", "node-1", "web");
        var bytes = _codec.EncodeForStorage(pod);
        await store.PutAsync("pods/default/a", bytes, 5);
        await WaitForRevisionAsync(cache, 5);

        // A failed write is withdrawn.
        var failed = cache.ExpectWrite("pods/default/b", pod with { Metadata = pod.Metadata with { Name = "b" } }, bytes);
        Assert.Equal(1, cache.PendingWrittenCount);
        cache.AbandonWrite(failed);
        Assert.Equal(0, cache.PendingWrittenCount);

        // A write completed at a revision the cache has passed (its event came first and was superseded) is not kept.
        var late = cache.ExpectWrite("pods/default/c", pod, bytes);
        await store.PutAsync("pods/default/x", bytes, 6);
        await WaitForRevisionAsync(cache, 6);
        cache.CompleteWrite(late, _codec.Stamp(Pods, "pods/default/c", pod, 4, bytes));
        Assert.Equal(0, cache.PendingWrittenCount);

        // Another write to the same key replaces the announcement (one per key at most); an earlier event at the key with
        // other bytes leaves the write in flight waiting, and its own event takes it.
        cache.ExpectWrite("pods/default/a", pod, bytes);
        var moved = Pod("a", "node-9", "db");
        var movedBytes = _codec.EncodeForStorage(moved);
        var second = cache.ExpectWrite("pods/default/a", moved, movedBytes);
        Assert.Equal(1, cache.PendingWrittenCount);
        await store.PutAsync("pods/default/a", _codec.EncodeForStorage(Pod("a", "node-3", "other")), 7);
        await WaitForRevisionAsync(cache, 7);
        Assert.Equal(1, cache.PendingWrittenCount);
        await store.PutAsync("pods/default/a", movedBytes, 8);
        await WaitForRevisionAsync(cache, 8);
        cache.CompleteWrite(second, _codec.Stamp(Pods, "pods/default/a", moved, 8, movedBytes));
        Assert.Equal(0, cache.PendingWrittenCount);
        AssertSameEntry(_codec.FromStorage(Pods, "pods/default/a", movedBytes, 8), cache.TryGet("pods/default/a"));
    }

    [Fact]
    public async Task Concurrent_writes_announced_and_completed_around_their_events_give_the_decoded_entries()
    {
        var store = new FedStore();
        await using var run = Start(store, out var cache);
        const int writes = 400;
        var expected = new (string Key, byte[] Bytes, long Revision)[writes];
        var pods = new Pod[writes];
        var pending = new WatchCache.PendingWrite[writes];
        for (var i = 0; i < writes; i++)
        {
            pods[i] = Pod($"p{i}", $"node-{i % 7}", $"app-{i % 3}");
            expected[i] = ($"pods/default/p{i}", _codec.EncodeForStorage(pods[i]), i + 2);
        }
        // As a writer does: announce, then (etcd) the event, while the writers complete from many threads, some before
        // their event is applied and some after it.
        for (var i = 0; i < writes; i++)
        {
            pending[i] = cache.ExpectWrite(expected[i].Key, pods[i], expected[i].Bytes);
        }
        var events = Task.Run(async () =>
        {
            foreach (var (key, bytes, revision) in expected)
            {
                await store.PutAsync(key, bytes, revision);
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, writes), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            cache.CompleteWrite(pending[i], _codec.Stamp(Pods, expected[i].Key, pods[i], expected[i].Revision, expected[i].Bytes));
            return ValueTask.CompletedTask;
        });
        await events;
        await WaitForRevisionAsync(cache, writes + 1);

        foreach (var (key, bytes, revision) in expected)
        {
            AssertSameEntry(_codec.FromStorage(Pods, key, bytes, revision), cache.TryGet(key));
        }
        Assert.Equal(0, cache.PendingWrittenCount);
    }

    private void Offer(WatchCache cache, string key, Pod pod, byte[] stored, long revision) =>
        cache.OfferWritten(_codec.Stamp(Pods, key, pod, revision, stored), stored);

    private static void AssertSameEntry(CachedObject expected, CachedObject? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Revision, actual.Revision);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected.Json), System.Text.Encoding.UTF8.GetString(actual.Json));
        Assert.Equal(expected.Fields.OrderBy(f => f.Key), actual.Fields.OrderBy(f => f.Key));
        Assert.Equal(expected.Namespace, actual.Namespace);
        Assert.Equal(expected.Labels?.OrderBy(l => l.Key), actual.Labels?.OrderBy(l => l.Key));
    }

    private static Pod Pod(string name, string node, string app) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Uid = "uid-" + name, Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new PodSpec { NodeName = node, Containers = [new Container { Name = "c", Image = "busybox" }] },
        Status = new PodStatus { Phase = PodPhase.Running },
    };

    private Running Start(FedStore store, out WatchCache cache)
    {
        var options = new ApiServerOptions();
        cache = new WatchCache(Pods, store, _codec, options, NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var task = cache.RunAsync(stop.Token);
        return new Running(stop, task, store);
    }

    private static async Task WaitForRevisionAsync(WatchCache cache, long revision)
    {
        Assert.True(await cache.WaitForRevisionAsync(revision, TimeSpan.FromSeconds(30), CancellationToken.None),
            $"the watch cache did not reach revision {revision} (at {cache.Revision})");
    }

    private sealed class Running(CancellationTokenSource stop, Task run, FedStore store) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            store.Complete();
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        }
    }

    /// <summary>Lists nothing at revision 1 and watches what the test puts; nothing else is expected of it.</summary>
    private sealed class FedStore : IObjectStore
    {
        private readonly Channel<StorageEvent> _events = Channel.CreateUnbounded<StorageEvent>();

        public async Task PutAsync(string key, byte[] value, long revision) =>
            await _events.Writer.WriteAsync(new StorageEvent(StorageEventType.Put, key, value, default, revision, IsCreate: false));

        public void Complete() => _events.Writer.TryComplete();

        public Task<StoredList> ListAsync(string keyPrefix, CancellationToken cancellationToken = default) =>
            Task.FromResult(new StoredList([], 1));

        public Task<StoredList> ListAsync(string keyPrefix, long revision, CancellationToken cancellationToken = default) =>
            Task.FromResult(new StoredList([], revision));

        public IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, CancellationToken cancellationToken = default) =>
            WatchAsync(keyPrefix, afterRevision, false, cancellationToken);

        public async IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, bool progressNotify,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
            // The test is over: wait to be stopped rather than let the cache re-watch in a loop.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StoredValue> PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StoredValue?> GetAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StoredValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StoredValue> DeleteAsync(string key, long? expectedRevision = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<long> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
