using System.Diagnostics;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>DESIGN.md's pod creation flow, step by step, through the real processes of a 3-node cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PodFlowTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [DockerFact]
    public async Task A_pod_goes_from_minictl_through_etcd_scheduler_and_kubelet_to_a_running_container_and_away_again()
    {
        var name = "flow-" + Guid.NewGuid().ToString("N")[..6];
        var manifest = Path.Combine(cluster.Home, name + ".yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {name}
              labels:
                test: e2e-flow
            spec:
              containers:
              - name: app
                image: minikube/busybox:1.0
                command: ["sh", "-c", "sleep 3600"]
            """);
        try
        {
            // 1. minictl create -f sends the object to the API server.
            var create = await cluster.MinictlAsync("create", "-f", manifest);
            Assert.True(create.ExitCode == 0, create.ToString());
            Assert.Contains($"pod/{name} created", create.Output, StringComparison.Ordinal);

            // 2. The API server wrote it to etcd under /registry/pods/<ns>/<name>.
            var stored = await EtcdGetAsync($"/registry/pods/default/{name}");
            Assert.Contains($"\"name\":\"{name}\"", stored, StringComparison.Ordinal);

            // 3-4. The scheduler bound it: a Scheduled event names the node, and spec.nodeName is that node.
            var pod = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>(name, "default"),
                p => !string.IsNullOrEmpty(p.Spec?.NodeName), Timeout, $"pod {name} to be bound");
            var node = pod.Spec!.NodeName!;
            Assert.Contains(node, cluster.NodeNames);
            var scheduled = await Eventually.WaitAsync(async () => (await cluster.Client.ListAsync<Event>("default")).Items
                    .FirstOrDefault(e => e.Reason == "Scheduled" && e.InvolvedObject.Name == name),
                Timeout, $"a Scheduled event for {name}");
            Assert.Contains(node, scheduled.Message, StringComparison.Ordinal);

            // 5-6. That node's kubelet runs it: a Docker container labelled with the pod's uid and the node.
            var uid = pod.Metadata.Uid!;
            var container = await Eventually.WaitAsync(() => RunningAppContainerAsync(uid), c => c is not null, Timeout, $"a running container for pod uid {uid}");
            Assert.Equal(node, container!.Value.GetProperty("Config").GetProperty("Labels").GetProperty("io.minikube.node").GetString());

            // 7. The kubelet reported status: get -o wide shows Running, the node and the pod IP.
            var running = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>(name, "default"),
                p => p.Status?.Phase == "Running" && !string.IsNullOrEmpty(p.Status.PodIP), Timeout, $"pod {name} Running with an IP");
            var wide = await cluster.MinictlAsync("get", "pod", name, "-o", "wide");
            Assert.True(wide.ExitCode == 0, wide.ToString());
            var row = wide.Output.Split('\n')[1];
            Assert.Contains("Running", row, StringComparison.Ordinal);
            Assert.Contains(node, row, StringComparison.Ordinal);
            Assert.Contains(running.Status!.PodIP!, row, StringComparison.Ordinal);

            // minictl delete pod leaves no container behind.
            var delete = await cluster.MinictlAsync("delete", "pod", name);
            Assert.True(delete.ExitCode == 0, delete.ToString());
            await Eventually.WaitAsync(async () => (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}")).Count == 0,
                Timeout, $"the containers of pod {name} to be removed");
            await Eventually.WaitAsync(async () => !(await cluster.Client.ListAsync<Pod>("default")).Items.Any(p => p.Metadata.Name == name),
                Timeout, $"pod {name} to be gone from the API");
        }
        finally
        {
            await cluster.MinictlAsync("delete", "pod", name, "--ignore-not-found");
        }
    }

    private static async Task<JsonElement?> RunningAppContainerAsync(string uid)
    {
        foreach (var id in await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}"))
        {
            var inspect = await DockerCli.InspectAsync(id);
            var labels = inspect.GetProperty("Config").GetProperty("Labels");
            if (labels.TryGetProperty("io.minikube.container.type", out var type) && type.GetString() == "container"
                && inspect.GetProperty("State").GetProperty("Running").GetBoolean())
            {
                return inspect;
            }
        }
        return null;
    }

    private async Task<string> EtcdGetAsync(string key)
    {
        var start = new ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--endpoints", cluster.State.EtcdEndpoints }.Concat(cluster.ClusterHome.Pki.EtcdctlFlags()).Concat(["get", key, "--print-value-only"]))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ETCDCTL_API"] = "3";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"etcdctl get {key} exited with {process.ExitCode}: {error}");
        return output;
    }
}
