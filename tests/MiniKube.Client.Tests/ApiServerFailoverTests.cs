using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Client.Tests;

/// <summary>
/// Two real API server processes on one real etcd; a client given both (<c>--server A,B</c>) while A is killed with
/// SIGKILL in the middle of a stream of writes.
/// </summary>
public sealed class ApiServerFailoverTests
{
    private const int Writes = 80;
    private const int KillAfter = 25;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_killed_api_server_costs_the_client_no_error_and_its_watch_resumes_on_the_other_with_no_event_missed_or_repeated()
    {
        await using var etcd = await EtcdServer.StartAsync();
        var prefix = SharedEtcd.NewPrefix() + "/registry";
        string[] flags = ["--etcd-prefix", prefix];
        var (a, urlA) = await ComponentProcess.StartApiServerAsync(etcd.ClientUrl, extraArgs: flags);
        await using var killed = a;
        var (b, urlB) = await ComponentProcess.StartApiServerAsync(etcd.ClientUrl, extraArgs: flags);
        await using var survivor = b;
        using var client = new MiniKubeClient($"{urlA},{urlB}");
        using var watchClient = new MiniKubeClient($"{urlA},{urlB}");
        using var stop = new CancellationTokenSource(Patience);
        var ns = "failover";
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        var start = (await client.ListAsync<ConfigMap>(ns)).ResourceVersion;

        var watched = new ConcurrentQueue<(string Type, string Name, long Revision)>();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in watchClient.WatchAsync<ConfigMap>(ns, resourceVersion: start, cancellationToken: stop.Token))
            {
                watched.Enqueue((e.Type, e.Object.Metadata.Name!, long.Parse(e.Object.Metadata.ResourceVersion!)));
            }
        });
        await using var informer = new Informer<ConfigMap>(new MiniKubeClient($"{urlA},{urlB}"), new InformerOptions { Namespace = ns });
        var informerAdds = new ConcurrentQueue<string>();
        informer.AddHandler(onAdd: cm => informerAdds.Enqueue(cm.Metadata.Name!));
        informer.Start();
        await informer.WaitForSyncAsync(stop.Token);
        Assert.Equal(urlA, client.CurrentServer);

        // Creates, and every third write also an update of the previous object, so the watch sees ADDED and MODIFIED.
        var errors = new List<string>();
        var ambiguous = 0;
        for (var i = 0; i < Writes; i++)
        {
            if (i == KillAfter)
            {
                await killed.KillAsync();
            }
            try
            {
                await client.CreateAsync(TestObjects.ConfigMap($"cm-{i}", ns));
                if (i % 3 == 2)
                {
                    var previous = await client.GetAsync<ConfigMap>($"cm-{i - 1}", ns);
                    await client.UpdateAsync(previous with { Data = new Dictionary<string, string> { ["k"] = "updated" } });
                }
            }
            catch (ApiException ex) when (RequestOutcome.MayHaveBeenApplied(ex))
            {
                // A write in flight on the killed server: its reply is lost, which no client can hide. At most one.
                ambiguous++;
                await EnsureWrittenAsync(client, ns, i);
            }
            catch (ApiException ex)
            {
                errors.Add($"write {i}: {ex.Message}");
            }
        }
        Assert.Empty(errors);
        Assert.True(ambiguous <= 1, $"{ambiguous} writes lost their reply; only the one in flight when the server died may");
        Assert.Equal(urlB, client.CurrentServer);

        // etcd's own record: every key's create and last modification; with one update at most per object that is all of them.
        var stored = await StoredRevisionsAsync(etcd, prefix + "/configmaps/" + ns + "/");
        Assert.Equal(Writes, stored.Count(s => s.Type == WatchEventTypes.Added));
        var expected = stored.OrderBy(s => s.Revision).ToList();
        await Eventually.WaitAsync(() => Task.FromResult(watched.Count >= expected.Count), Patience,
            $"the watch to deliver {expected.Count} events (has {watched.Count})");
        await Eventually.WaitAsync(() => Task.FromResult(informer.Cache.Count == Writes), Patience, "the informer to hold every object");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

        var seen = watched.ToList();
        Assert.Equal(expected.Select(e => $"{e.Type} {e.Name} {e.Revision}"), seen.Select(e => $"{e.Type} {e.Name} {e.Revision}"));
        Assert.Equal(urlB, watchClient.CurrentServer);
        // The informer resumed from its last version instead of listing again, and saw each object added once.
        Assert.Equal(1, informer.ListCount);
        Assert.Equal(Writes, informerAdds.Count);
        Assert.Equal(Writes, informerAdds.Distinct().Count());
    }

    [Fact]
    public async Task A_stopping_api_server_ends_its_watches_and_a_label_selector_watch_resumes_on_the_other_with_every_event()
    {
        await using var etcd = await EtcdServer.StartAsync();
        string[] flags = ["--etcd-prefix", SharedEtcd.NewPrefix() + "/registry"];
        var (a, urlA) = await ComponentProcess.StartApiServerAsync(etcd.ClientUrl, extraArgs: flags);
        await using var stopped = a;
        var (b, urlB) = await ComponentProcess.StartApiServerAsync(etcd.ClientUrl, extraArgs: flags);
        await using var survivor = b;
        using var client = new MiniKubeClient($"{urlB},{urlA}");
        using var watchClient = new MiniKubeClient($"{urlA},{urlB}");
        using var stop = new CancellationTokenSource(Patience);
        const string ns = "graceful";
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        var start = (await client.ListAsync<ConfigMap>(ns)).ResourceVersion;
        var watched = new ConcurrentQueue<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in watchClient.WatchAsync<ConfigMap>(ns, labelSelector: "app=web", resourceVersion: start, cancellationToken: stop.Token))
            {
                watched.Enqueue($"{e.Type} {e.Object.Metadata.Name}");
            }
        });
        async Task WriteAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                foreach (var app in new[] { "web", "db" })
                {
                    var cm = TestObjects.ConfigMap($"{app}-{i}", ns);
                    await client.CreateAsync(cm with { Metadata = cm.Metadata with { Labels = new Dictionary<string, string> { ["app"] = app } } });
                }
            }
        }

        await WriteAsync(0, 10);
        await Eventually.WaitAsync(() => Task.FromResult(watched.Count == 10), Patience, $"10 events before the stop (has {watched.Count})");
        stopped.Terminate();
        Assert.Equal(0, await stopped.WaitForExitAsync(Patience));
        await WriteAsync(10, 20);

        // Before, the client's watch ended with the server's normal end of the stream, and events 10–19 never came.
        await Eventually.WaitAsync(() => Task.FromResult(watched.Count >= 20 || watch.IsCompleted), Patience,
            $"20 events across the stop (has {watched.Count}: {string.Join(", ", watched)})");
        Assert.False(watch.IsCompleted, $"the watch ended when its server stopped ({watch.Status}, {watch.Exception?.InnerException?.Message})");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"ADDED web-{i}"), watched);
        Assert.Equal(urlB, watchClient.CurrentServer);
    }

    private static async Task EnsureWrittenAsync(MiniKubeClient client, string ns, int i)
    {
        try
        {
            await client.CreateAsync(TestObjects.ConfigMap($"cm-{i}", ns));
        }
        catch (ApiException ex) when (ex.Reason == StatusReasons.AlreadyExists)
        {
            // The lost create had been applied.
        }
        if (i % 3 == 2)
        {
            var previous = await client.GetAsync<ConfigMap>($"cm-{i - 1}", ns);
            if (previous.Data?.GetValueOrDefault("k") != "updated")
            {
                await client.UpdateAsync(previous with { Data = new Dictionary<string, string> { ["k"] = "updated" } });
            }
        }
    }

    /// <summary>Each stored key's create revision (ADDED) and, when later, its last modification (MODIFIED), read with etcdctl.</summary>
    private static async Task<List<(string Type, string Name, long Revision)>> StoredRevisionsAsync(EtcdServer etcd, string keyPrefix)
    {
        var json = await etcd.EtcdctlAsync("get", "--prefix", keyPrefix, "-w", "json");
        using var document = JsonDocument.Parse(json);
        var result = new List<(string, string, long)>();
        if (!document.RootElement.TryGetProperty("kvs", out var kvs))
        {
            return result;
        }
        foreach (var kv in kvs.EnumerateArray())
        {
            var name = Encoding.UTF8.GetString(Convert.FromBase64String(kv.GetProperty("key").GetString()!))[keyPrefix.Length..];
            var created = kv.GetProperty("create_revision").GetInt64();
            var modified = kv.GetProperty("mod_revision").GetInt64();
            result.Add((WatchEventTypes.Added, name, created));
            if (modified != created)
            {
                result.Add((WatchEventTypes.Modified, name, modified));
            }
        }
        return result;
    }
}
