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
/// FakeScheduler/FakeKubelet test doubles.
/// </summary>
public static class ControllersBenchmark
{
    private const string Namespace = "bench";

    public static async Task RunAsync(int replicas, int nodeCount, string cluster, TimeSpan phaseTimeout, TextWriter output, CancellationToken ct)
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
        var manager = new ControllerManager(new ControllerManagerOptions { Server = server.GrpcAddress, LeaderElect = false });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = Task.Run(() => manager.RunAsync(stop.Token), CancellationToken.None);
        await manager.Started.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = Namespace } }, ct).ConfigureAwait(false);

        await using var tracker = new PodTracker(client, Namespace);
        await tracker.StartAsync(ct).ConfigureAwait(false);

        await client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "bench", Namespace = Namespace },
            Spec = new DeploymentSpec
            {
                Replicas = 0,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "bench" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "bench" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
                },
            },
        }, ct).ConfigureAwait(false);
        await WaitAsync(() => client.GetAsync<Deployment>("bench", Namespace, ct), d => d.Status?.ObservedGeneration == d.Metadata.Generation, phaseTimeout, ct)
            .ConfigureAwait(false);

        // Phase 1: 0 → N.
        var clock = Stopwatch.StartNew();
        await client.PatchAsync<Deployment>("bench", Namespace, "{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}", cancellationToken: ct).ConfigureAwait(false);
        var created = tracker.WhenCount(p => true, replicas);
        var bound = tracker.WhenCount(p => !string.IsNullOrEmpty(p.Spec?.NodeName), replicas);
        var running = tracker.WhenCount(p => p.Status?.Phase == PodPhase.Running, replicas);
        var tCreated = await Timed(created, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tBound = await Timed(bound, clock, phaseTimeout, ct).ConfigureAwait(false);
        var tRunning = await Timed(running, clock, phaseTimeout, ct).ConfigureAwait(false);
        await WaitAsync(() => client.GetAsync<Deployment>("bench", Namespace, ct), d => d.Status?.AvailableReplicas == replicas, phaseTimeout, ct)
            .ConfigureAwait(false);
        var tAvailable = clock.Elapsed;

        // Phase 2: rolling update of all N (default 25% surge, 25% unavailable).
        clock.Restart();
        await client.PatchAsync<Deployment>("bench", Namespace,
            """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"minikube/busybox:2.0"}]}}}}""", cancellationToken: ct).ConfigureAwait(false);
        await WaitAsync(() => client.GetAsync<Deployment>("bench", Namespace, ct), d =>
                d.Status?.ObservedGeneration >= d.Metadata.Generation && d.Status.UpdatedReplicas == replicas && d.Status.Replicas == replicas
                && d.Status.AvailableReplicas == replicas, phaseTimeout, ct)
            .ConfigureAwait(false);
        var tRolled = clock.Elapsed;
        await WaitAsync(() => Task.FromResult(tracker.Count(p => p.Spec!.Containers[0].Image == "minikube/busybox:1.0")), n => n == 0, phaseTimeout, ct)
            .ConfigureAwait(false);
        var tOldGone = clock.Elapsed;

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

    /// <summary>Follows the namespace's pods through an informer and completes waiters when a count is reached.</summary>
    private sealed class PodTracker(MiniKubeClient client, string ns) : IAsyncDisposable
    {
        private readonly Informer<Pod> _pods = new(client, new InformerOptions { Namespace = ns });
        private readonly Lock _gate = new();
        private readonly List<(Func<Pod, bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

        public async Task StartAsync(CancellationToken ct)
        {
            _pods.AddHandler(onAdd: _ => Check(), onUpdate: (_, _) => Check(), onDelete: _ => Check());
            _pods.Start();
            await _pods.WaitForSyncAsync(ct).ConfigureAwait(false);
        }

        public int Count(Func<Pod, bool> match) => _pods.Cache.List().Count(match);

        public Task WhenCount(Func<Pod, bool> match, int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiters.Add((match, count, done));
            }
            Check();
            return done.Task;
        }

        private void Check()
        {
            lock (_gate)
            {
                if (_waiters.Count == 0)
                {
                    return;
                }
                var pods = _pods.Cache.List();
                foreach (var waiter in _waiters.ToList())
                {
                    if (pods.Count(waiter.Match) >= waiter.Count)
                    {
                        waiter.Done.TrySetResult();
                        _waiters.Remove(waiter);
                    }
                }
            }
        }

        public ValueTask DisposeAsync() => _pods.DisposeAsync();
    }
}
