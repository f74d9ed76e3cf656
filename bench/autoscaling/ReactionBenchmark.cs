using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli;
using MiniKube.Client;
using MiniKube.Cluster;
using MiniKube.Testing;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.Autoscaling;

public sealed record ReactionOptions(int Reactions, TimeSpan MetricResolution, TimeSpan SyncPeriod, TimeSpan DownscaleWindow);

/// <summary>
/// The autoscaler's reaction time on a real one-node Docker cluster (<c>minictl cluster up</c>, in this process, with
/// the given <c>--metric-resolution</c> and <c>--horizontal-pod-autoscaler-sync-period</c>). One pod of a Deployment
/// idles until a flag file on a hostPath exists and burns CPU while it does (request 100m, limit 300m); an HPA (50 %
/// CPU, min 1, max 2, scale-down window shortened) watches it. Each reaction: the harness creates the flag (load
/// start) and times, from that moment, the first PodMetrics above the target (polled every 100 ms), the scale-up
/// decision (the Deployment's <c>spec.replicas</c> 1 → 2 on a watch), the new pod Running (pod watch); then removes the
/// flag (load stop) and times the scale-down decision (2 → 1). Between reactions it waits for the idle state and a
/// random fraction of a resolution plus a sync period, so load starts fall at every phase of the scrape and sync
/// schedules. The floors are the configured periods: one resolution plus one sync period for the decision, plus the
/// scale-down window for the scale-down.
/// </summary>
public static class ReactionBenchmark
{
    private const string Namespace = "default";
    private const string App = "hpa-bench";
    private const decimal RequestCores = 0.1m;
    private const int TargetPercent = 50;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(ReactionOptions options, TextWriter output, CancellationToken ct)
    {
        if (DockerCli.UnavailableReason is { } reason)
        {
            await output.WriteLineAsync("bench/autoscaling reactions need Docker: " + reason).ConfigureAwait(false);
            return 1;
        }
        var id = Guid.NewGuid().ToString("N")[..8];
        var root = Directory.CreateTempSubdirectory("minikube-bench-hpa-");
        var home = Path.Combine(root.FullName, "home");
        var flags = Directory.CreateDirectory(Path.Combine(root.FullName, "load")).FullName;
        var flag = Path.Combine(flags, "on");
        var name = "bench-hpa-" + id;
        var load = LoadAverage();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"bench/autoscaling: reactions on a 1-node Docker cluster, --metric-resolution={Seconds(options.MetricResolution)}s, --horizontal-pod-autoscaler-sync-period={Seconds(options.SyncPeriod)}s, scale-down window {Seconds(options.DownscaleWindow)}s, {options.Reactions} reactions; load average {load}"))
            .ConfigureAwait(false);
        try
        {
            var up = await MinictlAsync(home, ct, "cluster", "up", "--nodes", "1", "--name", name, "--wait", "3m",
                $"--extra-config=apiserver.metric-resolution={Seconds(options.MetricResolution)}s",
                $"--extra-config=controller-manager.horizontal-pod-autoscaler-sync-period={Seconds(options.SyncPeriod)}s").ConfigureAwait(false);
            if (up.Code != 0)
            {
                await output.WriteLineAsync("cluster up failed:\n" + up.Output).ConfigureAwait(false);
                return 1;
            }
            var clusterHome = new ClusterHome(home, Path.Combine(home, "config"));
            var state = new ClusterStateStore(clusterHome).Load()
                ?? throw new InvalidOperationException("cluster up left no state in " + home);
            using var client = new MiniKubeClient(state.ServerUrl, clusterHome.Pki.AdminCredentials());
            var results = await MeasureAsync(client, home, flags, flag, options, output, ct).ConfigureAwait(false);
            await WriteTableAsync(results, options, output, load).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            File.Delete(flag);
            await MinictlAsync(home, CancellationToken.None, "cluster", "down", "--purge").ConfigureAwait(false);
            await DockerCli.RemoveContainersWithLabelAsync($"{DockerEngine.NodeLabel}={name}-node-1", CancellationToken.None).ConfigureAwait(false);
            root.Delete(recursive: true);
        }
    }

    private sealed record Reaction(double Metrics, double Decision, double Running, double ScaleDown);

    private static async Task<List<Reaction>> MeasureAsync(MiniKubeClient client, string home, string flags, string flag, ReactionOptions options,
        TextWriter output, CancellationToken ct)
    {
        // Idles (a stat and a short sleep every 0.1 s) until the flag exists, then burns while it does.
        var script = "while :; do while [ ! -f /load/on ]; do sleep 0.1; done; while [ -f /load/on ]; do :; done; done";
        var manifest = Path.Combine(home, "bench.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{App}}
            spec:
              replicas: 1
              selector:
                matchLabels:
                  app: {{App}}
              template:
                metadata:
                  labels:
                    app: {{App}}
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: load
                    hostPath: {path: {{flags}}, type: Directory}
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command: ["sh", "-c", "{{script}}"]
                    volumeMounts:
                    - {name: load, mountPath: /load}
                    resources:
                      requests: {cpu: 100m}
                      limits: {cpu: 300m}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: {{App}}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{App}}}
              minReplicas: 1
              maxReplicas: 2
              metrics:
              - type: Resource
                resource:
                  name: cpu
                  target: {type: Utilization, averageUtilization: {{TargetPercent}}}
              behavior:
                scaleDown:
                  stabilizationWindowSeconds: {{(int)options.DownscaleWindow.TotalSeconds}}
            """, ct).ConfigureAwait(false);
        // The flag file reaches the pods through a hostPath, which the default Pod Security level (baseline) refuses.
        await PodSecurityNamespaces.AllowPrivilegedAsync(client, cancellationToken: ct).ConfigureAwait(false);
        var create = await MinictlAsync(home, ct, "create", "-f", manifest).ConfigureAwait(false);
        if (create.Code != 0)
        {
            throw new InvalidOperationException("creating the workload failed: " + create.Output);
        }

        var clock = Stopwatch.StartNew();
        var timeline = new Timeline(clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watches = Task.WhenAll(
            timeline.WatchReplicasAsync(client, stop.Token),
            timeline.WatchPodsAsync(client, stop.Token),
            timeline.PollMetricsAsync(client, stop.Token));
        var results = new List<Reaction>();
        // The threshold the HPA acts on: the target plus the tolerance, in cores per pod.
        var above = RequestCores * TargetPercent / 100 * 1.1m;
        try
        {
            for (var i = 0; i <= options.Reactions; i++)
            {
                await timeline.WaitIdleAsync(client, above, ct).ConfigureAwait(false);
                // A random phase against the scrape and sync schedules.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * (options.MetricResolution + options.SyncPeriod).TotalMilliseconds), ct)
                    .ConfigureAwait(false);
                var start = clock.Elapsed;
                var startUtc = DateTimeOffset.UtcNow;
                await File.WriteAllTextAsync(flag, "", ct).ConfigureAwait(false);
                var metrics = await timeline.WaitAsync(() => timeline.FirstMetricsAbove(above, start), "PodMetrics above the target", ct).ConfigureAwait(false);
                var decision = await timeline.WaitAsync(() => timeline.FirstReplicas(2, start), "the scale-up to 2 replicas", ct).ConfigureAwait(false);
                var running = await timeline.WaitAsync(() => timeline.NewPodRunning(startUtc), "the new pod to run", ct).ConfigureAwait(false);
                var stopAt = clock.Elapsed;
                File.Delete(flag);
                var down = await timeline.WaitAsync(() => timeline.FirstReplicas(1, stopAt), "the scale-down to 1 replica", ct).ConfigureAwait(false);
                var reaction = new Reaction((metrics - start).TotalSeconds, (decision - start).TotalSeconds,
                    (running - start).TotalSeconds, (down - stopAt).TotalSeconds);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{(i == 0 ? "warm-up" : $"reaction {i}")}: metrics above target {reaction.Metrics:0.00} s, decision {reaction.Decision:0.00} s, new pod Running {reaction.Running:0.00} s; load stop → scale-down {reaction.ScaleDown:0.00} s"))
                    .ConfigureAwait(false);
                if (i > 0)
                {
                    results.Add(reaction);
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await watches.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return results;
    }

    private static async Task WriteTableAsync(List<Reaction> results, ReactionOptions options, TextWriter output, string loadBefore)
    {
        var res = options.MetricResolution.TotalSeconds;
        var sync = options.SyncPeriod.TotalSeconds;
        var window = options.DownscaleWindow.TotalSeconds;
        var decisionFloor = res + sync;
        string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        async Task RowAsync(string what, IEnumerable<double> values, double? floor, string target)
        {
            var list = values.ToList();
            var median = new Stats(list).Median;
            var ratio = floor is { } f ? F(median / f) + "×" : "";
            await output.WriteLineAsync($"| {what} | {F(median)} | {F(new Stats(list).P99)} | {(floor is { } x ? F(x) : "")} | {ratio} | {target} |").ConfigureAwait(false);
        }
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"| reaction ({results.Count} runs), seconds | median | p99 | floor (configured) | median / floor | target |").ConfigureAwait(false);
        await output.WriteLineAsync("| --- | ---: | ---: | ---: | ---: | --- |").ConfigureAwait(false);
        await RowAsync("load start → PodMetrics above target", results.Select(r => r.Metrics), res, "");
        await RowAsync("load start → scale-up decision (replicas 1 → 2)", results.Select(r => r.Decision), decisionFloor, $"≤ {F(decisionFloor + 1)}");
        await RowAsync("decision → new pod Running", results.Select(r => r.Running - r.Decision), null, "≤ 1.00");
        await RowAsync("load start → new pod Running", results.Select(r => r.Running), decisionFloor, $"≤ {F(decisionFloor + 2)}");
        await RowAsync("load stop → scale-down decision (2 → 1)", results.Select(r => r.ScaleDown), res + window + sync, "");
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"floors: decision = resolution {res:0.#} s + sync period {sync:0.#} s; scale-down = resolution + window {window:0.#} s + sync period. Load average before: {loadBefore}, after: {LoadAverage()}"))
            .ConfigureAwait(false);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<(int Code, string Output)> MinictlAsync(string home, CancellationToken ct, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new MinictlApp(TextWriter.Synchronized(output), TextWriter.Synchronized(error), variable => variable switch
        {
            "MINIKUBE_HOME" => home,
            "MINIKUBE_SERVER" or "MINIKUBE_CONFIG" => null,
            "KUBECONFIG" => Path.Combine(home, "kubeconfig"),
            _ => Environment.GetEnvironmentVariable(variable),
        });
        var code = await app.RunAsync(args, ct).ConfigureAwait(false);
        return (code, output + error.ToString());
    }

    /// <summary>What the watches and the metrics poll saw, on the harness's clock.</summary>
    private sealed class Timeline(Stopwatch clock)
    {
        private readonly object _lock = new();
        private readonly List<(int Replicas, TimeSpan At)> _replicas = [];
        private readonly Dictionary<string, (DateTimeOffset Created, TimeSpan? Running, bool Deleting)> _pods = new(StringComparer.Ordinal);
        private readonly List<(TimeSpan At, decimal MaxCores, int Pods)> _metrics = [];

        public async Task WatchReplicasAsync(MiniKubeClient client, CancellationToken ct)
        {
            await foreach (var e in client.WatchAsync<Deployment>(Namespace, fieldSelector: "metadata.name=" + App, cancellationToken: ct).ConfigureAwait(false))
            {
                if (e.IsBookmark)
                {
                    continue;
                }
                var replicas = e.Object.Spec?.Replicas ?? 1;
                lock (_lock)
                {
                    if (_replicas.Count == 0 || _replicas[^1].Replicas != replicas)
                    {
                        _replicas.Add((replicas, clock.Elapsed));
                    }
                }
            }
        }

        public async Task WatchPodsAsync(MiniKubeClient client, CancellationToken ct)
        {
            await foreach (var e in client.WatchAsync<Pod>(Namespace, labelSelector: "app=" + App, cancellationToken: ct).ConfigureAwait(false))
            {
                var pod = e.Object;
                var uid = pod.Metadata.Uid ?? "";
                lock (_lock)
                {
                    if (e.IsBookmark)
                    {
                        continue;
                    }
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        _pods.Remove(uid);
                        continue;
                    }
                    var known = _pods.GetValueOrDefault(uid, (pod.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue, null, false));
                    if (known.Running is null && pod.Status?.Phase == PodPhase.Running)
                    {
                        known.Running = clock.Elapsed;
                    }
                    known.Deleting = pod.Metadata.DeletionTimestamp is not null;
                    _pods[uid] = known;
                }
            }
        }

        public async Task PollMetricsAsync(MiniKubeClient client, CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var metrics = await client.ListPodMetricsAsync(Namespace, "app=" + App, ct).ConfigureAwait(false);
                var at = clock.Elapsed;
                // PodMetrics timestamps have whole seconds (as in Kubernetes), so the harness's clock times the observation.
                var max = metrics.Select(m => m.Containers.Sum(c => c.Usage.TryGetValue(ResourceName.Cpu, out var q) ? q.Amount : 0m)).DefaultIfEmpty(0m).Max();
                lock (_lock)
                {
                    _metrics.Add((at, max, metrics.Count));
                }
            }
        }

        public TimeSpan? FirstMetricsAbove(decimal cores, TimeSpan after)
        {
            lock (_lock)
            {
                var hit = _metrics.FirstOrDefault(m => m.At > after && m.MaxCores > cores);
                return hit.Pods == 0 ? null : hit.At;
            }
        }

        public TimeSpan? FirstReplicas(int replicas, TimeSpan after)
        {
            lock (_lock)
            {
                var hit = _replicas.FirstOrDefault(r => r.At > after && r.Replicas == replicas);
                return hit.Replicas == replicas ? hit.At : null;
            }
        }

        public TimeSpan? NewPodRunning(DateTimeOffset createdAfter)
        {
            lock (_lock)
            {
                // Creation timestamps have whole seconds: a pod created within the load start's second counts as new.
                var floor = createdAfter.AddTicks(-(createdAfter.Ticks % TimeSpan.TicksPerSecond));
                return _pods.Values.Where(p => p.Created >= floor && p.Running is not null).Select(p => p.Running).Min();
            }
        }

        /// <summary>Idle: one replica wanted, one live pod, and its metrics (two samples) below the target.</summary>
        public async Task WaitIdleAsync(MiniKubeClient client, decimal above, CancellationToken ct)
        {
            await WaitAsync(() =>
            {
                lock (_lock)
                {
                    var live = _pods.Values.Count(p => !p.Deleting);
                    var idle = _replicas.Count > 0 && _replicas[^1].Replicas == 1 && live == 1 && _metrics.Count > 0 && _metrics[^1].Pods >= 1
                        && _metrics[^1].MaxCores < above / 2;
                    return idle ? clock.Elapsed : (TimeSpan?)null;
                }
            }, "the idle state (1 replica, its pod's metrics below the target)", ct).ConfigureAwait(false);
            // The HPA has seen it too: its status says 1 desired replica.
            var hpa = await client.GetAsync<HorizontalPodAutoscaler>(App, Namespace, ct).ConfigureAwait(false);
            var deadline = clock.Elapsed + PhaseTimeout;
            while (hpa.Status?.DesiredReplicas != 1 || hpa.Status.CurrentMetrics is not { Count: > 0 })
            {
                if (clock.Elapsed > deadline)
                {
                    throw new TimeoutException("the HPA did not report 1 desired replica with metrics: " + (hpa.Status is null ? "none" : KubeSerializer.ToJson(hpa.Status)));
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
                hpa = await client.GetAsync<HorizontalPodAutoscaler>(App, Namespace, ct).ConfigureAwait(false);
            }
        }

        public async Task<T> WaitAsync<T>(Func<T?> probe, string what, CancellationToken ct) where T : struct
        {
            var deadline = clock.Elapsed + PhaseTimeout;
            while (true)
            {
                if (probe() is { } value)
                {
                    return value;
                }
                if (clock.Elapsed > deadline)
                {
                    throw new TimeoutException($"waited {PhaseTimeout.TotalSeconds:0} s for {what}");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct).ConfigureAwait(false);
            }
        }
    }
}
