using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// <c>minictl cluster up --control-planes 3</c> on real processes: a three-member etcd cluster, three API servers, a
/// scheduler and a controller-manager next to each, and what a kill -9 of one of them costs (real Docker pods).
/// </summary>
public sealed partial class HaControlPlaneTests(HaClusterFixture cluster) : IClassFixture<HaClusterFixture>
{
    [DockerFact]
    public async Task Three_control_planes_run_one_etcd_cluster_with_one_leader_and_one_acting_scheduler_and_controller_manager()
    {
        var state = cluster.State;
        Assert.Equal(3, state.ControlPlanes);
        Assert.Equal(3, ClientConfig.ParseServers(state.ServerUrl).Count);
        Assert.Contains("server: " + state.ServerUrl, await File.ReadAllTextAsync(cluster.ClusterHome.ConfigFile), StringComparison.Ordinal);
        foreach (var component in state.Components.Where(c => c.Role is ClusterComponents.Kubelet or ClusterComponents.Proxy
                     or ClusterComponents.Scheduler or ClusterComponents.ControllerManager))
        {
            Assert.Contains(state.ServerUrl, component.Command);
        }
        foreach (var component in state.Components.Where(c => c.Role == ClusterComponents.ApiServer))
        {
            Assert.Contains(state.EtcdEndpoints, component.Command);
        }
        Assert.Equal(3, ClientConfig.ParseServers(state.EtcdEndpoints).Count);

        // etcd's own view: three started members, one leader.
        var members = await EtcdctlAsync(state, "member", "list");
        Assert.Equal(3, members.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(", started,", StringComparison.Ordinal)));

