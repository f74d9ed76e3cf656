using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Cluster;
using MiniKube.Testing;
using Xunit.Abstractions;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// A two-node cluster that notices a dead node in seconds rather than minutes, the Kubernetes way: the controller-manager's
/// <c>--node-monitor-grace-period</c> and the API server's default toleration seconds, shortened through
/// <c>cluster up --extra-config</c>, with kubelets that renew their leases every second.
/// </summary>
public sealed class NodeFailureCluster() : ClusterFixture(2,
[
    "--extra-config=controller-manager.node-monitor-grace-period=" + NodeFailureCluster.GracePeriodSeconds.ToString(CultureInfo.InvariantCulture) + "s",
    "--extra-config=controller-manager.node-monitor-period=1s",
    "--extra-config=apiserver.default-not-ready-toleration-seconds=" + NodeFailureCluster.TolerationSeconds.ToString(CultureInfo.InvariantCulture),
    "--extra-config=apiserver.default-unreachable-toleration-seconds=" + NodeFailureCluster.TolerationSeconds.ToString(CultureInfo.InvariantCulture),
    "--extra-config=kubelet.node-status-update-frequency=1s",
    "--extra-config=kubelet.lease-renew-interval=1s",
])
{
    public const int GracePeriodSeconds = 5;
    public const int TolerationSeconds = 3;
}

