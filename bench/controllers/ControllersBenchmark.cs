using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers;
using MiniKube.Testing;

namespace MiniKube.Bench.Controllers;

/// <summary>
/// Scale-up and rolling-update throughput of the controllers. The API server (over a real etcd) and the controller
/// manager run in this process with production settings. Pods are bound by the minikube-scheduler process and run by
/// hollow nodes (minikube-kubelet with its simulated runtime), or — said so in the output — by the in-process
/// FakeScheduler/FakeKubelet test doubles. Every process runs with the runtime settings the components ship with (tiered
/// compilation, no overrides; issue #18 rules out bench-only JIT flags): from the build output they are JIT-compiled, from
/// a publish of this bench for a runtime (<c>dotnet publish -r linux-x64</c>) they and the in-process parts are ReadyToRun,
/// as the components ship.
/// </summary>
public static class ControllersBenchmark
{
    private const string Namespace = "bench";

    public static async Task RunAsync(int replicas, int nodeCount, string cluster, int warmup, TimeSpan phaseTimeout, TextWriter output, CancellationToken ct)
    {
        await output.WriteLineAsync($"bench/controllers: {replicas} replicas on {nodeCount} nodes").ConfigureAwait(false);
        await output.WriteLineAsync(cluster switch
            {
                "hollow" => "cluster: minikube-scheduler process + minikube-kubelet --runtime simulated (hollow nodes, containers \"start\" after 100 ms)",
                "scheduler" => "cluster: minikube-scheduler process; pods started by the FakeKubelet TEST DOUBLE (in-process Running status; not hollow nodes)",
                _ => "cluster: FakeScheduler + FakeKubelet TEST DOUBLES (in-process bind and Running status; not hollow nodes, not minikube-scheduler)",
            })
            .ConfigureAwait(false);
        await using var server = await TestApiServer.StartAsync(cancellationToken: ct).ConfigureAwait(false);
        var client = server.Client;
        var root = Directory.CreateTempSubdirectory("bench-kubelet-");
        await using var parts = new AsyncDisposables();
        if (cluster == "hollow")
        {
            parts.Add(await ComponentProcess.StartAsync("minikube-kubelet",
                ["--server", server.GrpcAddress, "--runtime", "simulated", "--node-name", "hollow", "--simulate-nodes", nodeCount.ToString(CultureInfo.InvariantCulture),
                 "--port", "0", "--root-dir", root.FullName],
                new System.Text.RegularExpressions.Regex("Kubelet running for node"), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false));
            await WaitAsync(() => client.ListAsync<Node>(cancellationToken: ct), nodes => nodes.Items.Count(n =>
                    n.Status?.Conditions?.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True) == true) == nodeCount, phaseTimeout, ct)
                .ConfigureAwait(false);
        }
        else
        {
            parts.Add(await FakeKubelet.StartAsync(client, Enumerable.Range(1, nodeCount).Select(i => $"node-{i:D3}"), TimeSpan.FromSeconds(5),
                workers: 16, cancellationToken: ct).ConfigureAwait(false));
        }
        parts.Add(cluster == "fake"
            ? await FakeScheduler.StartAsync(client, workers: 16, cancellationToken: ct).ConfigureAwait(false)
            : await ComponentProcess.StartAsync("minikube-scheduler", ["--server", server.GrpcAddress, "--leader-elect=false"],
                new System.Text.RegularExpressions.Regex("using API server"), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false));
        var manager = new ControllerManager(new ControllerManagerOptions { Server = server.GrpcAddress, LeaderElection = new() { LeaderElect = false } });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = Task.Run(() => manager.RunAsync(stop.Token), CancellationToken.None);
        await manager.Started.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = Namespace } }, ct).ConfigureAwait(false);

        await using var tracker = new ClusterTracker(client, Namespace);
        await tracker.StartAsync(ct).ConfigureAwait(false);

        if (warmup > 0)
        {
            // The components were just started and compile each method on its first call, on the same two cores. A cluster
            // under test has been up for a while, so every path (create, bind, run, delete) runs before the clock starts.
            var warmupClock = Stopwatch.StartNew();
            await CreateDeploymentAsync(client, "warmup", replicas: 0, ct).ConfigureAwait(false);
            var warmRunning = tracker.WhenPods(p => IsApp(p, "warmup") && p.Status?.Phase == PodPhase.Running, warmup);
            await ScaleAsync(client, "warmup", warmup, ct).ConfigureAwait(false);
            await warmRunning.WaitAsync(phaseTimeout, ct).ConfigureAwait(false);
            var warmGone = tracker.WhenNoPods(p => IsApp(p, "warmup"));
            await ScaleAsync(client, "warmup", 0, ct).ConfigureAwait(false);
            await warmGone.WaitAsync(phaseTimeout, ct).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warm-up (not measured): {warmup} pods created, run and deleted in {warmupClock.Elapsed.TotalSeconds:0.00} s")).ConfigureAwait(false);
        }

        await CreateDeploymentAsync(client, "bench", replicas: 0, ct).ConfigureAwait(false);
        await tracker.WhenDeployment("bench", d => d.Status?.ObservedGeneration == d.Metadata.Generation).WaitAsync(phaseTimeout, ct).ConfigureAwait(false);

        // Phase 1: 0 → N.
        var clock = Stopwatch.StartNew();
        var created = tracker.WhenPods(IsBench, replicas);
        var bound = tracker.WhenPods(p => IsBench(p) && !string.IsNullOrEmpty(p.Spec?.NodeName), replicas);
        var running = tracker.WhenPods(p => IsBench(p) && p.Status?.Phase == PodPhase.Running, replicas);
        var available = tracker.WhenDeployment("bench", d => d.Status?.AvailableReplicas == replicas);
        await ScaleAsync(client, "bench", replicas, ct).ConfigureAwait(false);
        var tCreated = await Timed(created, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tBound = await Timed(bound, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tRunning = await Timed(running, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tAvailable = await Timed(available, clock, phaseTimeout, ct).ConfigureAwait(false);

        // Phase 2: rolling update of all N (default 25% surge, 25% unavailable).
        clock.Restart();
        var oldGone = tracker.WhenNoPods(p => IsBench(p) && p.Spec!.Containers[0].Image == "minikube/busybox:1.0");
        var patched = await client.PatchAsync<Deployment>("bench", Namespace,
            """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"minikube/busybox:2.0"}]}}}}""", cancellationToken: ct).ConfigureAwait(false);
        var generation = patched.Metadata.Generation;
        var rolled = tracker.WhenDeployment("bench", d =>
            d.Status?.ObservedGeneration >= generation && d.Status.UpdatedReplicas == replicas && d.Status.Replicas == replicas
            && d.Status.AvailableReplicas == replicas);
        var tRolled = await Timed(rolled, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tOldGone = await Timed(oldGone, clock, phaseTimeout, ct).ConfigureAwait(false);

        string Rate(TimeSpan t) => (replicas / t.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
        string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| phase | time (s) | pods/s |").ConfigureAwait(false);
        await output.WriteLineAsync("| --- | ---: | ---: |").ConfigureAwait(false);
        await output.WriteLineAsync($"| scale 0→{replicas}: all pods created | {S(tCreated)} | {Rate(tCreated)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| scale 0→{replicas}: all pods bound | {S(tBound)} | {Rate(tBound)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| scale 0→{replicas}: all pods Running | {S(tRunning)} | {Rate(tRunning)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| scale 0→{replicas}: deployment available | {S(tAvailable)} | {Rate(tAvailable)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| rolling update of {replicas}: rollout complete | {S(tRolled)} | {Rate(tRolled)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| rolling update of {replicas}: old pods gone | {S(tOldGone)} | {Rate(tOldGone)} |").ConfigureAwait(false);

        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        await parts.DisposeAsync().ConfigureAwait(false);
        root.Delete(recursive: true);
    }

    /// <summary>Disposes what it holds in reverse order.</summary>
    private sealed class AsyncDisposables : IAsyncDisposable
    {
        private readonly Stack<IAsyncDisposable> _items = new();

        public void Add(IAsyncDisposable item) => _items.Push(item);

        public async ValueTask DisposeAsync()
        {
            while (_items.TryPop(out var item))
            {
                await item.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<TimeSpan> Timed(Task reached, Stopwatch clock, TimeSpan timeout, CancellationToken ct)
    {
        await reached.WaitAsync(timeout, ct).ConfigureAwait(false);
        return clock.Elapsed;
    }

    private static async Task WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!until(await probe().ConfigureAwait(false)))
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"phase did not finish within {timeout.TotalSeconds} s");
            }
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    private static bool IsApp(Pod pod, string app) => pod.Metadata.Labels?.GetValueOrDefault("app") == app;

    private static bool IsBench(Pod pod) => IsApp(pod, "bench");

    private static Task CreateDeploymentAsync(MiniKubeClient client, string name, int replicas, CancellationToken ct) =>
        client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Namespace },
            Spec = new DeploymentSpec
            {
                Replicas = replicas,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                    Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
                },
            },
        }, ct);

    private static Task ScaleAsync(MiniKubeClient client, string name, int replicas, CancellationToken ct) =>
        client.PatchAsync<Deployment>(name, Namespace, "{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}", cancellationToken: ct);

    /// <summary>
    /// Follows the namespace's pods and deployments through informers (watches, no polling) and completes waiters when a
    /// condition holds. A pod event costs one predicate call per waiter: the tracker shares the cores with the API server
    /// and the controllers it measures, so it must not rescan every pod on every event.
    /// </summary>
    private sealed class ClusterTracker(MiniKubeClient client, string ns) : IAsyncDisposable
    {
        private readonly Informer<Pod> _pods = new(client, new InformerOptions { Namespace = ns });
        private readonly Informer<Deployment> _deployments = new(client, new InformerOptions { Namespace = ns });
        private readonly Lock _gate = new();
        private readonly List<PodWaiter> _podWaiters = [];
        private readonly List<(string Name, Func<Deployment, bool> Until, TaskCompletionSource Done)> _deploymentWaiters = [];

        public async Task StartAsync(CancellationToken ct)
        {
            _pods.AddHandler(onAdd: p => OnPod(null, p), onUpdate: OnPod, onDelete: p => OnPod(p, null));
            _deployments.AddHandler(onAdd: OnDeployment, onUpdate: (_, d) => OnDeployment(d));
            _pods.Start();
            _deployments.Start();
            await _pods.WaitForSyncAsync(ct).ConfigureAwait(false);
            await _deployments.WaitForSyncAsync(ct).ConfigureAwait(false);
        }

        /// <summary>Completes once at least <paramref name="count"/> pods match at the same time.</summary>
        public Task WhenPods(Func<Pod, bool> match, int count) => AddPodWaiter(match, n => n >= count);

        /// <summary>Completes once no pod matches.</summary>
        public Task WhenNoPods(Func<Pod, bool> match) => AddPodWaiter(match, n => n == 0);

        public Task WhenDeployment(string name, Func<Deployment, bool> until)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_deployments.Cache.Get(ObjectKeys.For(ns, name)) is { } d && until(d))
                {
                    done.TrySetResult();
                }
                else
                {
                    _deploymentWaiters.Add((name, until, done));
                }
            }
            return done.Task;
        }

        private Task AddPodWaiter(Func<Pod, bool> match, Func<int, bool> reached)
        {
            var waiter = new PodWaiter(match, reached);
            lock (_gate)
            {
                // Counted once from the cache; from then on kept up to date by the events (handlers run under the same lock).
                waiter.Count = _pods.Cache.List().Count(match);
                if (!waiter.Check())
                {
                    _podWaiters.Add(waiter);
                }
            }
            return waiter.Done.Task;
        }

        private void OnPod(Pod? old, Pod? current)
        {
            lock (_gate)
            {
                for (var i = _podWaiters.Count - 1; i >= 0; i--)
                {
                    var w = _podWaiters[i];
                    w.Count += (current is not null && w.Match(current) ? 1 : 0) - (old is not null && w.Match(old) ? 1 : 0);
                    if (w.Check())
                    {
                        _podWaiters.RemoveAt(i);
                    }
                }
            }
        }

        private void OnDeployment(Deployment d)
        {
            lock (_gate)
            {
                for (var i = _deploymentWaiters.Count - 1; i >= 0; i--)
                {
                    var (name, until, done) = _deploymentWaiters[i];
                    if (name == d.Metadata.Name && until(d))
                    {
                        done.TrySetResult();
                        _deploymentWaiters.RemoveAt(i);
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _pods.DisposeAsync().ConfigureAwait(false);
            await _deployments.DisposeAsync().ConfigureAwait(false);
        }

        private sealed class PodWaiter(Func<Pod, bool> match, Func<int, bool> reached)
        {
            public Func<Pod, bool> Match { get; } = match;

            public int Count { get; set; }

            public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public bool Check() => reached(Count) && Done.TrySetResult();
        }
    }
}