        var status = await Eventually.WaitAsync(() => cluster.MinictlAsync("cluster", "status"),
            s => s.ExitCode == 0 && Count(s.Output, EtcdLeader()) == 1
                && LeaseLeaders(s.Output, ClusterComponents.Scheduler) == 1 && LeaseLeaders(s.Output, ClusterComponents.ControllerManager) == 1,
            Workloads.Timeout, "cluster status to show one etcd leader and one leading scheduler and controller-manager");
        Assert.Equal(2, Count(status.Output, EtcdFollower()));
        Assert.Equal(2, Regex.Matches(status.Output, @"(?m)^scheduler(-\d)?\s.*standby").Count);
        Assert.Equal(2, Regex.Matches(status.Output, @"(?m)^controller-manager(-\d)?\s.*standby").Count);
    }

    [DockerFact]
    public async Task A_killed_api_server_during_a_scale_up_costs_no_client_error_and_no_watch_event_is_missed_or_repeated()
    {
        var name = "ha-" + Guid.NewGuid().ToString("N")[..6];
        using var client = new MiniKubeClient(cluster.State.ServerUrl, cluster.AdminCredentials);
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 2);
            await Workloads.WaitRunningAsync(cluster, name, 2, $"2 running pods of {name}");
            var initial = await client.ListAsync<Pod>("default", labelSelector: "app=" + name);
            var start = initial.ResourceVersion;
            using var stop = new CancellationTokenSource();
            var events = new ConcurrentQueue<WatchEvent<Pod>>();
            var watch = Task.Run(async () =>
            {
                await foreach (var e in client.WatchAsync<Pod>("default", labelSelector: "app=" + name, resourceVersion: start, cancellationToken: stop.Token))
                {
                    events.Enqueue(e);
                }
            });
            var current = client.CurrentServer;

            // Scale up to 8 and kill -9 the API server the client (and the watch) use while the pods are being made.
            await client.PatchAsync<Deployment>(name, "default", """{"spec":{"replicas":8}}""");
            await Eventually.WaitAsync(async () => (await client.ListAsync<Pod>("default", labelSelector: "app=" + name)).Items.Count > 2,
                Workloads.Timeout, "the scale-up to start");
            var victim = cluster.State.Components.Single(c => c.Role == ClusterComponents.ApiServer && c.Command.Contains(PortOf(current)));
            Assert.True(DetachedProcess.KillNow(victim.Pid, victim.StartTicks), $"{victim.Name} was not running");
            var killedAt = events.LastOrDefault()?.Object.Metadata.ResourceVersion;

            // Every call below goes through the same client: none may fail.
            var pods = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                p => p.Count == 8 && p.All(x => x.Status?.Phase == "Running" && x.Status.ContainerStatuses?.All(c => c.Ready) == true),
                Workloads.Timeout, $"8 running pods of {name} after the API server died");
            var list = await client.ListAsync<Pod>("default", labelSelector: "app=" + name);
            Assert.NotEqual(current, client.CurrentServer);
            await Eventually.WaitAsync(() => Task.FromResult(events.LastOrDefault() is { } last
                    && long.Parse(last.Object.Metadata.ResourceVersion!) >= list.Items.Max(p => long.Parse(p.Metadata.ResourceVersion!))),
                Workloads.Timeout, "the watch to catch up with the list");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

            // Gap-free and duplicate-free: versions strictly increase, and replaying the events gives exactly the list.
            var versions = events.Select(e => long.Parse(e.Object.Metadata.ResourceVersion!)).ToList();
            Assert.True(versions.Zip(versions.Skip(1)).All(p => p.First < p.Second), "watch versions not strictly increasing: " + string.Join(",", versions));
            // The watch starts after the first list, so the replay starts from it: a pod unchanged since is in no event.
            // (Without this the test failed whenever one of the two first pods was not modified after the list, which
            // docs/reliability.md had recorded as a watch missing an event on fail-over.)
            var replay = initial.Items.ToDictionary(p => p.Metadata.Name!, p => p.Metadata.ResourceVersion!, StringComparer.Ordinal);
            foreach (var e in events)
            {
                if (e.Type == WatchEventTypes.Deleted)
                {
                    replay.Remove(e.Object.Metadata.Name!);
                }
                else
                {
                    replay[e.Object.Metadata.Name!] = e.Object.Metadata.ResourceVersion!;
                }
            }
            var history = string.Join(", ", events.Select(e => $"{e.Type[0]} {e.Object.Metadata.Name![^5..]}@{e.Object.Metadata.ResourceVersion}"));
            foreach (var pod in list.Items)
            {
                Assert.True(pod.Metadata.ResourceVersion == replay.GetValueOrDefault(pod.Metadata.Name!),
                    $"pod {pod.Metadata.Name} at {pod.Metadata.ResourceVersion} (created at {pod.Metadata.CreationTimestamp}) is not what the watch ends with: " +
                    $"{replay.GetValueOrDefault(pod.Metadata.Name!) ?? "never seen"}; watch from {start}: {history}; killed {current} at {killedAt}");
            }
            Assert.Equal(list.Items.Count, replay.Count);
            Assert.Equal(8, pods.Count);
            Assert.Single((await client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name)).Items);
        }
        finally
        {
            await RestoreAsync();
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }

    [DockerFact]
    public async Task A_killed_api_server_during_a_rolling_update_costs_no_client_error_and_the_rollout_completes_within_max_surge()
    {
        var name = "ha-" + Guid.NewGuid().ToString("N")[..6];
        using var client = new MiniKubeClient(cluster.State.ServerUrl, cluster.AdminCredentials);
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 4);
            await Workloads.WaitRunningAsync(cluster, name, 4, $"4 running pods of {name}");
            var replicaSets = await client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name);
            var asked = replicaSets.Items.ToDictionary(r => r.Metadata.Name!, r => r.Spec?.Replicas ?? 0, StringComparer.Ordinal);
            var mostAsked = asked.Values.Sum();
            using var stop = new CancellationTokenSource();
            // Kubernetes' rolling-update guarantee is on the ReplicaSets: their replicas add up to at most replicas + maxSurge
            // (4 + 25 % = 5), at every write, also across the fail-over of this watch.
            var watch = Task.Run(async () =>
            {
                await foreach (var e in client.WatchAsync<ReplicaSet>("default", labelSelector: "app=" + name, resourceVersion: replicaSets.ResourceVersion,
                                   cancellationToken: stop.Token))
                {
                    asked[e.Object.Metadata.Name!] = e.Type == WatchEventTypes.Deleted ? 0 : e.Object.Spec?.Replicas ?? 0;
                    mostAsked = Math.Max(mostAsked, asked.Values.Sum());
                }
            });
            var current = client.CurrentServer;

            // A merge patch replaces the containers list whole, so the command goes along.
            await client.PatchAsync<Deployment>(name, "default", """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"minikube/busybox:2.0","command":["sh","-c","sleep 3600"]}]}}}}""");
            await Eventually.WaitAsync(async () => (await client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name)).Items.Count > 1,
                Workloads.Timeout, "the rollout's new ReplicaSet");
            var victim = cluster.State.Components.Single(c => c.Role == ClusterComponents.ApiServer && c.Command.Contains(PortOf(current)));
            Assert.True(DetachedProcess.KillNow(victim.Pid, victim.StartTicks), $"{victim.Name} was not running");

            Deployment deployment;
            try
            {
                deployment = await Eventually.WaitAsync(() => client.GetAsync<Deployment>(name, "default"),
                    d => d.Status?.ObservedGeneration >= d.Metadata.Generation && d.Status.UpdatedReplicas == 4 && d.Status.Replicas == 4 && d.Status.AvailableReplicas == 4,
                    Workloads.Timeout, $"the rollout of {name} to complete after the API server died");
            }
            catch (TimeoutException ex)
            {
                var left = await Workloads.PodsAsync(cluster, name);
                throw new TimeoutException(ex.Message[..Math.Min(200, ex.Message.Length)] + "\npods: " + string.Join("\n", left.Select(p =>
                    $"{p.Metadata.Name} {p.Spec?.Containers[0].Image} node={p.Spec?.NodeName} phase={p.Status?.Phase} ready={p.Status?.ContainerStatuses?.All(c => c.Ready)} deleting={p.Metadata.DeletionTimestamp}"))
                    + "\n" + cluster.LogTails(), ex);
            }
            var pods = await Workloads.WaitRunningAsync(cluster, name, 4, $"4 running pods of {name} on the new image");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

            Assert.NotEqual(current, client.CurrentServer);
            Assert.All(pods, p => Assert.Equal("minikube/busybox:2.0", p.Spec!.Containers[0].Image));
            Assert.True(mostAsked <= 5, $"the ReplicaSets of {name} asked for {mostAsked} pods at once (replicas 4 + maxSurge 1)");
            var final = (await client.ListAsync<ReplicaSet>("default", labelSelector: "app=" + name)).Items;
            Assert.Equal([0, 4], final.Select(r => r.Spec?.Replicas ?? 0).Order());
            Assert.Equal(4, deployment.Status!.UpdatedReplicas);
        }
        finally
        {
            await RestoreAsync();
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }

    [DockerFact]
    public async Task Killing_an_etcd_follower_and_then_the_etcd_leader_keeps_writes_going_and_pods_running_untouched()
    {
        var name = "ha-" + Guid.NewGuid().ToString("N")[..6];
        using var client = new MiniKubeClient(cluster.State.ServerUrl, cluster.AdminCredentials);
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, replicas: 2);
            var pods = await Workloads.WaitRunningAsync(cluster, name, 2, $"2 running pods of {name}");
            var containers = await ContainerIdsAsync(pods);

            foreach (var role in new[] { "follower", "leader" })
            {
                var member = await EtcdMemberAsync(role);
                await KillAndWaitAsync(member);

                // Writes go on (after a new leader is elected when the leader died): each create below must succeed.
                var first = await Eventually.WaitAsync(async () =>
                    {
                        try
                        {
                            return await client.CreateAsync(TestObjects.ConfigMap($"{name}-{role}-0", "default"));
                        }
                        catch (ApiException ex) when (ex.Reason == StatusReasons.AlreadyExists)
                        {
                            return await client.GetAsync<ConfigMap>($"{name}-{role}-0", "default");
                        }
                    }, Workloads.Timeout, $"a write to succeed after etcd {role} {member.Name} died");
                Assert.NotNull(first);
                for (var i = 1; i <= 10; i++)
                {
                    await client.CreateAsync(TestObjects.ConfigMap($"{name}-{role}-{i}", "default"));
                }
                var status = await Eventually.WaitAsync(() => cluster.MinictlAsync("cluster", "status"), s => Count(s.Output, EtcdLeader()) == 1,
                    Workloads.Timeout, "cluster status to show one etcd leader among the survivors");
                Assert.Matches($@"(?m)^{Regex.Escape(member.Name)}\s+-\s+Stopped", status.Output);

                // The pods never noticed: same containers, still running, no restart.
                Assert.Equal(containers, await ContainerIdsAsync(await Workloads.WaitRunningAsync(cluster, name, 2, $"2 running pods of {name}")));
                Assert.All(await Workloads.PodsAsync(cluster, name), p => Assert.Equal(0, p.Status!.ContainerStatuses!.Single().RestartCount));

                // cluster up brings the member back into the cluster.
                await RestoreAsync();
                var members = await EtcdctlAsync(cluster.State, "member", "list");
                Assert.Equal(3, members.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(", started,", StringComparison.Ordinal)));
            }
        }
        finally
        {
            await RestoreAsync();
            await Workloads.DeleteDeploymentAsync(cluster, name);
        }
    }

    [DockerFact]
    public async Task A_killed_kubelet_leaves_its_containers_running_and_its_restart_adopts_them_with_the_same_ids_and_restart_count()
    {
        var name = "ha-kl-" + Guid.NewGuid().ToString("N")[..6];
        var manifest = Path.Combine(cluster.Home, name + ".yaml");
        // The container fails once (restartCount 1 to keep: the marker is in an emptyDir, which outlives the container),
        // then runs until the test asks it to fail again, which only a live kubelet can answer with restart number 2.
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
            spec:
              terminationGracePeriodSeconds: 1
              volumes:
              - name: data
                emptyDir: {}
              containers:
              - name: app
                image: minikube/busybox:1.0
                command: ["sh", "-c", "[ -f /data/once ] || { touch /data/once; exit 1; }; while [ ! -f /data/again ]; do sleep 0.2; done; rm /data/again; exit 1"]
                volumeMounts:
                - {name: data, mountPath: /data}
            """);
        var create = await cluster.MinictlAsync("create", "-f", manifest);
        Assert.True(create.ExitCode == 0, create.ToString());
        try
        {
            var before = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>(name, "default"),
                p => p.Status?.ContainerStatuses?.SingleOrDefault() is { RestartCount: 1, State.Running: not null, ContainerID: not null },
                Workloads.Timeout, $"pod {name} to run again after its first failure (restartCount 1)");
            var node = before.Spec!.NodeName!;
            var app = before.Status!.ContainerStatuses!.Single().ContainerID!;
            var appId = app[(app.IndexOf("://", StringComparison.Ordinal) + 3)..];
            var startedAt = (await DockerCli.InspectAsync(appId)).GetProperty("State").GetProperty("StartedAt").GetString();
            var containers = (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={before.Metadata.Uid}", runningOnly: true)).Order(StringComparer.Ordinal).ToList();

            var kubelet = cluster.State.Find(ClusterComponents.KubeletName(node)) ?? throw new InvalidOperationException($"no kubelet of {node} in the cluster state");
            await KillAndWaitAsync(kubelet);
            Assert.True((await DockerCli.InspectAsync(appId)).GetProperty("State").GetProperty("Running").GetBoolean(), "the app container stopped with its kubelet");

            var restarted = DateTimeOffset.UtcNow;
            await RestoreAsync();
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Lease>(node, "kube-node-lease"), l => l.Spec?.RenewTime > restarted,
                Workloads.Timeout, $"the restarted kubelet of {node} to renew its node Lease");

            // Adopted, not recreated: the same containers, the app started once, at the same time as before the kill.
            Assert.Equal(containers, (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={before.Metadata.Uid}", runningOnly: true)).Order(StringComparer.Ordinal));
            var inspect = await DockerCli.InspectAsync(appId);
            Assert.True(inspect.GetProperty("State").GetProperty("Running").GetBoolean(), "the adopted app container is not running");
            Assert.Equal(startedAt, inspect.GetProperty("State").GetProperty("StartedAt").GetString());

            // The new kubelet counts on from the old one's restartCount.
            var touch = await DockerCli.RunAsync("exec", appId, "touch", "/data/again");
            Assert.True(touch.ExitCode == 0, touch.StandardError);
            var after = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>(name, "default"),
                p => p.Status?.ContainerStatuses?.SingleOrDefault() is { RestartCount: >= 2, State.Running: not null },
                Workloads.Timeout, $"the restarted kubelet to restart {name}'s container a second time");
            var status = after.Status!.ContainerStatuses!.Single();
            Assert.Equal(2, status.RestartCount);
            Assert.Equal(app, status.LastState?.Terminated?.ContainerID);
            Assert.NotEqual(app, status.ContainerID);
        }
        finally
        {
            await cluster.MinictlAsync("delete", "pod", name, "--grace-period", "1");
        }
    }

    [DockerFact]
    public async Task A_silent_etcd_member_costs_writes_and_watches_seconds_not_a_stall()
    {
        // A killed container or a lost host sends no reset: SIGSTOP makes the member every API server uses first (the
        // first of --etcd-servers) silent the same way. Before the etcd channel pinged every 5 s, the API servers' watch
        // caches stayed on it for the 30 s ping delay plus 10 s, so nothing new was scheduled for 40 s (42.8 s measured);
        // now ~10 s. The bound leaves room for a loaded machine.
        var name = "ha-st-" + Guid.NewGuid().ToString("N")[..6];
        var first = ClientConfig.ParseServers(cluster.State.EtcdEndpoints)[0];
        var member = cluster.State.Components.Single(c => c.Role == ClusterComponents.Etcd && c.Command.Contains(first));
        // Fresh API servers start on the first member (an earlier test's kill may have moved them on).
        foreach (var apiServer in cluster.State.Components.Where(c => c.Role == ClusterComponents.ApiServer))
        {
            await KillAndWaitAsync(apiServer);
        }
        await RestoreAsync();
        using var client = new MiniKubeClient(cluster.State.ServerUrl, cluster.AdminCredentials);
        await Eventually.WaitAsync(async () => (await client.ListAsync<Node>()).Items.Count(n => n.Status?.Conditions?.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True) == true) == 2,
            Workloads.Timeout, "both nodes Ready through the restarted API servers");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Assert.True(ProcFs.IsAlive(member.Pid, member.StartTicks), $"{member.Name} was not running");
            await SignalAsync("STOP", member.Pid);
            clock.Restart();
            await client.CreateAsync(TestObjects.ConfigMap(name, "default"));
            var write = clock.Elapsed;
            await client.CreateAsync(TestObjects.Pod(name, "default", image: "minikube/busybox:1.0"));
            var bound = await Eventually.WaitAsync(() => client.GetAsync<Pod>(name, "default"), p => p.Spec?.NodeName is { Length: > 0 },
                Workloads.Timeout, $"pod {name} to be bound while {member.Name} is stopped");
            var scheduled = clock.Elapsed;
            Assert.True(write < TimeSpan.FromSeconds(20), $"the first write took {write.TotalSeconds:0.0} s with {member.Name} silent");
            Assert.True(scheduled < TimeSpan.FromSeconds(35),
                $"a pod created with {member.Name} silent was bound after {scheduled.TotalSeconds:0.0} s (first write {write.TotalSeconds:0.0} s): the watch caches stalled");
            Assert.Equal(name, bound.Metadata.Name);
        }
        finally
        {
            await SignalAsync("CONT", member.Pid);
            await DeleteIfThereAsync<Pod>(client, name);
            await DeleteIfThereAsync<ConfigMap>(client, name);
        }
    }

    [DockerFact]
    public async Task A_silent_api_server_costs_a_watch_seconds_and_reads_no_error()
    {
        // SIGSTOP: the API server's socket stays open but nothing answers, as when its host or container vanishes. With the
        // client's old pings (20 s + 10 s) the watch resumed after 32.4 s; now after ~12 s.
        var name = "ha-sa-" + Guid.NewGuid().ToString("N")[..6];
        using var client = new MiniKubeClient(cluster.State.ServerUrl, cluster.AdminCredentials);
        var start = (await client.ListAsync<ConfigMap>("default", labelSelector: "test=" + name)).ResourceVersion;
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync<ConfigMap>("default", labelSelector: "test=" + name, resourceVersion: start, cancellationToken: stop.Token))
            {
                seen.Enqueue(e.Object.Metadata.Name!);
            }
        });
        var victim = cluster.State.Components.Single(c => c.Role == ClusterComponents.ApiServer && c.Command.Contains(PortOf(client.CurrentServer)));
        using var writer = new MiniKubeClient(string.Join(',', ClientConfig.ParseServers(cluster.State.ServerUrl).Where(u => !victim.Command.Contains(PortOf(u)))), cluster.AdminCredentials);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await SignalAsync("STOP", victim.Pid);
            clock.Restart();
            for (var i = 0; i < 5; i++)
            {
                await writer.CreateAsync(TestObjects.ConfigMap($"{name}-{i}", "default") with
                {
                    Metadata = new ObjectMeta { Name = $"{name}-{i}", Namespace = "default", Labels = new Dictionary<string, string> { ["test"] = name } },
                });
            }
            await Eventually.WaitAsync(() => Task.FromResult(seen.Count >= 5), Workloads.Timeout, $"the watch to see the 5 creates after {victim.Name} went silent");
            var resumed = clock.Elapsed;
            var read = await client.GetAsync<ConfigMap>($"{name}-4", "default");
            Assert.Equal($"{name}-4", read.Metadata.Name);
            Assert.True(resumed < TimeSpan.FromSeconds(25), $"the watch resumed {resumed.TotalSeconds:0.0} s after {victim.Name} went silent");
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{name}-{i}"), seen);
        }
        finally
        {
            await SignalAsync("CONT", victim.Pid);
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
            for (var i = 0; i < 5; i++)
            {
                await DeleteIfThereAsync<ConfigMap>(writer, $"{name}-{i}");
            }
        }
    }

    private static async Task DeleteIfThereAsync<T>(MiniKubeClient client, string name) where T : KubeObject
    {
        try
        {
            await client.DeleteAsync<T>(name, "default", new DeleteOptions { GracePeriodSeconds = 0 });
        }
        catch (ApiException ex) when (ex.Reason == StatusReasons.NotFound)
        {
            // Its create is what failed.
        }
    }

    /// <summary>kill -9 of a component, and wait until it is really gone (its ports free again).</summary>
    private static async Task KillAndWaitAsync(ComponentRecord component)
    {
        Assert.True(DetachedProcess.KillNow(component.Pid, component.StartTicks), $"{component.Name} (pid {component.Pid}) was not running");
        await Eventually.WaitAsync(() => Task.FromResult(!ProcFs.IsAlive(component.Pid, component.StartTicks)), Workloads.Timeout, $"{component.Name} to die");
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        var kill = await ProgramRunner.RunAsync(new System.Diagnostics.ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            $"kill -{signal} {pid}", TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {pid} exited with {kill.ExitCode}: {kill.StandardError}");
    }

    private async Task RestoreAsync()
    {
        var up = await cluster.MinictlAsync("cluster", "up");
        Assert.True(up.ExitCode == 0, up + "\n" + cluster.LogTails());
    }

    /// <summary>The etcd member whose status line says <paramref name="role"/> (leader or follower).</summary>
    private async Task<ComponentRecord> EtcdMemberAsync(string role)
    {
        var status = await Eventually.WaitAsync(() => cluster.MinictlAsync("cluster", "status"), s => Count(s.Output, EtcdLeader()) == 1,
            Workloads.Timeout, "cluster status to show one etcd leader");
        var line = status.Output.Split('\n').First(l => Regex.IsMatch(l, @"^etcd(-\d)?\s") && l.Contains(" " + role, StringComparison.Ordinal));
        return cluster.State.Find(line.Split(' ', 2)[0]) ?? throw new InvalidOperationException("no record for " + line);
    }

    private async Task<string> EtcdctlAsync(ClusterState state, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ETCDCTL_API"] = "3";
        foreach (var arg in new[] { "--endpoints", state.EtcdEndpoints }.Concat(cluster.ClusterHome.Pki.EtcdctlFlags()).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static async Task<List<string>> ContainerIdsAsync(IEnumerable<Pod> pods)
    {
        var ids = new List<string>();
        foreach (var pod in pods)
        {
            ids.AddRange(await DockerCli.ListContainersAsync($"io.minikube.pod.uid={pod.Metadata.Uid}"));
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private static string PortOf(string url) => new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int Count(string text, Regex pattern) => pattern.Matches(text).Count;

    private static int LeaseLeaders(string text, string role) => Regex.Matches(text, $@"(?m)^{role}(-\d)?\s.*leader \(holds Lease").Count;

    [GeneratedRegex(@"(?m)^etcd(-\d)?\s.*https://127\.0\.0\.1:\d+ leader")]
    private static partial Regex EtcdLeader();

    [GeneratedRegex(@"(?m)^etcd(-\d)?\s.*https://127\.0\.0\.1:\d+ follower")]
    private static partial Regex EtcdFollower();
}
