using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

/// <summary>
/// Many watchers of one namespace on one wire; writes one object at a time and measures, for every watcher, the time from
/// the start of the write to the watcher having the event (decoded). Returns every (watcher, write) latency in ms.
/// </summary>
internal static class WatchFanOut
{
    public enum Wire { Grpc, Rest }

    private const int WatchesPerGrpcClient = 50; // below Kestrel's 100 concurrent HTTP/2 streams per connection

    public static async Task<List<double>> RunAsync(TestApiServer server, int watchers, int writes, Wire wire)
    {
        var ns = $"bench-watch-{wire.ToString().ToLowerInvariant()}";
        var client = server.Client;
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        var version = (await client.ListAsync<ConfigMap>(ns)).ResourceVersion;
        var started = new long[writes];
        var received = new long[watchers, writes];
        var pending = new int[writes];
        var done = Enumerable.Range(0, writes).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        Array.Fill(pending, watchers);
        void Seen(int watcher, string? name)
        {
            if (name is null || !name.StartsWith("w-", StringComparison.Ordinal))
            {
                return;
            }
            var k = int.Parse(name.AsSpan(2), CultureInfo.InvariantCulture);
            received[watcher, k] = Stopwatch.GetTimestamp();
            if (Interlocked.Decrement(ref pending[k]) == 0)
            {
                done[k].TrySetResult();
            }
        }

        using var stop = new CancellationTokenSource();
        var established = new CountdownEvent(watchers);
        var grpcClients = new List<MiniKubeClient>();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(server.HttpAddress),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var loops = new List<Task>();
        for (var w = 0; w < watchers; w++)
        {
            var watcher = w;
            if (wire == Wire.Grpc)
            {
                if (w % WatchesPerGrpcClient == 0)
                {
                    grpcClients.Add(server.NewClient());
                }
                var c = grpcClients[^1];
                loops.Add(Task.Run(async () =>
                {
                    await foreach (var e in c.WatchAsync<ConfigMap>(ns, resourceVersion: version, cancellationToken: stop.Token, onEstablished: () => established.Signal()))
                    {
                        Seen(watcher, e.Object.Metadata.Name);
                    }
                }));
            }
            else
            {
                loops.Add(Task.Run(async () =>
                {
                    using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={version}",
                        HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                    established.Signal(); // the server answers with headers once the watch is registered
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
                    while (await reader.ReadLineAsync(stop.Token) is { } line)
                    {
                        using var doc = JsonDocument.Parse(line);
                        Seen(watcher, doc.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
                    }
                }));
            }
        }
        if (!established.Wait(TimeSpan.FromSeconds(120)))
        {
            throw new TimeoutException($"only {watchers - established.CurrentCount} of {watchers} {wire} watches were established in 120 s");
        }
        for (var k = 0; k < writes; k++)
        {
            started[k] = Stopwatch.GetTimestamp();
            await client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = $"w-{k}", Namespace = ns }, Data = new Dictionary<string, string> { ["k"] = "v" } });
            await done[k].Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        await stop.CancelAsync();
        foreach (var loop in loops)
        {
            try
            {
                await loop;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The watch ended because the benchmark cancelled it (each wire reports that in its own exception type).
            }
        }
        foreach (var c in grpcClients)
        {
            c.Dispose();
        }
        var latencies = new List<double>(watchers * writes);
        for (var w = 0; w < watchers; w++)
        {
            for (var k = 0; k < writes; k++)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started[k], received[w, k]).TotalMilliseconds);
            }
        }
        return latencies;
    }
}
