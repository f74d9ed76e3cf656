using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Kubelet;
using MiniKube.Testing;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.PodStartup;

internal sealed record BenchSettings(int SingleRuns, IReadOnlyList<int> Bursts, int PodWorkers, string Image, int Restarts);

/// <summary>
/// Kubernetes' pod startup SLI on one kubelet: time from the create call to the pod being seen Running through a watch,
/// for single pods and for bursts. Beside it, the floor: the same Docker work done directly through the engine API
/// (sandbox on the bridge + inspect for its IP, app container joined to it), with the kubelet's parallelism. Then
/// restarts: a running pod's app container is killed (SIGKILL through the engine) and timed until the pod shows it
/// running again (restartCount 1; a pod's first restart has no back-off), beside the floor of the same kill followed by
/// a new app container created and started in the same sandbox.
/// </summary>
internal static class PodStartupBenchmark
{
    private const string BenchLabel = "io.minikube.bench";

    public static async Task RunAsync(BenchSettings settings, TextWriter output, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var node = "bench-" + run;
        await using var api = await TestApiServer.StartAsync(cancellationToken: ct);
        var root = Path.Combine(Path.GetTempPath(), "podstartup-" + run);
        await using var kubelet = KubeletHost.Create(new KubeletOptions
        {
            Server = api.GrpcAddress,
            NodeName = node,
            Port = 0,
            RootDir = root,
            PodWorkers = settings.PodWorkers,
        });
        await kubelet.StartAsync(ct);
        using var floorEngine = new EngineFloor();
        using var watch = new RunningWatch(api.Client, run);
        await watch.StartAsync(ct);
        var rows = new List<(string Scenario, int Pods, Stats Kubelet, double KubeletTotal, Stats Floor, double FloorTotal)>();
        try
        {
            await output.WriteLineAsync($"bench/podstartup: node {node}, {settings.PodWorkers} pod workers, image {settings.Image}, {Environment.ProcessorCount} cores");
            // Warm-up: JIT, connection pools, the engine's image cache.
            await MeasurePodsAsync(api.Client, watch, node, run, settings.Image, 2, ct);
            await MeasureFloorAsync(floorEngine, run, settings.Image, 2, 1, ct);

            var floorSingle = new List<double>();
            var podSingle = new List<double>();
            for (var i = 0; i < settings.SingleRuns; i++)
            {
                floorSingle.AddRange((await MeasureFloorAsync(floorEngine, run, settings.Image, 1, 1, ct)).Latencies);
                podSingle.AddRange((await MeasurePodsAsync(api.Client, watch, node, run, settings.Image, 1, ct)).Latencies);
            }
            if (settings.SingleRuns > 0)
            {
                rows.Add(("single pod", 1, new Stats(podSingle), double.NaN, new Stats(floorSingle), double.NaN));
            }
            foreach (var burst in settings.Bursts)
            {
                var floor = await MeasureFloorAsync(floorEngine, run, settings.Image, burst, settings.PodWorkers, ct);
                var pods = await MeasurePodsAsync(api.Client, watch, node, run, settings.Image, burst, ct);
                rows.Add(($"burst of {burst}", burst, new Stats(pods.Latencies), pods.TotalMs, new Stats(floor.Latencies), floor.TotalMs));
            }
            if (settings.Restarts > 0)
            {
                var floor = await MeasureRestartFloorAsync(floorEngine, run, settings.Image, settings.Restarts, ct);
                var pods = await MeasureRestartsAsync(api.Client, floorEngine.Docker, watch, node, run, settings.Image, settings.Restarts, ct);
                rows.Add(("killed container running again", settings.Restarts, new Stats(pods), double.NaN, new Stats(floor), double.NaN));
            }
        }
        finally
        {
            await floorEngine.RemoveLabelledAsync($"{BenchLabel}={run}", ct);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("| scenario | pods | kubelet p50 | kubelet p99 | kubelet all Running | floor p50 | floor p99 | floor all started | p99 − floor p99 | completion ratio |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (scenario, pods, k, kTotal, f, fTotal) in rows)
        {
            var ratio = double.IsNaN(kTotal) ? "—" : (kTotal / fTotal).ToString("0.00", CultureInfo.InvariantCulture) + "×";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario} | {pods} | {k.Median:0} ms | {k.P99:0} ms | {Ms(kTotal)} | {f.Median:0} ms | {f.P99:0} ms | {Ms(fTotal)} | {k.P99 - f.P99:+0;-0} ms | {ratio} |"));
        }
    }

    private static string Ms(double value) => double.IsNaN(value) ? "—" : value.ToString("0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>
    /// <paramref name="count"/> running pods, each app container killed once, one after the other: milliseconds from the
    /// kill to the pod seen (watch) with the container running again.
    /// </summary>
    private static async Task<List<double>> MeasureRestartsAsync(MiniKubeClient client, DockerClient docker, RunningWatch watch, string node, string run,
        string image, int count, CancellationToken ct)
    {
        var names = Enumerable.Range(0, count).Select(_ => "r-" + Guid.NewGuid().ToString("N")[..10]).ToList();
        var running = names.ToDictionary(n => n, watch.Expect);
        await Task.WhenAll(names.Select(name => client.CreateAsync(BenchPod(name, node, run, image), ct)));
        await Task.WhenAll(running.Values.Select(r => r.WaitAsync(TimeSpan.FromMinutes(2), ct)));
        var latencies = new List<double>();
        foreach (var name in names)
        {
            var pod = await client.GetAsync<Pod>(name, "default", ct);
            var id = pod.Status?.ContainerStatuses?.SingleOrDefault()?.ContainerID?.Replace("docker://", "", StringComparison.Ordinal)
                ?? throw new InvalidOperationException($"pod {name} is running without a container ID");
            var restarted = watch.ExpectRestart(name);
            var started = Stopwatch.GetTimestamp();
            await docker.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, ct);
            var back = await restarted.WaitAsync(TimeSpan.FromMinutes(2), ct);
            latencies.Add(Stopwatch.GetElapsedTime(started, back).TotalMilliseconds);
        }
        await Task.WhenAll(names.Select(n => client.DeleteAsync<Pod>(n, "default", cancellationToken: ct)));
        foreach (var name in names)
        {
            await watch.WaitGoneAsync(name, ct);
        }
        return latencies;
    }

    /// <summary>The restart floor: per pod a sandbox and app container as above, then, timed, the kill and a new app container started in the sandbox.</summary>
    private static async Task<List<double>> MeasureRestartFloorAsync(EngineFloor engine, string run, string image, int count, CancellationToken ct)
    {
        var labels = new Dictionary<string, string> { [BenchLabel] = run };
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var sandbox = await engine.StartSandboxAsync(labels, ct);
            var app = await engine.StartAppAsync(sandbox, image, labels, ct);
            var started = Stopwatch.GetTimestamp();
            await engine.Docker.Containers.KillContainerAsync(app, new ContainerKillParameters { Signal = "KILL" }, ct);
            await engine.StartAppAsync(sandbox, image, labels, ct);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        await engine.RemoveLabelledAsync($"{BenchLabel}={run}", ct);
        return latencies;
    }

    private static Pod BenchPod(string name, string node, string run, string image) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new Dictionary<string, string> { ["bench-run"] = run } },
        Spec = new PodSpec
        {
            NodeName = node,
            TerminationGracePeriodSeconds = 1,
            Containers = [new Container { Name = "app", Image = image, ImagePullPolicy = PullPolicy.IfNotPresent, Command = ["sleep", "3600"] }],
        },
    };

    /// <summary>Creates <paramref name="count"/> pods at once; returns each one's create → Running latency and the time until all ran.</summary>
    private static async Task<(List<double> Latencies, double TotalMs)> MeasurePodsAsync(MiniKubeClient client, RunningWatch watch, string node, string run,
        string image, int count, CancellationToken ct)
    {
        var names = Enumerable.Range(0, count).Select(_ => "p-" + Guid.NewGuid().ToString("N")[..10]).ToList();
        var waits = names.ToDictionary(n => n, watch.Expect);
        var first = Stopwatch.GetTimestamp();
        var latencies = await Task.WhenAll(names.Select(async name =>
        {
            var started = Stopwatch.GetTimestamp();
            await client.CreateAsync(BenchPod(name, node, run, image), ct);
            var running = await waits[name].WaitAsync(TimeSpan.FromMinutes(2), ct);
            return Stopwatch.GetElapsedTime(started, running).TotalMilliseconds;
        }));
        var total = Stopwatch.GetElapsedTime(first, waits.Values.Max(w => w.Result)).TotalMilliseconds;
        // Clean up before the next measurement, so it starts from an idle node.
        await Task.WhenAll(names.Select(n => client.DeleteAsync<Pod>(n, "default", cancellationToken: ct)));
        foreach (var name in names)
        {
            await watch.WaitGoneAsync(name, ct);
        }
        return ([.. latencies], total);
    }

    /// <summary>
    /// The same Docker work without the kubelet: sandbox (bridge, inspect for the IP) then app container, <paramref name="parallelism"/> pods at a
    /// time (the kubelet's pod workers).
    /// </summary>
    private static async Task<(List<double> Latencies, double TotalMs)> MeasureFloorAsync(EngineFloor engine, string run, string image, int count, int parallelism,
        CancellationToken ct)
    {
        var labels = new Dictionary<string, string> { [BenchLabel] = run };
        using var gate = new SemaphoreSlim(parallelism);
        var first = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            // Like a pod, each "pod" of the floor counts from the burst's start: waiting for a free worker is part of it.
            var started = Stopwatch.GetTimestamp();
            await gate.WaitAsync(ct);
            try
            {
                await engine.StartAppAsync(await engine.StartSandboxAsync(labels, ct), image, labels, ct);
                var done = Stopwatch.GetTimestamp();
                return (Latency: Stopwatch.GetElapsedTime(started, done).TotalMilliseconds, Done: done);
            }
            finally
            {
                gate.Release();
            }
        }));
        var total = Stopwatch.GetElapsedTime(first, results.Max(r => r.Done)).TotalMilliseconds;
        await engine.RemoveLabelledAsync($"{BenchLabel}={run}", ct);
        return ([.. results.Select(r => r.Latency)], total);
    }

    /// <summary>One watch on the run's pods: when each was first seen Running, running again after a restart, and deleted.</summary>
    private sealed class RunningWatch(MiniKubeClient client, string run) : IDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _running = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _restarted = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _gone = new();
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public Task<long> Expect(string name) => _running.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task<long> ExpectRestart(string name) => _restarted.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task WaitGoneAsync(string name, CancellationToken ct) =>
            _gone.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromMinutes(2), ct);

        public async Task StartAsync(CancellationToken ct)
        {
            var list = await client.ListAsync<Pod>("default", "bench-run=" + run, cancellationToken: ct);
            _loop = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchAsync<Pod>("default", "bench-run=" + run, resourceVersion: list.ResourceVersion, cancellationToken: _stop.Token))
                    {
                        var name = e.Object.Metadata.Name!;
                        if (e.Type == WatchEventTypes.Deleted)
                        {
                            _gone.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                        }
                        else if (e.Object.Status?.Phase == PodPhase.Running)
                        {
                            var now = Stopwatch.GetTimestamp();
                            _running.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
                            if (e.Object.Status.ContainerStatuses is [{ RestartCount: >= 1, State.Running: not null }])
                            {
                                _restarted.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _loop?.Wait(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }
    }
}
