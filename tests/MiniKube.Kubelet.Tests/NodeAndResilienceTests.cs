using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

public sealed class NodeAndResilienceTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Node_registers_with_capacity_labels_taints_conditions_and_renews_its_lease()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with
        {
            Cpu = "3",
            Memory = "5Gi",
            MaxPods = 42,
            NodeLabels = new Dictionary<string, string> { ["zone"] = "a", ["tier"] = "test" },
            Taints = [new Taint { Key = "dedicated", Value = "tests", Effect = TaintEffect.NoSchedule }],
        });
        var node = await Eventually.WaitAsync(() => env.Client.GetAsync<Node>(env.Node), n => n.Status?.Conditions is not null, TimeSpan.FromSeconds(10), "node status");
        Assert.Equal(Quantity.Parse("3"), node.Status!.Capacity!["cpu"]);
        Assert.Equal(Quantity.Parse("5Gi"), node.Status.Capacity["memory"]);
        Assert.Equal(Quantity.Parse("42"), node.Status.Capacity["pods"]);
        Assert.Equal(Quantity.Parse("5Gi"), node.Status.Allocatable!["memory"]);
        var labels = node.Metadata.Labels!;
        Assert.Equal(env.Node, labels["kubernetes.io/hostname"]);
        Assert.Equal("linux", labels["kubernetes.io/os"]);
        Assert.True(labels.ContainsKey("kubernetes.io/arch"));
        Assert.Equal("a", labels["zone"]);
        Assert.Equal("test", labels["tier"]);
        var taint = Assert.Single(node.Spec!.Taints!);
        Assert.Equal(("dedicated", "tests", TaintEffect.NoSchedule), (taint.Key, taint.Value, taint.Effect));
        var ready = node.Status.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal((ConditionStatus.True, "KubeletReady", "kubelet is posting ready status"), (ready.Status, ready.Reason, ready.Message));
        foreach (var type in new[] { NodeConditionType.MemoryPressure, NodeConditionType.DiskPressure, NodeConditionType.PidPressure })
        {
            Assert.Equal(ConditionStatus.False, node.Status.Conditions!.Single(c => c.Type == type).Status);
        }
        Assert.Equal("v1.32.0-minikube", node.Status.NodeInfo!.KubeletVersion);
        Assert.StartsWith("docker://20.", node.Status.NodeInfo.ContainerRuntimeVersion, StringComparison.Ordinal);
        Assert.Equal(env.Host!.Port, node.Status.DaemonEndpoints!.KubeletEndpoint!.Port);
        Assert.Contains(node.Status.Addresses!, a => a.Type == NodeAddressType.InternalIP && a.Address == "127.0.0.1");

        var lease = await Eventually.WaitAsync(() => env.Client.GetAsync<Lease>(env.Node, "kube-node-lease"), l => l.Spec?.RenewTime is not null, TimeSpan.FromSeconds(10), "lease");
        Assert.Equal(env.Node, lease.Spec!.HolderIdentity);
        Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
        var renewed = await Eventually.WaitAsync(() => env.Client.GetAsync<Lease>(env.Node, "kube-node-lease"),
            l => l.Spec?.RenewTime > lease.Spec.RenewTime, TimeSpan.FromSeconds(10), "lease renewed");
        Assert.NotNull(renewed.Spec!.RenewTime);
    }

    [DockerFact]
    public async Task Status_is_written_only_when_it_changes_and_node_status_at_least_every_report_period()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with { NodeStatusReportFrequency = TimeSpan.FromSeconds(2) });
        var name = KubeletEnvironment.Unique("quiet");
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        var running = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.Ready == true, "ready");
        var uid = created.Metadata.Uid!;
        var syncs = env.Agent.Pods.SyncCount(uid);
        await Eventually.WaitAsync(() => Task.FromResult(env.Agent.Pods.SyncCount(uid) >= syncs + 3), TimeSpan.FromSeconds(20), "three more syncs");
        Assert.Equal(running.Metadata.ResourceVersion, (await env.GetPodAsync(name)).Metadata.ResourceVersion);

        static DateTimeOffset? Heartbeat(Node n) => n.Status?.Conditions?.Single(c => c.Type == NodeConditionType.Ready).LastHeartbeatTime;
        var node = await env.Client.GetAsync<Node>(env.Node);
        var beat = await Eventually.WaitAsync(() => env.Client.GetAsync<Node>(env.Node), n => Heartbeat(n) > Heartbeat(node), TimeSpan.FromSeconds(15),
            "node status re-posted with a newer heartbeat");
        var ready = beat.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal(node.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready).LastTransitionTime, ready.LastTransitionTime);
    }

    [DockerFact]
    public async Task Restarted_kubelet_adopts_running_containers_without_restarting_them()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("adopt");
        var container = TestObjects.Shell("app", "sleep 3600") with
        {
            ReadinessProbe = new Probe { Exec = new ExecAction { Command = ["true"] }, PeriodSeconds = 1 },
        };
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var before = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.Ready == true, "ready");
        var id = KubeletEnvironment.ContainerId(before, "app");
        var startedAt = (await DockerCli.InspectAsync(id)).GetProperty("State").GetProperty("StartedAt").GetString();

        await env.StopKubeletAsync();
        await env.StartKubeletAsync();
        var uid = created.Metadata.Uid!;
        await Eventually.WaitAsync(() => Task.FromResult(env.Agent.Pods.SyncCount(uid) >= 3), TimeSpan.FromSeconds(20), "three syncs by the new kubelet");

        var after = await env.GetPodAsync(name);
        Assert.Equal(id, KubeletEnvironment.ContainerId(after, "app"));
        Assert.Equal(0, KubeletEnvironment.StatusOf(after, "app")!.RestartCount);
        Assert.True(KubeletEnvironment.StatusOf(after, "app")!.Ready);
        var inspect = await DockerCli.InspectAsync(id);
        Assert.Equal(startedAt, inspect.GetProperty("State").GetProperty("StartedAt").GetString());
        Assert.True(inspect.GetProperty("State").GetProperty("Running").GetBoolean());
        Assert.Equal(2, (await env.ContainersOfPodAsync(uid)).Count);
    }

    [DockerFact]
    public async Task Re_registration_that_conflicts_with_another_writer_rereads_the_node_and_retries_with_backoff()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        await env.StopKubeletAsync();

        // Another writer updates the Node between the kubelet's read and its update, three times in a row, so each of the
        // kubelet's updates is a real Conflict from the API server.
        const int Races = 3;
        var calls = 0;
        using var writer = api.Server.NewClient();
        var restartedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await env.StartKubeletAsync(host => host.BeforeNodeReRegisterUpdate = async (node, ct) =>
        {
            var call = Interlocked.Increment(ref calls);
            if (call <= Races)
            {
                await writer.PatchAsync<Node>(node, null, "{\"metadata\":{\"labels\":{\"racer-" + call.ToString(CultureInfo.InvariantCulture) + "\":\"yes\"}}}", cancellationToken: ct);
            }
        }).WaitAsync(TimeSpan.FromSeconds(30));
        var elapsed = clock.Elapsed;

        Assert.Equal(Races + 1, calls);
        // Capped exponential back-off between attempts: 200 ms, 400 ms, 800 ms.
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(1400), $"registered after {elapsed}: no back-off between attempts");
        var node = await env.Client.GetAsync<Node>(env.Node);
        var labels = node.Metadata.Labels!;
        // Each attempt re-read the Node, so the other writer's changes survive next to the kubelet's own labels.
        Assert.All(Enumerable.Range(1, Races), i => Assert.Equal("yes", labels[$"racer-{i}"]));
        Assert.Equal(env.Node, labels["kubernetes.io/hostname"]);
        await Eventually.WaitAsync(() => env.Client.GetAsync<Lease>(env.Node, "kube-node-lease"), l => l.Spec?.RenewTime > restartedAt,
            TimeSpan.FromSeconds(10), "the lease renewed by the restarted kubelet");
        var ready = node.Status!.Conditions!.Single(c => c.Type == NodeConditionType.Ready);
        Assert.Equal(ConditionStatus.True, ready.Status);
    }

    [DockerFact]
    public async Task Two_kubelets_on_one_engine_leave_each_others_containers_alone()
    {
        await using var a = await KubeletEnvironment.StartAsync(api.Server);
        await using var b = await KubeletEnvironment.StartAsync(api.Server);
        var podA = KubeletEnvironment.Unique("on-a");
        var podB = KubeletEnvironment.Unique("on-b");
        await a.CreatePodAsync(TestObjects.PodWith(podA, TestObjects.Shell("app", "sleep 3600")));
        await b.CreatePodAsync(TestObjects.PodWith(podB, TestObjects.Shell("app", "sleep 3600")));
        await a.WaitForPhaseAsync(podA, PodPhase.Running);
        var runningB = await b.WaitForPhaseAsync(podB, PodPhase.Running);
        var idB = KubeletEnvironment.ContainerId(runningB, "app");

        // A's housekeeping sees B's containers on the same engine: they are not A's orphans.
        await a.Agent.Pods.CollectOrphansAsync(CancellationToken.None);
        await a.DeletePodAsync(podA);
        await Eventually.WaitAsync(async () => (await DockerCli.ListContainersAsync($"{ContainerLabels.Node}={a.Node}")).Count == 0,
            TimeSpan.FromSeconds(20), "node A's containers gone");
        await a.Agent.Pods.CollectOrphansAsync(CancellationToken.None);

        var stillB = await b.GetPodAsync(podB);
        Assert.Equal(idB, KubeletEnvironment.ContainerId(stillB, "app"));
        Assert.True((await DockerCli.InspectAsync(idB)).GetProperty("State").GetProperty("Running").GetBoolean());
        Assert.Equal(2, (await DockerCli.ListContainersAsync($"{ContainerLabels.Node}={b.Node}")).Count);
    }

    [DockerFact]
    public async Task Containers_labelled_for_the_node_without_a_pod_are_removed()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var orphan = (await DockerCli.RunAsync("run", "-d", "--label", $"{ContainerLabels.Node}={env.Node}", "--label", $"{ContainerLabels.PodUid}=no-such-pod",
            "--label", $"{ContainerLabels.ContainerType}={ContainerLabels.TypeContainer}", TestObjects.Busybox, "sleep", "3600")).EnsureSuccess().StandardOutput.Trim();
        await Eventually.WaitAsync(async () => !(await DockerCli.ListContainersAsync($"{ContainerLabels.Node}={env.Node}")).Contains(orphan),
            TimeSpan.FromSeconds(30), "orphan removed by housekeeping");
    }

    [DockerFact]
    public async Task Graceful_deletion_sends_SIGTERM_then_SIGKILL_after_the_grace_period()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("grace");
        var pod = TestObjects.PodWith(name,
            TestObjects.Shell("trapper", "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.1; done"),
            TestObjects.Shell("stubborn", "trap '' TERM; sleep 3600")) with { };
        pod = pod with { Spec = pod.Spec! with { TerminationGracePeriodSeconds = 4 } };
        var created = await env.CreatePodAsync(pod);
        await env.WaitForPhaseAsync(name, PodPhase.Running);
        var since = DateTimeOffset.UtcNow;
        await env.DeletePodAsync(name);
        var marked = await env.GetPodAsync(name);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(4, marked.Metadata.DeletionGracePeriodSeconds);

        await Eventually.WaitAsync(async () =>
        {
            try
            {
                await env.GetPodAsync(name);
                return false;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), "pod object removed");
        var gone = DateTimeOffset.UtcNow;
        Assert.Empty(await env.ContainersOfPodAsync(created.Metadata.Uid!));

        var events = (await DockerCli.RunAsync("events", "--since", since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--until", (gone.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture),
            "--filter", $"label={ContainerLabels.PodUid}={created.Metadata.Uid}", "--filter", "event=die",
            "--format", "{{index .Actor.Attributes \"io.minikube.container.name\"}} {{.Actor.Attributes.exitCode}} {{.TimeNano}}")).EnsureSuccess().StandardOutput;
        var deaths = events.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Where(p => p.Length == 3 && p[0].Length > 0)
            .ToDictionary(p => p[0], p => (Exit: int.Parse(p[1], CultureInfo.InvariantCulture),
                At: DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(p[2], CultureInfo.InvariantCulture) / 1_000_000)));
        // The trapper ran its TERM handler (exit 0, where SIGKILL gives 137), so it had SIGTERM and was not killed; and it
        // was gone before the stubborn one was killed at the end of the grace period. Ordering, not a wall-clock bound:
        // on a busy machine the handler can take a while to run, but not the whole grace period.
        Assert.Equal(0, deaths["trapper"].Exit);
        Assert.True(deaths["trapper"].At < deaths["stubborn"].At,
            $"trapper exited {(deaths["trapper"].At - since).TotalSeconds:0.0}s after delete, not before stubborn was killed ({(deaths["stubborn"].At - since).TotalSeconds:0.0}s)");
        Assert.Equal(137, deaths["stubborn"].Exit);
        Assert.True(deaths["stubborn"].At - since >= TimeSpan.FromSeconds(3.5), $"stubborn killed {(deaths["stubborn"].At - since).TotalSeconds:0.0}s after delete");
    }

    [DockerFact]
    public async Task Missing_image_gives_ErrImagePull_then_ImagePullBackOff_and_Never_gives_ErrImageNeverPull()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with { CrashLoopInitialBackoff = TimeSpan.FromSeconds(5) });
        var pull = KubeletEnvironment.Unique("pull");
        var never = KubeletEnvironment.Unique("never");
        var seen = new HashSet<string>();
        // A registry on a closed loopback port: the pull really fails, at once, and nothing leaves the machine
        // (a bare name would send the engine to Docker Hub).
        var image = "127.0.0.1:1/minikube/does-not-exist:" + Guid.NewGuid().ToString("N")[..6];
        await env.CreatePodAsync(TestObjects.PodWith(pull, new Container { Name = "app", Image = image }));
        await env.CreatePodAsync(TestObjects.PodWith(never, new Container { Name = "app", Image = image, ImagePullPolicy = PullPolicy.Never }));

        var errPull = await env.WaitForPodAsync(pull, p =>
        {
            if (KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting?.Reason is { } reason)
            {
                seen.Add(reason);
            }
            // ErrImagePull comes first; check while in ImagePullBackOff (pulls are retried, so the two alternate).
            return seen.Contains("ErrImagePull") && KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting?.Reason == "ImagePullBackOff";
        }, "ErrImagePull then ImagePullBackOff", TimeSpan.FromSeconds(45));
        Assert.Equal(PodPhase.Pending, errPull.Status!.Phase);
        Assert.Equal($"Back-off pulling image \"{image}\"", KubeletEnvironment.StatusOf(errPull, "app")!.State!.Waiting!.Message);
        var events = await Eventually.WaitAsync(() => env.EventsForAsync(errPull), e => e.Any(x => x.Message == "Error: ErrImagePull"), TimeSpan.FromSeconds(10), "pull events");
        Assert.Contains(events, e => e.Reason == "Pulling" && e.Message == $"Pulling image \"{image}\"");
        Assert.Contains(events, e => e.Reason == "Failed" && e.Message!.StartsWith($"Failed to pull image \"{image}\": ", StringComparison.Ordinal));

        var neverPod = await env.WaitForPodAsync(never, p => KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting?.Reason == "ErrImageNeverPull", "ErrImageNeverPull");
        Assert.Equal($"Container image \"{image}\" is not present with pull policy of Never", KubeletEnvironment.StatusOf(neverPod, "app")!.State!.Waiting!.Message);
    }

    [DockerFact]
    public async Task Stats_summary_reports_memory_of_a_running_pod()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("stats");
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "while true; do :; done")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);
        using var http = new HttpClient();
        var summary = await Eventually.WaitAsync(
            async () => await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{env.Host!.Port}/stats/summary"),
            s => s.GetProperty("pods").EnumerateArray().Any(p => p.GetProperty("podRef").GetProperty("uid").GetString() == created.Metadata.Uid
                && p.GetProperty("memory").GetProperty("workingSetBytes").GetInt64() > 0
                && p.GetProperty("cpu").GetProperty("usageNanoCores").GetInt64() > 0),
            TimeSpan.FromSeconds(20), "pod stats with memory and cpu");
        var pod = summary.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("podRef").GetProperty("uid").GetString() == created.Metadata.Uid);
        Assert.Equal(name, pod.GetProperty("podRef").GetProperty("name").GetString());
        var container = Assert.Single(pod.GetProperty("containers").EnumerateArray());
        Assert.Equal("app", container.GetProperty("name").GetString());
        Assert.Equal(env.Node, summary.GetProperty("node").GetProperty("nodeName").GetString());
    }
}

