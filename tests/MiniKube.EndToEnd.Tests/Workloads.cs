using System.Globalization;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>Deployments for the tests: created with minictl from a manifest, found by their <c>app</c> label, deleted with their pods.</summary>
public static class Workloads
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static async Task CreateDeploymentAsync(ClusterFixture cluster, string name, int replicas)
    {
        var manifest = Path.Combine(cluster.Home, name + ".yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {name}
            spec:
              replicas: {replicas.ToString(CultureInfo.InvariantCulture)}
              selector:
                matchLabels:
                  app: {name}
              template:
                metadata:
                  labels:
                    app: {name}
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command: ["sh", "-c", "sleep 3600"]
            """);
        var create = await cluster.MinictlAsync("create", "-f", manifest);
        Assert.True(create.ExitCode == 0, create.ToString());
    }

    /// <summary>A deployment of one-container pods running <paramref name="script"/> with these requests and limits.</summary>
    public static async Task CreateDeploymentAsync(ClusterFixture cluster, string name, string script, string requests, string limits, int replicas = 1)
    {
        var manifest = Path.Combine(cluster.Home, name + ".yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{name}}
            spec:
              replicas: {{replicas}}
              selector:
                matchLabels:
                  app: {{name}}
              template:
                metadata:
                  labels:
                    app: {{name}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command: ["sh", "-c", "{{script}}"]
                    resources:
                      requests: {{requests}}
                      limits: {{limits}}
            """);
        var create = await cluster.MinictlAsync("create", "-f", manifest);
        Assert.True(create.ExitCode == 0, create.ToString());
    }

    public static async Task<IReadOnlyList<Pod>> PodsAsync(ClusterFixture cluster, string app) =>
        (await cluster.Client.ListAsync<Pod>("default", labelSelector: "app=" + app)).Items;

    /// <summary>Waits until exactly <paramref name="count"/> pods of <paramref name="app"/> run and are ready, each on a node.</summary>
    public static Task<IReadOnlyList<Pod>> WaitRunningAsync(ClusterFixture cluster, string app, int count, string what) =>
        Eventually.WaitAsync(() => PodsAsync(cluster, app),
            pods => pods.Count == count && pods.All(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running"
                && !string.IsNullOrEmpty(p.Spec?.NodeName)
                && p.Status.ContainerStatuses?.All(c => c.Ready) == true),
            Timeout, what);

    /// <summary>Deletes the Deployment and waits until its pods and their containers are gone (so the next test starts clean).</summary>
    public static async Task DeleteDeploymentAsync(ClusterFixture cluster, string name)
    {
        var uids = (await PodsAsync(cluster, name)).Select(p => p.Metadata.Uid!).ToList();
        await cluster.MinictlAsync("delete", "deployment", name, "--ignore-not-found");
        await Eventually.WaitAsync(async () => (await PodsAsync(cluster, name)).Count == 0, Timeout, $"the pods of {name} to be deleted");
        foreach (var uid in uids)
        {
            await Eventually.WaitAsync(async () => (await DockerCli.ListContainersAsync($"io.minikube.pod.uid={uid}")).Count == 0,
                Timeout, $"the containers of pod uid {uid} to be removed");
        }
    }
}
