using k8s;
using k8s.Models;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>The official clients against the same REST API: the KubernetesClient NuGet package and Debian's python3-kubernetes.</summary>
public sealed class OfficialClientTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task KubernetesClient_creates_lists_watches_patches_and_deletes_pods()
    {
        var ns = await cluster.NewNamespaceAsync();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig));
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "dotnet", Labels = new Dictionary<string, string> { ["app"] = "dotnet" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "minikube/busybox:1.0", Command = ["sleep", "3600"] }] },
        };

        var list = await client.CoreV1.ListNamespacedPodAsync(ns);
        var events = new System.Collections.Concurrent.ConcurrentQueue<(WatchEventType Type, V1Pod Pod)>();
        using var watchStop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: list.Metadata.ResourceVersion,
                cancellationToken: watchStop.Token))
            {
                events.Enqueue((type, item));
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        });
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var listed = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=dotnet");
        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"labels":{"patched":"yes"}}}""", V1Patch.PatchType.MergePatch), "dotnet", ns);
        var strategic = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"annotations":{"s":"1"}}}""", V1Patch.PatchType.StrategicMergePatch), "dotnet", ns);
        await client.CoreV1.DeleteNamespacedPodAsync("dotnet", ns, gracePeriodSeconds: 0);
        await watch.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(list.Items);
        Assert.Equal("dotnet", created.Metadata.Name);
        Assert.NotNull(created.Metadata.Uid);
        Assert.Equal("dotnet", Assert.Single(listed.Items).Metadata.Name);
        Assert.Equal("yes", patched.Metadata.Labels["patched"]);
        Assert.Equal("1", strategic.Metadata.Annotations["s"]);
        Assert.Equal(WatchEventType.Added, events.First().Type);
        Assert.Contains(events, e => e.Type == WatchEventType.Modified && e.Pod.Metadata.Labels.ContainsKey("patched"));
        Assert.Equal(WatchEventType.Deleted, events.Last().Type);
        var missing = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("dotnet", ns));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task KubernetesClient_applies_server_side_and_a_conflicting_manager_gets_409()
    {
        var ns = await cluster.NewNamespaceAsync();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig));
        // The client sends a string patch as JSON (which is YAML too).
        const string config = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"mode":"fast"}}""";

        var created = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(config, V1Patch.PatchType.ApplyPatch), "settings", ns, fieldManager: "dotnet");
        var conflict = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(config.Replace("fast", "slow", StringComparison.Ordinal), V1Patch.PatchType.ApplyPatch), "settings", ns, fieldManager: "other"));
        var forced = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(config.Replace("fast", "slow", StringComparison.Ordinal), V1Patch.PatchType.ApplyPatch), "settings", ns, fieldManager: "other", force: true);

        Assert.Equal("fast", created.Data["mode"]);
        var entry = Assert.Single(created.Metadata.ManagedFields);
        Assert.Equal(("dotnet", "Apply", "FieldsV1"), (entry.Manager, entry.Operation, entry.FieldsType));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("FieldManagerConflict", conflict.Response.Content, StringComparison.Ordinal);
        Assert.Equal("slow", forced.Data["mode"]);
        Assert.Contains(forced.Metadata.ManagedFields, e => e.Manager == "other");
    }

    [Fact]
    public async Task Python_client_creates_a_deployment_lists_it_and_watches_events()
    {
        var ns = await cluster.NewNamespaceAsync();
        var script = cluster.WriteFile("client.py", $$$$"""
            import sys
            from kubernetes import client, config, watch
            config.load_kube_config(config_file="{{{{cluster.Kubeconfig}}}}")
            apps = client.AppsV1Api()
            core = client.CoreV1Api()
            ns = "{{{{ns}}}}"
            body = {
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "py"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "py"}},
                         "template": {"metadata": {"labels": {"app": "py"}},
                                      "spec": {"containers": [{"name": "main", "image": "minikube/busybox:1.0", "command": ["sleep", "3600"]}]}}},
            }
            created = apps.create_namespaced_deployment(ns, body)
            print("created", created.metadata.name)
            names = [d.metadata.name for d in apps.list_namespaced_deployment(ns).items]
            print("listed", ",".join(names))
            w = watch.Watch()
            for event in w.stream(core.list_namespaced_event, ns, timeout_seconds=60):
                obj = event["object"]
                if obj.reason == "ScalingReplicaSet" or obj.involved_object.kind in ("ReplicaSet", "Pod"):
                    print("event", event["type"], obj.involved_object.kind, obj.reason)
                    w.stop()
                    break
            pods = core.list_namespaced_pod(ns, label_selector="app=py").items
            print("pods", len(pods))
            """);
        var python = await cluster.RunProgramAsync("/usr/bin/python3", [script]);
        var output = python.Stdout;

        Assert.True(python.ExitCode == 0, python.Describe());
        Assert.Contains("created py\n", output, StringComparison.Ordinal);
        Assert.Contains("listed py\n", output, StringComparison.Ordinal);
        Assert.Matches(@"event (ADDED|MODIFIED) \w+ \w+", output);
        await Eventually.WaitAsync(async () => (await cluster.Server.Client.ListAsync<MiniKube.Api.Pod>(ns, "app=py")).Items.Count == 1,
            TimeSpan.FromSeconds(30), "the python-created deployment's pod");
    }
}
