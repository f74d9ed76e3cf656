using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// kill -9 of the one etcd under a running API server, in the middle of a stream of writes, then the same etcd again:
/// the API server recovers on its own, nothing that was acknowledged is lost, and an informer ends with exactly what is stored.
/// </summary>
public sealed class EtcdKillTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Acknowledged_writes_survive_a_kill_9_of_etcd_and_the_api_server_and_its_watches_recover()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var api = await TestApiServer.StartAsync(etcd.ClientUrl);
        using var client = api.NewClient();
        await using var informer = new Informer<ConfigMap>(client, new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(50) });
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Wait);

        // Four writers create objects one after another; each remembers what the server acknowledged. A write that fails
        // (etcd is down) is retried until it is acknowledged; AlreadyExists means an earlier attempt did land.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        async Task Writer(int w)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var name = $"w{w}-{i}";
                while (true)
                {
                    try
                    {
                        await client.CreateAsync(ConfigMap(name, "default", name));
                        break;
                    }
                    catch (ApiException ex) when (ex.Status.Reason == StatusReasons.AlreadyExists)
                    {
                        break;
                    }
                    catch (ApiException)
                    {
                        Interlocked.Increment(ref failures);
                        await Task.Yield();
                    }
                }
                acknowledged.Add(name);
            }
        }
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => Writer(w))).ToArray();
        await Eventually.WaitAsync(() => Task.FromResult(acknowledged.Count >= 100), Wait, "100 acknowledged creates before the kill");

        await etcd.KillAndRestartAsync();
        var atRestart = acknowledged.Count;
        await Eventually.WaitAsync(() => Task.FromResult(acknowledged.Count >= atRestart + 100), Wait, "100 more acknowledged creates after etcd came back");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var stored = (await client.ListAsync<ConfigMap>("default")).Items.Select(c => c.Metadata.Name!).ToHashSet(StringComparer.Ordinal);
        var lost = acknowledged.Where(n => !stored.Contains(n)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged creates are missing after the kill: {string.Join(", ", lost.Take(10))}");
        Assert.Equal(acknowledged.Count, stored.Count);
        foreach (var name in acknowledged.Take(20))
        {
            Assert.Equal(name, (await client.GetAsync<ConfigMap>(name, "default")).Data!["key"]);
        }

        // The informer's watch broke with etcd and resumed: it ends with exactly the stored objects.
        await Eventually.WaitAsync(
            () => Task.FromResult(informer.Cache.List().Select(c => c.Metadata.Name!).ToHashSet(StringComparer.Ordinal).SetEquals(stored)), Wait,
            $"the informer's cache to hold the {stored.Count} stored config maps");
    }
}
