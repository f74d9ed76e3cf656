using System.Text;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

public sealed class ProxyAndSimulatedTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Logs_and_exec_go_through_the_api_server_to_the_kubelet()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("proxy");
        await env.CreatePodAsync(TestObjects.PodWith(name,
            TestObjects.Shell("app", "echo line-1; echo line-2 >&2; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done"),
            TestObjects.Shell("side", "sleep 3600")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);

        var text = await Eventually.WaitAsync(async () => await CollectAsync(env.Client.StreamLogsAsync("default", name, "app")),
            t => t.Contains("tick-2", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "logs with a few ticks");
        // stdout and stderr are separate pipes: each keeps its order, not their interleaving.
        Assert.Contains("line-1\n", text, StringComparison.Ordinal);
        Assert.Contains("line-2\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("line-1\n", StringComparison.Ordinal) < text.IndexOf("tick-1\n", StringComparison.Ordinal));
        Assert.True(text.IndexOf("tick-1\n", StringComparison.Ordinal) < text.IndexOf("tick-2\n", StringComparison.Ordinal));

        var tail = await CollectAsync(env.Client.StreamLogsAsync("default", name, "app", tailLines: 1));
        Assert.Single(tail.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            var followed = new StringBuilder();
            var baseline = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            await foreach (var chunk in env.Client.StreamLogsAsync("default", name, "app", follow: true, cancellationToken: cts.Token))
            {
                followed.Append(chunk);
                if (followed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > baseline + 3)
                {
                    break;
                }
            }
            Assert.False(cts.IsCancellationRequested, "follow delivered new lines as they were written");
        }

        var result = await env.Client.ExecAsync("default", name, "side", ["sh", "-c", "echo out; echo err >&2; exit 3"]);
        Assert.Equal(new PodExecResult("out\n", "err\n", 3), result);
        var hostname = await env.Client.ExecAsync("default", name, "side", ["hostname"]);
        Assert.Equal(name + "\n", hostname.Stdout);

        var ambiguous = await Assert.ThrowsAsync<ApiException>(() => env.Client.ExecAsync("default", name, null, ["true"]));
        Assert.Contains("a container name must be specified", ambiguous.Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Proxy_explains_pods_that_are_not_scheduled_or_missing()
    {
        var name = KubeletEnvironment.Unique("unscheduled");
        await api.Server.Client.CreateAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "true")));
        var unscheduled = await Assert.ThrowsAsync<ApiException>(() => api.Server.Client.ExecAsync("default", name, "app", ["true"]));
        Assert.Contains("not scheduled", unscheduled.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<ApiException>(() => CollectAsync(api.Server.Client.StreamLogsAsync("default", "no-such-pod")));
        Assert.True(missing.IsNotFound);
        await api.Server.Client.DeleteAsync<Pod>(name, "default");
    }

    [Fact]
    public async Task Simulated_hollow_nodes_register_and_run_pods_without_containers()
    {
        var node = "hollow-" + Guid.NewGuid().ToString("N")[..6];
        var host = KubeletHost.Create(new KubeletOptions
        {
            Server = api.Server.GrpcAddress,
            NodeName = node,
            Runtime = RuntimeKinds.Simulated,
            SimulateNodes = 3,
            Port = 0,
            RootDir = Path.Combine(Path.GetTempPath(), node),
            SimulatedStartDelay = TimeSpan.FromMilliseconds(50),
        });
        await using (host)
        {
            await host.StartAsync();
            Assert.Equal([node + "-0", node + "-1", node + "-2"], host.NodeNames);
            foreach (var n in host.NodeNames)
            {
                var registered = await api.Server.Client.GetAsync<Node>(n);
                Assert.Equal(ConditionStatus.True, registered.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready).Status);
            }
            var pod = TestObjects.PodWith(KubeletEnvironment.Unique("sim"), TestObjects.Shell("app", "sleep 3600"));
            pod = pod with { Spec = pod.Spec! with { NodeName = node + "-1" } };
            await api.Server.Client.CreateAsync(pod);
            var running = await Eventually.WaitAsync(() => api.Server.Client.GetAsync<Pod>(pod.Metadata.Name!, "default"),
                p => p.Status?.Phase == PodPhase.Running, TimeSpan.FromSeconds(15), "simulated pod Running");
            Assert.StartsWith("10.244.", running.Status!.PodIP, StringComparison.Ordinal);
            Assert.True(KubeletEnvironment.StatusOf(running, "app")!.Ready);

            await api.Server.Client.DeleteAsync<Pod>(pod.Metadata.Name!, "default");
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    await api.Server.Client.GetAsync<Pod>(pod.Metadata.Name!, "default");
                    return false;
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    return true;
                }
            }, TimeSpan.FromSeconds(15), "simulated pod deleted");
        }
    }

    [Fact]
    public async Task A_terminated_pod_is_deleted_from_the_api_once_even_when_synced_again_before_the_deletion_arrives()
    {
        var node = "hollow-" + Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), node);
        var runtime = new SimulatedRuntime(TimeSpan.Zero, TimeProvider.System);
        using var killer = new ContainerKiller(runtime, events: null);
        var syncer = new PodSyncer(node, new KubeletOptions { NodeName = node, RootDir = root }, runtime, api.Server.Client, events: null, probes: null,
            killer, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var name = KubeletEnvironment.Unique("once");
        var pod = TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600"));
        var created = await api.Server.Client.CreateAsync(pod with { Spec = pod.Spec! with { NodeName = node } });
        var uid = created.Metadata.Uid!;
        try
        {
            await syncer.SyncAsync(uid, created, null, fresh: true, CancellationToken.None);
            await api.Server.Client.DeleteAsync<Pod>(name, "default");
            var marked = await api.Server.Client.GetAsync<Pod>(name, "default");
            Assert.NotNull(marked.Metadata.DeletionTimestamp);

            await syncer.SyncAsync(uid, marked, null, fresh: false, CancellationToken.None);
            // The informer still holds the marked pod, and the stopped containers' "die" events queue another sync.
            await syncer.SyncAsync(uid, marked, null, fresh: false, CancellationToken.None);

            var gone = await Assert.ThrowsAsync<ApiException>(() => api.Server.Client.GetAsync<Pod>(name, "default"));
            Assert.True(gone.IsNotFound);
            Assert.Equal(1, syncer.FinalDeletes);

            // Once the deletion is observed (pod gone), a pod that comes back under the same UID is deleted again.
            await syncer.SyncAsync(uid, null, marked, fresh: false, CancellationToken.None);
            await syncer.SyncAsync(uid, marked, null, fresh: false, CancellationToken.None);
            Assert.Equal(2, syncer.FinalDeletes);
        }
        finally
        {
            await runtime.DisposeAsync();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(0, 24)]
    [InlineData(4, 8)]
    public async Task Pod_workers_bound_how_many_pods_start_at_once(int workers, int pods)
    {
        var node = "hollow-" + Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), node);
        var client = api.Server.Client;
        // Created before the kubelet starts, so that its first list hands it every pod at once.
        var names = new List<string>();
        for (var i = 0; i < pods; i++)
        {
            var pod = TestObjects.PodWith(KubeletEnvironment.Unique("burst"), TestObjects.Shell("app", "sleep 3600"));
            await client.CreateAsync(pod with { Spec = pod.Spec! with { NodeName = node } });
            names.Add(pod.Metadata.Name!);
        }
        var runtime = new ConcurrencyProbe(new SimulatedRuntime(TimeSpan.FromMilliseconds(500), TimeProvider.System));
        var options = new KubeletOptions { NodeName = node, RootDir = root, Runtime = RuntimeKinds.Simulated, PodWorkers = workers };
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var informer = new Informer<Pod>(client, new InformerOptions { FieldSelector = "spec.nodeName=" + node });
        var manager = new PodWorkers(node, options, informer, runtime, TimeProvider.System, logger);
        using var killer = new ContainerKiller(runtime, events: null);
        try
        {
            manager.Start(new PodSyncer(node, options, runtime, client, events: null, probes: null, killer, TimeProvider.System, logger));
            informer.Start();
            await Eventually.WaitAsync(() => client.ListAsync<Pod>("default", fieldSelector: "spec.nodeName=" + node),
                l => l.Items.Count(p => p.Status?.Phase == PodPhase.Running) == pods, TimeSpan.FromSeconds(30), $"{pods} pods Running");

            if (workers == 0)
            {
                // One worker per pod: far more than Docker's 16 start together (all of them, unless the machine stalls).
                Assert.InRange(runtime.MaxConcurrentSandboxStarts, KubeletOptions.DockerPodWorkers + 1, pods);
            }
            else
            {
                Assert.Equal(workers, runtime.MaxConcurrentSandboxStarts);
            }
        }
        finally
        {
            await manager.DisposeAsync();
            await informer.DisposeAsync();
            await runtime.DisposeAsync();
            foreach (var name in names)
            {
                await client.DeleteAsync<Pod>(name, "default", new DeleteOptions { GracePeriodSeconds = 0 });
            }
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>A runtime that counts how many sandboxes are being started at the same time.</summary>
    private sealed class ConcurrencyProbe(IContainerRuntime inner) : IContainerRuntime
    {
        private int _starting;
        private int _max;

        public int MaxConcurrentSandboxStarts => Volatile.Read(ref _max);

        public async Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _starting);
            for (var seen = Volatile.Read(ref _max); now > seen && Interlocked.CompareExchange(ref _max, now, seen) != seen; seen = Volatile.Read(ref _max))
            {
            }
            try
            {
                return await inner.RunSandboxAsync(spec, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _starting);
            }
        }

        public Task<string> GetVersionAsync(CancellationToken cancellationToken) => inner.GetVersionAsync(cancellationToken);

        public Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken) =>
            inner.ListContainersAsync(podUid, cancellationToken);

        public Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken) => inner.InspectContainerAsync(id, cancellationToken);

        public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) => inner.ImageExistsAsync(image, cancellationToken);

        public Task PullImageAsync(string image, CancellationToken cancellationToken) => inner.PullImageAsync(image, cancellationToken);

        public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken) => inner.CreateContainerAsync(spec, cancellationToken);

        public Task StartContainerAsync(string id, CancellationToken cancellationToken) => inner.StartContainerAsync(id, cancellationToken);

        public Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
            inner.StopContainerAsync(id, gracePeriod, cancellationToken);

        public Task RemoveContainerAsync(string id, CancellationToken cancellationToken) => inner.RemoveContainerAsync(id, cancellationToken);

        public Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken) =>
            inner.ExecAsync(id, command, timeout, cancellationToken);

        public Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken) =>
            inner.StartExecStreamAsync(id, command, options, cancellationToken);

        public Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken) =>
            inner.AttachAsync(id, options, cancellationToken);

        public Task WriteLogsAsync(string id, LogOptions options, Stream output, CancellationToken cancellationToken) =>
            inner.WriteLogsAsync(id, options, output, cancellationToken);

        public IAsyncEnumerable<RuntimeEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);

        public IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, CancellationToken cancellationToken) =>
            inner.StreamStatsAsync(id, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static async Task<string> CollectAsync(IAsyncEnumerable<string> chunks)
    {
        var sb = new StringBuilder();
        await foreach (var chunk in chunks)
        {
            sb.Append(chunk);
        }
        return sb.ToString();
    }
}