public sealed class ApiServerOutageTests
{
    [DockerFact]
    public async Task Pods_keep_running_while_the_api_server_is_down_and_the_kubelet_resyncs_when_it_returns()
    {
        var port = FreePort.Get();
        var etcd = await SharedEtcd.GetEndpointAsync();
        var prefix = SharedEtcd.NewPrefix() + "/registry";
        var first = await TestApiServer.StartAsync(etcd, prefix, o => o.GrpcPort = port);
        TestApiServer? second = null;
        try
        {
            await using var env = await KubeletEnvironment.StartAsync(first);
            var name = KubeletEnvironment.Unique("outage");
            var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
            var running = await env.WaitForPhaseAsync(name, PodPhase.Running);
            var id = KubeletEnvironment.ContainerId(running, "app");
            var uid = created.Metadata.Uid!;

            await first.DisposeAsync();
            first = null;
            var syncs = env.Agent.Pods.SyncCount(uid);
            await Eventually.WaitAsync(() => Task.FromResult(env.Agent.Pods.SyncCount(uid) >= syncs + 2), TimeSpan.FromSeconds(20),
                "resyncs while the API server is down");
            Assert.True((await DockerCli.InspectAsync(id)).GetProperty("State").GetProperty("Running").GetBoolean());

            second = await TestApiServer.StartAsync(etcd, prefix, o => o.GrpcPort = port);
            await second.Client.DeleteAsync<Pod>(name, "default");
            await Eventually.WaitAsync(async () => (await env.ContainersOfPodAsync(uid)).Count == 0, TimeSpan.FromSeconds(60),
                "the kubelet saw the deletion after the API server came back");
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    await second.Client.GetAsync<Pod>(name, "default");
                    return false;
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    return true;
                }
            }, TimeSpan.FromSeconds(20), "pod object deleted");
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    [DockerFact]
    public async Task A_container_that_restarts_while_the_api_server_is_down_gets_the_configmap_values_last_read()
    {
        TestApiServer? api = await TestApiServer.StartAsync();
        try
        {
            await using var env = await KubeletEnvironment.StartAsync(api);
            var name = KubeletEnvironment.Unique("lastread");
            await api.Client.CreateAsync(new ConfigMap
            {
                Metadata = new ObjectMeta { Name = name, Namespace = "default" },
                Data = new Dictionary<string, string> { ["greeting"] = "hello" },
            });
            var app = TestObjects.Shell("app", "echo \"file=$(cat /etc/conf/greeting) env=$GREETING\"; sleep 1; exit 1") with
            {
                Env = [new EnvVar { Name = "GREETING", ValueFrom = new EnvVarSource { ConfigMapKeyRef = new ConfigMapKeySelector { Name = name, Key = "greeting" } } }],
                VolumeMounts = [new VolumeMount { Name = "conf", MountPath = "/etc/conf" }],
            };
            var pod = TestObjects.PodWith(name, app);
            pod = pod with { Spec = pod.Spec! with { Volumes = [new Volume { Name = "conf", ConfigMap = new ConfigMapVolumeSource { Name = name } }] } };
            var uid = (await env.CreatePodAsync(pod)).Metadata.Uid!;
            await env.WaitForPhaseAsync(name, PodPhase.Running);
            var before = (await env.ContainersOfPodAsync(uid)).ToHashSet();

            // The crash-looping container is started again by the kubelet alone: with no API server to read the ConfigMap from.
            await api.DisposeAsync();
            api = null;
            // The failure message shows what the containers started since then printed (their logs), or that none started.
            await Eventually.WaitAsync(async () =>
            {
                var logs = new List<string>();
                foreach (var id in (await env.ContainersOfPodAsync(uid)).Where(id => !before.Contains(id)))
                {
                    logs.Add(id[..12] + ": " + (await env.DockerLogsAsync(id)).Trim());
                }
                return string.Join("; ", logs);
            }, logs => logs.Contains("file=hello env=hello", StringComparison.Ordinal), TimeSpan.FromSeconds(90),
                "a container started after the API server went away to print the ConfigMap's values");
        }
        finally
        {
            if (api is not null)
            {
                await api.DisposeAsync();
            }
        }
    }
}
