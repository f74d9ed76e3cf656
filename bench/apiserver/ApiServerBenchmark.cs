using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Storage;
using MiniKube.Testing;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.ApiServer;

internal sealed record BenchSettings(int Clients, int Pods, int Watchers, int WatchEvents, string? Etcd);

/// <summary>
/// Measures, in one run: raw etcd conditional creates (the floor), pod creates through the API server with the same
/// concurrency, and the delay from a write to its delivery at many watchers.
/// </summary>
internal static class ApiServerBenchmark
{
    public static async Task RunAsync(BenchSettings settings, TextWriter output, CancellationToken ct)
    {
        EtcdServer? ownEtcd = null;
        var endpoint = settings.Etcd;
        if (endpoint is null)
        {
            ownEtcd = await EtcdServer.StartAsync(ct);
            endpoint = ownEtcd.ClientUrl;
        }
        try
        {
            var (server, address) = await ComponentProcess.StartApiServerAsync(endpoint, ct);
            await using var serverProcess = server;
            output.WriteLine($"etcd {endpoint}, minikube-apiserver pid {server.ProcessId} at {address}, {Environment.ProcessorCount} cores");

            var clients = Enumerable.Range(0, settings.Clients).Select(_ => new MiniKubeClient(address)).ToArray();
            try
            {
                var samplePod = PodFor(0, "bench-warmup");
                var podBytes = KubeSerializer.ToJsonBytes(samplePod);
                await clients[0].CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "bench-warmup" } }, cancellationToken: ct);
                await clients[0].CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "bench" } }, cancellationToken: ct);

                // Warm-up: JIT, connections, etcd's first compactions of memory.
                await CreatePodsAsync(clients, "bench-warmup", Math.Min(2_000, settings.Pods), ct);

                using var store = new EtcdObjectStore(new EtcdStorageOptions { Endpoints = [endpoint], Prefix = "/bench-raw" });
                var cpu = new CpuMeter(server.ProcessId, ownEtcd?.ProcessId);
                // Tiered compilation keeps re-compiling hot methods for a few seconds after the warm-up; measure the steady state.
                var settled = await cpu.WaitForServerIdleAsync(TimeSpan.FromSeconds(20), ct);
                output.WriteLine(settled is { } waited
                    ? $"API server idle {waited.TotalSeconds:F1} s after the warm-up"
                    : "warning: the API server was still busy 20 s after the warm-up; measuring anyway");
                var raw = await cpu.MeasureAsync(() => RawCreatesAsync(store, settings.Clients, settings.Pods, podBytes, ct), settings.Pods);
                var api = await cpu.MeasureAsync(() => CreatePodsAsync(clients, "bench", settings.Pods, ct), settings.Pods);
                var fanout = await FanOutAsync(address, settings.Watchers, settings.WatchEvents, ct);

                output.WriteLine();
                output.WriteLine($"| measurement ({settings.Clients} clients, {settings.Pods} objects) | ops/s | p50 ms | p99 ms | vs. baseline | CPU µs/op: API server · etcd · bench client |");
                output.WriteLine("|---|---:|---:|---:|---:|---:|");
                output.WriteLine(Row("etcd conditional put, same payload (baseline)", raw.Result, raw.Result, raw.Cpu));
                output.WriteLine(Row("API server pod create over gRPC", api.Result, raw.Result, api.Cpu));
                output.WriteLine();
                output.WriteLine($"| watch fan-out ({settings.Watchers} watchers × {settings.WatchEvents} writes) | deliveries | p50 ms | p99 ms | max ms |");
                output.WriteLine("|---|---:|---:|---:|---:|");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| write → delivery at every watcher | {fanout.Count} | {fanout.Median:F1} | {fanout.P99:F1} | {fanout.Percentile(1):F1} |"));
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        finally
        {
            if (ownEtcd is not null)
            {
                await ownEtcd.DisposeAsync();
            }
        }
    }

    private static string Row(string name, RunResult run, RunResult baseline, CpuPerOp cpu) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {run.PerSecond:F0} | {run.Latency.Median:F2} | {run.Latency.P99:F2} | {run.PerSecond / baseline.PerSecond:F2}× | {cpu} |");

    private sealed record RunResult(double PerSecond, Stats Latency);

    private static Pod PodFor(int i, string ns) => new()
    {
        Metadata = new ObjectMeta { Name = $"pod-{i:D6}", Namespace = ns, Labels = new Dictionary<string, string> { ["app"] = "bench", ["shard"] = (i % 16).ToString(CultureInfo.InvariantCulture) } },
        Spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "app",
                    Image = "minikube/busybox:1.0",
                    Command = ["sleep", "3600"],
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("64Mi") } },
                },
            ],
        },
    };

    private static async Task<RunResult> CreatePodsAsync(MiniKubeClient[] clients, string ns, int count, CancellationToken ct)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var pod = PodFor(i, ns);
                var started = Stopwatch.GetTimestamp();
                await client.CreateAsync(pod, ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, ct)));
        return new RunResult(count / clock.Elapsed.TotalSeconds, new Stats(latencies));
    }

    private static async Task<RunResult> RawCreatesAsync(EtcdObjectStore store, int concurrency, int count, byte[] payload, CancellationToken ct)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await store.CreateAsync($"pods/bench/pod-{i:D6}", payload, ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, ct)));
        return new RunResult(count / clock.Elapsed.TotalSeconds, new Stats(latencies));
    }

    /// <summary>Opens the watchers, then writes one object at a time and times each delivery from just before the write.</summary>
    private static async Task<Stats> FanOutAsync(string address, int watcherCount, int writes, CancellationToken ct)
    {
        const string ns = "fanout";
        var connections = Enumerable.Range(0, Math.Max(1, watcherCount / 100)).Select(_ => new MiniKubeClient(address)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await connections[0].CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } }, cancellationToken: ct);
            var list = await connections[0].ListAsync<ConfigMap>(ns, cancellationToken: ct);
            var sentAt = new long[writes + 1];
            var samples = new List<double>[watcherCount];
            var sentinelSeen = new CountdownEvent(watcherCount);
            var done = new CountdownEvent(watcherCount);
            var tasks = new Task[watcherCount];
            for (var w = 0; w < watcherCount; w++)
            {
                var mine = samples[w] = new List<double>(writes);
                var client = connections[w % connections.Length];
                tasks[w] = Task.Run(async () =>
                {
                    await foreach (var e in client.WatchAsync<ConfigMap>(ns, resourceVersion: list.ResourceVersion, cancellationToken: stop.Token))
                    {
                        var received = Stopwatch.GetTimestamp();
                        var seq = int.Parse(e.Object.Data!["seq"], CultureInfo.InvariantCulture);
                        if (seq == 0)
                        {
                            sentinelSeen.Signal();
                            continue;
                        }
                        mine.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[seq]), received).TotalMilliseconds);
                        if (seq == writes)
                        {
                            done.Signal();
                            return;
                        }
                    }
                }, stop.Token);
            }

            // The sentinel proves every watcher is registered before anything is timed.
            var writer = connections[0];
            var obj = await writer.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "tick", Namespace = ns }, Data = new Dictionary<string, string> { ["seq"] = "0" } }, ct);
            if (!sentinelSeen.Wait(TimeSpan.FromSeconds(60), ct))
            {
                throw new TimeoutException($"only {watcherCount - sentinelSeen.CurrentCount} of {watcherCount} watchers saw the sentinel");
            }
            for (var seq = 1; seq <= writes; seq++)
            {
                Volatile.Write(ref sentAt[seq], Stopwatch.GetTimestamp());
                obj = await writer.UpdateAsync(obj with { Data = new Dictionary<string, string> { ["seq"] = seq.ToString(CultureInfo.InvariantCulture) } }, ct);
                await Task.Delay(20, ct);
            }
            if (!done.Wait(TimeSpan.FromSeconds(60), ct))
            {
                throw new TimeoutException($"{done.CurrentCount} watchers did not see every write");
            }
            await stop.CancelAsync();
            await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            return new Stats(samples.SelectMany(s => s).ToList());
        }
        finally
        {
            foreach (var c in connections)
            {
                c.Dispose();
            }
        }
    }
}
