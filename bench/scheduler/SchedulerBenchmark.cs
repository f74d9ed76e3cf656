using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.Scheduler;

/// <summary>
/// Per node count, in a fresh etcd + API server: (1) the floor — the bench binds pending pods itself, round-robin, as fast
/// as the API allows; (2) throughput — the same number of pending pods, then minikube-scheduler is started and the time
/// until all are bound is measured; (3) latency — with the scheduler running, pods are created at a steady rate and the
/// time from create to bound (seen by a watch) is recorded.
/// </summary>
internal static class SchedulerBenchmark
{
    private const int Writers = 32;

    /// <param name="binDirectory">Where minikube-apiserver and minikube-scheduler are (e.g. their ReadyToRun publish); null: the build output.</param>
    public static async Task RunAsync(int[] nodeCounts, int pods, int latencyPods, int rate, string? binDirectory, TextWriter output, CancellationToken ct)
    {
        var rows = new List<string>();
        foreach (var nodes in nodeCounts)
        {
            await using var etcd = await EtcdServer.StartAsync(ct);
            var (server, address) = await ComponentProcess.StartApiServerAsync(etcd.ClientUrl, ct, directory: binDirectory);
            await using var serverProcess = server;
            var clients = Enumerable.Range(0, Writers).Select(_ => new MiniKubeClient(address)).ToArray();
            try
            {
                await ParallelAsync(nodes, Writers, (i, w) => clients[w].CreateAsync(Node($"node-{i:D5}"), ct));
                await clients[0].CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "floor" } }, ct);
                await clients[0].CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "bench" } }, ct);

                // (1) The floor: binding without any scheduling work.
                await ParallelAsync(pods, Writers, (i, w) => clients[w].CreateAsync(Pod("floor", i), ct));
                var floorClock = Stopwatch.StartNew();
                var floorCpu = CpuTime(server.ProcessId);
                await ParallelAsync(pods, Writers, (i, w) => clients[w].BindAsync("floor", $"pod-{i:D6}", $"node-{i % nodes:D5}", cancellationToken: ct));
                var floorRate = pods / floorClock.Elapsed.TotalSeconds;
                var floorServerUs = (CpuTime(server.ProcessId) - floorCpu).TotalMicroseconds / pods;

                // (2) Throughput: all pods pending, then the scheduler starts.
                await ParallelAsync(pods, Writers, (i, w) => clients[w].CreateAsync(Pod("bench", i), ct));
                var bound = new BoundCounter(clients[0], "bench");
                // CPU of both processes from the first bind seen to the last: what scheduling costs per pod, on the cores the
                // floor also needs (process start, JIT of the start-up and the initial list excluded, as for the rate).
                var schedulerPid = 0;
                (TimeSpan Scheduler, TimeSpan Server)? atFirst = null;
                bound.OnFirstBound = () => atFirst = (Volatile.Read(ref schedulerPid) is > 0 and var pid ? CpuTime(pid) : TimeSpan.Zero, CpuTime(server.ProcessId));
                await bound.StartAsync(ct);
                var clock = Stopwatch.StartNew();
                await using var scheduler = await ComponentProcess.StartAsync("minikube-scheduler",
                    ["--server", address, "--leader-elect=false"], new Regex("using API server"), TimeSpan.FromSeconds(60), ct, directory: binDirectory);
                Volatile.Write(ref schedulerPid, scheduler.ProcessId);
                await bound.WaitForAsync(pods, TimeSpan.FromMinutes(10), ct);
                var elapsed = clock.Elapsed;
                var schedulerUs = atFirst is { Scheduler: var s0 } && s0 > TimeSpan.Zero ? (CpuTime(scheduler.ProcessId) - s0).TotalMicroseconds / pods : double.NaN;
                var serverUs = atFirst is { Server: var a0 } ? (CpuTime(server.ProcessId) - a0).TotalMicroseconds / pods : double.NaN;
                // From the first bind to the last: excludes process start, JIT and the initial list.
                var schedulingRate = (pods - 1) / Stopwatch.GetElapsedTime(bound.FirstBoundAt, bound.LastBoundAt).TotalSeconds;

                // (3) Latency at a steady rate below capacity.
                var latencies = await LatencyAsync(clients, bound, latencyPods, rate, ct);
                await bound.DisposeAsync();
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {nodes} | {pods} | {floorRate:F0} | {floorServerUs:F0} | {schedulingRate:F0} | {schedulingRate / floorRate:F2}× | {1000.0 / schedulingRate * 1000:F0} | {schedulerUs:F0} | {serverUs:F0} | {Percentile(latencies, 0.5):F1} | {Percentile(latencies, 0.99):F1} |"));
                output.WriteLine($"nodes={nodes}: {pods} pods bound {elapsed.TotalSeconds:F1}s after the scheduler process started");
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        output.WriteLine();
        output.WriteLine($"| nodes | pods | floor: direct binds/s | floor: API server CPU µs/bind | scheduler: pods bound/s | vs. floor | µs per pod | scheduler CPU µs/pod | API server CPU µs/pod | create→bound p50 ms ({latencyPods} pods at {rate}/s) | p99 ms |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            output.WriteLine(row);
        }
    }

    private static async Task<List<double>> LatencyAsync(MiniKubeClient[] clients, BoundCounter bound, int count, int rate, CancellationToken ct)
    {
        var created = new ConcurrentDictionary<string, long>();
        bound.OnBound = (name, at) =>
        {
            if (created.TryGetValue(name, out var start))
            {
                bound.Latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
            }
        };
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var clock = Stopwatch.StartNew();
        var creates = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed, ct);
            }
            var name = $"lat-{i:D6}";
            created[name] = Stopwatch.GetTimestamp();
            creates.Add(clients[i % clients.Length].CreateAsync(Pod("bench", i, name), ct));
        }
        await Task.WhenAll(creates);
        await Eventually.WaitAsync(() => Task.FromResult(bound.Latencies.Count >= count), TimeSpan.FromMinutes(2), "latency pods to be bound", ct);
        return [.. bound.Latencies];
    }

    private static double Percentile(List<double> values, double p) => new Stats(values).Percentile(p);

    private static TimeSpan CpuTime(int pid)
    {
        using var process = Process.GetProcessById(pid);
        return process.TotalProcessorTime;
    }

    private static Task ParallelAsync(int count, int workers, Func<int, int, Task> action)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await action(i, w);
            }
        })));
    }

    private static Node Node(string name)
    {
        var capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("32"), ["memory"] = Quantity.Parse("256Gi"), ["pods"] = Quantity.Parse("1000") };
        return new Node
        {
            Metadata = new ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
            Status = new NodeStatus { Capacity = capacity, Allocatable = capacity, Conditions = [new NodeCondition { Type = "Ready", Status = "True" }] },
        };
    }

    private static Pod Pod(string ns, int i, string? name = null) => new()
    {
        Metadata = new ObjectMeta { Name = name ?? $"pod-{i:D6}", Namespace = ns },
        Spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "app",
                    Image = "minikube/busybox:1.0",
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("10m"), ["memory"] = Quantity.Parse("16Mi") } },
                },
            ],
        },
    };

    /// <summary>Counts pods of a namespace that became bound, from a watch.</summary>
    private sealed class BoundCounter(MiniKubeClient client, string ns) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly HashSet<string> _bound = [];
        private Task? _run;

        public ConcurrentBag<double> Latencies { get; } = [];

        public long FirstBoundAt { get; private set; }

        public long LastBoundAt { get; private set; }

        public Action<string, long>? OnBound { get; set; }

        /// <summary>Runs on the watch's thread when the first bound pod is seen.</summary>
        public Action? OnFirstBound { get; set; }

        public int Count
        {
            get
            {
                lock (_bound)
                {
                    return _bound.Count;
                }
            }
        }

        public async Task StartAsync(CancellationToken ct)
        {
            var list = await client.ListAsync<Pod>(ns, cancellationToken: ct);
            var version = list.ResourceVersion;
            _run = Task.Run(async () =>
            {
                try
                {
                    // The server closes a watch that falls far behind; carry on from the last version seen.
                    while (!_stop.IsCancellationRequested)
                    {
                    await foreach (var e in client.WatchAsync<Pod>(ns, resourceVersion: version, cancellationToken: _stop.Token))
                    {
                        version = e.Object.Metadata.ResourceVersion ?? version;
                        var now = Stopwatch.GetTimestamp();
                        if (!string.IsNullOrEmpty(e.Object.Spec?.NodeName))
                        {
                            bool added;
                            lock (_bound)
                            {
                                added = _bound.Add(e.Object.Metadata.Name!);
                            }
                            if (added)
                            {
                                if (FirstBoundAt == 0)
                                {
                                    FirstBoundAt = now;
                                    OnFirstBound?.Invoke();
                                }
                                LastBoundAt = now;
                                OnBound?.Invoke(e.Object.Metadata.Name!, now);
                            }
                        }
                    }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Done.
                }
            });
        }

        public Task WaitForAsync(int count, TimeSpan timeout, CancellationToken ct) =>
            Eventually.WaitAsync(() => Task.FromResult(Count >= count), timeout, $"{count} pods bound (have {Count})", ct);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_run is not null)
            {
                await _run;
            }
            _stop.Dispose();
        }
    }
}
