using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// A real kubelet (Docker runtime) registered as a node of its own with the test cluster; pods pin to it with
/// <c>nodeName: </c><see cref="Name"/> (or <see cref="RunPodAsync"/>). Disposing it deletes the pods it ran, stops the kubelet,
/// deletes the Node and removes any container the kubelet left behind.
/// </summary>
internal sealed class DockerNode : IAsyncDisposable
{
    private readonly KubectlCluster _cluster;
    private readonly KubeletHost _kubelet;
    private readonly List<(string Ns, string Pod)> _pods = [];

    private DockerNode(KubectlCluster cluster, string name, KubeletHost kubelet)
    {
        _cluster = cluster;
        Name = name;
        _kubelet = kubelet;
    }

    public string Name { get; }

    public static async Task<DockerNode> StartAsync(KubectlCluster cluster, string prefix = "kubectl")
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var kubelet = KubeletHost.Create(new KubeletOptions
        {
            Server = cluster.Server.GrpcAddress,
            NodeName = name,
            Port = 0,
            RootDir = Path.Combine(cluster.Home, "kubelet-" + name),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
            SyncFrequency = TimeSpan.FromSeconds(2),
        });
        await kubelet.StartAsync();
        return new DockerNode(cluster, name, kubelet);
    }

    /// <summary>A busybox pod on this node (container <c>main</c> running <paramref name="script"/>), created and Ready (or <paramref name="waitFor"/>).</summary>
    public async Task RunPodAsync(string ns, string name, string script = "sleep 3600", bool stdin = false, bool tty = false,
        string restartPolicy = "Always", string waitFor = "condition=Ready")
    {
        var yaml = $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {name}
            spec:
              nodeName: {Name}
              terminationGracePeriodSeconds: 0
              restartPolicy: {restartPolicy}
              containers:
              - name: main
                image: minikube/busybox:1.0
                command: ["sh", "-c", {System.Text.Json.JsonSerializer.Serialize(script)}]
                stdin: {(stdin ? "true" : "false")}
                tty: {(tty ? "true" : "false")}
            """;
        _pods.Add((ns, name));
        await _cluster.OkAsync("create", "-n", ns, "-f", _cluster.WriteFile(name + ".yaml", yaml));
        await _cluster.OkAsync("wait", "-n", ns, "--for=" + waitFor, "pod/" + name, "--timeout=60s");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (ns, pod) in _pods)
        {
            await _cluster.RunAsync(["delete", "pod", pod, "-n", ns, "--grace-period=0", "--wait=true", "--timeout=60s"]);
        }
        await _kubelet.DisposeAsync();
        await _cluster.RunAsync(["delete", "node", Name, "--wait=false"]);
        // A pod deleted with a 0 s grace period leaves the API before its kubelet has removed its containers: remove what this
        // kubelet started and did not get to.
        await DockerCli.RemoveContainersWithLabelAsync($"{ContainerLabels.Node}={Name}");
    }
}
