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

namespace MiniKube.Bench.Resize;

/// <summary>
/// In-place resize latency on one kubelet (default options, hosted in this process against an in-process API server on real
/// etcd): for each resize, the time from the <c>resize</c> patch call to Docker's <c>update</c> event for the container (the
/// kubelet applied it) and to the pod's <c>status.containerStatuses[0].resources</c> showing the new cpu limit through a watch.
/// Beside it, interleaved, the raw floor: one container update of the same container through the engine API, timed from the call
/// to its return (the kubelet then puts the spec's value back, which the benchmark waits for before going on).
/// </summary>
internal static class ResizeBenchmark
{
    private const string Container = "app";

    public static async Task RunAsync(int resizes, string image, TextWriter output, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var node = "bench-" + run;
        await using var api = await TestApiServer.StartAsync(cancellationToken: ct);
        var root = Path.Combine(Path.GetTempPath(), "resize-" + run);
        var options = new KubeletOptions { Server = api.GrpcAddress, NodeName = node, Port = 0, RootDir = root };
        var kubelet = KubeletHost.Create(options);
        try
        {
            await kubelet.StartAsync(ct);
        }
        catch
        {
            await kubelet.DisposeAsync();
            throw;
        }
        using var docker = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).WithApiVersion(DockerRuntime.ApiVersion).Build();
        var name = "rs-" + run;
        try
        {
            await output.WriteLineAsync($"bench/resize: node {node}, {resizes} resizes, image {image}, {Environment.ProcessorCount} cores, "
                + $"kubelet sync frequency {options.SyncFrequency.TotalSeconds:0} s (defaults)");
            using var status = new StatusWatch(api.Client, name);
            await status.StartAsync(ct);
            await api.Client.CreateAsync(Pod(name, node, image), ct);
            var id = await status.RunningContainerAsync(TimeSpan.FromMinutes(2), ct);
            using var events = new UpdateEvents(docker, id);
            await events.StartAsync(ct);

            var toDocker = new List<double>();
            var toStatus = new List<double>();
            var raw = new List<double>();
            // Warm-up (JIT, connections), then the measured rounds. Each round: one kubelet resize, one raw update.
            for (var i = -3; i < resizes; i++)
            {
                var milli = 300 + (i + 3) % 2 * 100 + (i + 3) * 2;
                var (docked, reported) = await ResizeAsync(api.Client, status, events, name, milli, ct);
                var floor = await RawUpdateAsync(docker, events, id, milli + 1, milli, ct);
                if (i >= 0)
                {
                    toDocker.Add(docked);
                    toStatus.Add(reported);
                    raw.Add(floor);
                }
            }

            var k = new Stats(toStatus);
            var d = new Stats(toDocker);
            var r = new Stats(raw);
            await output.WriteLineAsync();
            await output.WriteLineAsync("| path | resizes | p50 | p99 | max | p50 ratio to raw |");
            await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|");
            await Row(output, "raw docker update of the same container (engine API call)", r, r);
            await Row(output, "resize patch → container updated in Docker (update event)", d, r);
            await Row(output, "resize patch → status shows the new cpu limit (watch)", k, r);
            await output.WriteLineAsync();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"status p99 − raw p99 = {k.P99 - r.P99:0} ms (target: within 300 ms): {(k.P99 - r.P99 <= 300 ? "met" : "MISSED")}"));
        }
        finally
        {
            try
            {
                await api.Client.DeleteAsync<Pod>(name, "default", new DeleteOptions { GracePeriodSeconds = 0 }, CancellationToken.None);
            }
            catch (ApiException)
            {
            }
            await kubelet.DisposeAsync();
            var left = await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.Node}={node}"] = true } },
            }, CancellationToken.None);
            await Task.WhenAll(left.Select(c => docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None)));
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static Task Row(TextWriter output, string path, Stats s, Stats raw) => output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
        $"| {path} | {s.Count} | {s.Median:0.0} ms | {s.P99:0.0} ms | {s.Max:0.0} ms | {s.Median / raw.Median:0.0}× |"));

    private static Pod Pod(string name, string node, string image) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new PodSpec
        {
            NodeName = node,
            TerminationGracePeriodSeconds = 1,
            Containers =
            [
                new Container
                {
                    Name = Container,
                    Image = image,
                    ImagePullPolicy = PullPolicy.IfNotPresent,
                    Command = ["sleep", "3600"],
                    Resources = new MiniKube.Api.ResourceRequirements
                    {
                        Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("32Mi") },
                        Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("200m"), ["memory"] = Quantity.Parse("64Mi") },
                    },
                },
            ],
        },
    };

    /// <summary>One resize of the cpu limit to <paramref name="milli"/>: milliseconds to Docker's update event and to the status.</summary>
    private static async Task<(double ToDocker, double ToStatus)> ResizeAsync(MiniKubeClient client, StatusWatch status, UpdateEvents events, string name, int milli,
        CancellationToken ct)
    {
        var nano = milli * 1_000_000L;
        var docked = events.Expect(nano);
        var reported = status.Expect(milli);
        var started = Stopwatch.GetTimestamp();
        await client.ResizePodAsync("default", name, "{\"spec\":{\"containers\":[{\"name\":\"" + Container + "\",\"resources\":{\"limits\":{\"cpu\":\""
            + milli.ToString(CultureInfo.InvariantCulture) + "m\"}}}]}}", "application/strategic-merge-patch+json", ct);
        var inDocker = await docked.WaitAsync(TimeSpan.FromSeconds(60), ct);
        var inStatus = await reported.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return (Stopwatch.GetElapsedTime(started, inDocker).TotalMilliseconds, Stopwatch.GetElapsedTime(started, inStatus).TotalMilliseconds);
    }

    /// <summary>
    /// One container update straight to the engine (cpu limit <paramref name="milli"/>, the pod's other settings unchanged): milliseconds the
    /// engine's update call takes (it returns once the cgroup is written). Then waits for the kubelet, told by the update event, to put back
    /// the spec's <paramref name="specMilli"/>, so that the next round starts from a settled container.
    /// </summary>
    private static async Task<double> RawUpdateAsync(DockerClient docker, UpdateEvents events, string id, int milli, int specMilli, CancellationToken ct)
    {
        var restored = events.Expect(specMilli * 1_000_000L);
        var started = Stopwatch.GetTimestamp();
        await docker.Containers.UpdateContainerAsync(id, new ContainerUpdateParameters { NanoCPUs = milli * 1_000_000L }, ct);
        var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await restored.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return took;
    }

    /// <summary>Docker's update events of one container, each with the NanoCpus the container had right after it.</summary>
    private sealed class UpdateEvents(DockerClient docker, string id) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly List<(long Nano, long After, TaskCompletionSource<long> Seen)> _expected = [];
        private Task? _loop;

        /// <summary>
        /// Completes with the Stopwatch timestamp of the first update event, received from now on, after which the container has
        /// <paramref name="nano"/> NanoCpus.
        /// </summary>
        public Task<long> Expect(long nano)
        {
            var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _expected.Add((nano, Stopwatch.GetTimestamp(), seen));
            }
            return seen.Task;
        }

        public Task StartAsync(CancellationToken ct)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["container"] = new Dictionary<string, bool> { [id] = true },
                ["event"] = new Dictionary<string, bool> { ["update"] = true },
            };
            var updates = System.Threading.Channels.Channel.CreateUnbounded<long>();
            _loop = Task.Run(async () =>
            {
                var monitor = docker.System.MonitorEventsAsync(new ContainerEventsParameters { Filters = filters },
                    new Progress(() => updates.Writer.TryWrite(Stopwatch.GetTimestamp())), _stop.Token);
                started.TrySetResult();
                var reader = Task.Run(async () =>
                {
                    await foreach (var at in updates.Reader.ReadAllAsync(_stop.Token))
                    {
                        // The event says "updated", not to what: read the setting the container has now.
                        var nano = (await docker.Containers.InspectContainerAsync(id, _stop.Token)).HostConfig?.NanoCPUs ?? 0;
                        lock (_gate)
                        {
                            foreach (var match in _expected.Where(e => e.Nano == nano && e.After <= at).ToList())
                            {
                                _expected.Remove(match);
                                match.Seen.TrySetResult(at);
                            }
                        }
                    }
                });
                try
                {
                    await Task.WhenAll(monitor, reader);
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
            return started.Task.WaitAsync(ct);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _loop?.Wait(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }

        private sealed class Progress(Action onEvent) : IProgress<Message>
        {
            public void Report(Message value) => onEvent();
        }
    }

    /// <summary>One watch on the pod: its running app container's ID, and when its status first showed a cpu limit.</summary>
    private sealed class StatusWatch(MiniKubeClient client, string name) : IDisposable
    {
        private readonly ConcurrentDictionary<long, TaskCompletionSource<long>> _limits = new();
        private readonly TaskCompletionSource<string> _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public Task<long> Expect(int milli) => _limits.GetOrAdd(milli, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task<string> RunningContainerAsync(TimeSpan timeout, CancellationToken ct) => _running.Task.WaitAsync(timeout, ct);

        public async Task StartAsync(CancellationToken ct)
        {
            var list = await client.ListAsync<Pod>("default", fieldSelector: "metadata.name=" + name, cancellationToken: ct);
            _loop = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchAsync<Pod>("default", fieldSelector: "metadata.name=" + name, resourceVersion: list.ResourceVersion,
                        cancellationToken: _stop.Token))
                    {
                        var now = Stopwatch.GetTimestamp();
                        var app = e.Object.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == Container);
                        if (app?.State?.Running is not null && app.ContainerID is { } cid)
                        {
                            _running.TrySetResult(cid[(cid.IndexOf("://", StringComparison.Ordinal) + 3)..]);
                        }
                        if (app?.Resources?.Limits?.TryGetValue("cpu", out var limit) == true)
                        {
                            _limits.GetOrAdd(limit.MilliValue, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
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