/// <summary>
/// Issue #5: a node whose kubelet stops is marked Ready=Unknown and tainted unreachable, its pods are evicted once their
/// toleration runs out and replaced on the other node; when the kubelet returns, the taint goes, the node is Ready again
/// and the kubelet finishes the evicted pods (their containers were still running on the engine).
/// In the cluster collection so that it does not run beside the other end-to-end tests; it has a cluster of its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeFailureTests(NodeFailureCluster cluster, ITestOutputHelper output) : IClassFixture<NodeFailureCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [DockerFact]
    public async Task Pods_of_a_node_whose_kubelet_stops_are_recreated_on_the_other_node_and_the_node_recovers_when_it_returns()
    {
        var name = "nf-" + Guid.NewGuid().ToString("N")[..6];
        var clock = Stopwatch.StartNew();
        await Workloads.CreateDeploymentAsync(cluster, name, replicas: 4);
        var pods = await Workloads.WaitRunningAsync(cluster, name, 4, $"4 running pods of deployment {name}");
        Assert.All(pods, p =>
        {
            // The DefaultTolerationSeconds admission used the API server's flags.
            Assert.Contains(p.Spec!.Tolerations!, t => t.Key == WellKnownTaints.NodeUnreachable && t.Effect == TaintEffect.NoExecute
                && t.TolerationSeconds == NodeFailureCluster.TolerationSeconds);
            Assert.Contains(p.Spec.Tolerations!, t => t.Key == WellKnownTaints.NodeNotReady && t.TolerationSeconds == NodeFailureCluster.TolerationSeconds);
        });
        var perNode = pods.GroupBy(p => p.Spec!.NodeName!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Assert.True(perNode.Count == 2, "the 4 pods did not spread over both nodes: " + string.Join(", ", pods.Select(p => $"{p.Metadata.Name}@{p.Spec!.NodeName}")));
        var victim = perNode.MaxBy(e => e.Value.Count).Key;
        var survivor = cluster.NodeNames.Single(n => n != victim);
        var evicted = perNode[victim];
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: 4 pods running, {evicted.Count} on {victim}, {perNode[survivor].Count} on {survivor}");

        // The kubelet crashes (SIGKILL): nothing tells the API; the node simply goes silent.
        var kubelet = cluster.State.Find(ClusterComponents.KubeletName(victim)) ?? throw new InvalidOperationException($"no kubelet of {victim} in the cluster state");
        Assert.True(DetachedProcess.KillNow(kubelet.Pid, kubelet.StartTicks), $"the kubelet of {victim} (pid {kubelet.Pid}) was not running");
        var killed = clock.Elapsed;

        var unknown = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Node>(victim),
            n => Ready(n)?.Status == ConditionStatus.Unknown && HasTaint(n, WellKnownTaints.NodeUnreachable, TaintEffect.NoExecute), Deadline,
            $"node {victim} to become Ready=Unknown with the {WellKnownTaints.NodeUnreachable}:NoExecute taint");
        Assert.Equal(("NodeStatusUnknown", "Kubelet stopped posting node status."), (Ready(unknown)!.Reason, Ready(unknown)!.Message));
        Assert.True(HasTaint(unknown, WellKnownTaints.NodeUnreachable, TaintEffect.NoSchedule));
        output.WriteLine($"{(clock.Elapsed - killed).TotalSeconds:0.0} s after the kill: {victim} Ready=Unknown, tainted unreachable");

        // Its pods are evicted once their 3 s toleration has run out, and replaced on the survivor.
        var evictedUids = evicted.Select(p => p.Metadata.Uid!).ToHashSet(StringComparer.Ordinal);
        var after = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name), all =>
        {
            var active = all.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            return all.Where(p => evictedUids.Contains(p.Metadata.Uid!)).All(p => p.Metadata.DeletionTimestamp is not null)
                && active.Count == 4
                && active.All(p => p.Spec?.NodeName == survivor && p.Status?.Phase == PodPhase.Running && p.Status.ContainerStatuses?.All(c => c.Ready) == true);
        }, Deadline, $"the pods on {victim} to be evicted and 4 pods of {name} to run on {survivor}");
        var replacements = after.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.Equal(evicted.Count, replacements.Count(p => !pods.Any(o => o.Metadata.Uid == p.Metadata.Uid)));
        foreach (var pod in replacements)
        {
            Assert.True(await RunningAppContainerOnAsync(pod.Metadata.Uid!, survivor), $"pod {pod.Metadata.Name} has no running container on {survivor}");
        }
        var events = (await cluster.Client.ListAsync<Event>("default")).Items;
        Assert.All(evicted, p => Assert.Contains(events, e => e.InvolvedObject.Uid == p.Metadata.Uid && e.Reason == "TaintManagerEviction"));
        await Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>(name, "default"), d => d.Status?.AvailableReplicas == 4, Deadline,
            $"deployment {name} to have 4 available replicas again");
        output.WriteLine($"{(clock.Elapsed - killed).TotalSeconds:0.0} s after the kill: deployment {name} has 4 available replicas on {survivor}");

        // The kubelet comes back (cluster up restarts just it): the node is Ready and untainted, and the kubelet finishes the
        // evicted pods, whose containers kept running on the engine meanwhile.
        var up = await cluster.MinictlAsync("cluster", "up");
        Assert.True(up.ExitCode == 0, up + "\n" + cluster.LogTails());
        Assert.Contains("started " + ClusterComponents.KubeletName(victim), up.Output, StringComparison.Ordinal);
        var restarted = clock.Elapsed;
        await Eventually.WaitAsync(() => cluster.Client.GetAsync<Node>(victim),
            n => Ready(n)?.Status == ConditionStatus.True && !(n.Spec?.Taints ?? []).Any(t => t.Key is WellKnownTaints.NodeUnreachable or WellKnownTaints.NodeNotReady),
            Deadline, $"node {victim} to be Ready again without the unreachable and not-ready taints");
        await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name), all => !all.Any(p => evictedUids.Contains(p.Metadata.Uid!)), Deadline,
            $"the evicted pods of {victim} to be finished and gone from the API");
        foreach (var uid in evictedUids)
        {
            await Eventually.WaitAsync(async () => (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}")).Count == 0, Deadline,
                $"the containers of evicted pod uid {uid} to be removed by the returned kubelet");
        }
        var final = await Workloads.WaitRunningAsync(cluster, name, 4, $"deployment {name} to keep 4 running pods");
        Assert.All(final, p => Assert.Equal(survivor, p.Spec!.NodeName));
        output.WriteLine($"{(clock.Elapsed - restarted).TotalSeconds:0.0} s after the restart: {victim} Ready, evicted pods and containers gone; " +
            $"{clock.Elapsed.TotalSeconds:0.0} s in all");
    }

    private static NodeCondition? Ready(Node node) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready);

    private static bool HasTaint(Node node, string key, string effect) => (node.Spec?.Taints ?? []).Any(t => t.Key == key && t.Effect == effect);

    private static async Task<bool> RunningAppContainerOnAsync(string uid, string node)
    {
        foreach (var id in await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}"))
        {
            var inspect = await DockerCli.InspectAsync(id);
            var labels = inspect.GetProperty("Config").GetProperty("Labels");
            if (labels.GetProperty("io.minikube.container.type").GetString() == "container" && labels.GetProperty("io.minikube.node").GetString() == node
                && inspect.GetProperty("State").GetProperty("Running").GetBoolean())
            {
                return true;
            }
        }
        return false;
    }
}
