using System.Text.Json;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>kubectl's read commands: version, discovery, get in its output forms, describe, explain, watch.</summary>
public sealed class KubectlGetTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task Version_reports_the_server_as_1_32()
    {
        var output = await cluster.OkAsync("version");

        Assert.Contains("Server Version: v1.32.0-minikube", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_resources_and_api_versions_list_what_the_registry_serves()
    {
        var resources = await cluster.OkAsync("api-resources");
        var versions = await cluster.OkAsync("api-versions");

        Assert.Matches(@"(?m)^pods\s+po\s+v1\s+true\s+Pod$", resources);
        Assert.Matches(@"(?m)^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$", resources);
        Assert.Matches(@"(?m)^nodes\s+no\s+v1\s+false\s+Node$", resources);
        Assert.Contains("apps/v1\n", versions, StringComparison.Ordinal);
        Assert.Contains("v1\n", versions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_pods_prints_kubectl_tables_in_every_output_form()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("web")));
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("db", app: "db")));
        await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/web", "--timeout=60s");

        var table = await cluster.OkAsync("get", "pods", "-n", ns);
        var wide = await cluster.OkAsync("get", "pods", "-n", ns, "-o", "wide");
        var labelled = await cluster.OkAsync("get", "pods", "-n", ns, "-l", "app=web", "--show-labels");
        var all = await cluster.OkAsync("get", "pods", "-A");
        var yaml = await cluster.OkAsync("get", "pod", "web", "-n", ns, "-o", "yaml");
        var json = await cluster.OkAsync("get", "pod", "web", "-n", ns, "-o", "json");
        var path = await cluster.OkAsync("get", "pod", "web", "-n", ns, "-o", "jsonpath={.spec.containers[0].image}");
        var columns = await cluster.OkAsync("get", "pods", "-n", ns, "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName", "--sort-by=.metadata.name");

        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n", table);
        Assert.Matches(@"(?m)^web\s+1/1\s+Running\s+0\s+\d+s$", table);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n", wide);
        Assert.Matches(@"(?m)^web\s+1/1\s+Running\s+0\s+\S+\s+\S+\s+node-1\s+<none>\s+<none>$", wide);
        Assert.Matches(@"(?m)^web\s+.*app=web$", labelled);
        Assert.DoesNotContain("db", labelled, StringComparison.Ordinal);
        Assert.Matches(@"^NAMESPACE\s+NAME\s+READY", all);
        Assert.Matches($@"(?m)^{ns}\s+web\s+1/1\s+Running", all);
        Assert.Contains("kind: Pod", yaml, StringComparison.Ordinal);
        Assert.Contains("nodeName: node-1", yaml, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(json))
        {
            Assert.Equal("Running", doc.RootElement.GetProperty("status").GetProperty("phase").GetString());
        }
        Assert.Equal("minikube/busybox:1.0", path);
        Assert.Equal($"NAME   NODE\ndb     node-1\nweb    node-1\n", columns);
    }

    [Fact]
    public async Task Get_of_a_missing_object_prints_the_servers_NotFound_status()
    {
        var result = await cluster.RunAsync(["get", "pod", "nope"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error from server (NotFound): pods \"nope\" not found", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_watch_sees_a_pod_created_after_it_started()
    {
        var ns = await cluster.NewNamespaceAsync();
        using var watch = System.Diagnostics.Process.Start(cluster.StartInfo(["get", "pods", "-n", ns, "--watch"]))!;
        try
        {
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var reader = Task.Run(async () =>
            {
                while (await watch.StandardOutput.ReadLineAsync() is { } line)
                {
                    lines.Enqueue(line);
                }
            });
            // Whether the pod lands in kubectl's initial list or arrives through its watch, it is printed once.
            await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("late")));

            await Eventually.WaitAsync(() => Task.FromResult(lines.Any(l => l.StartsWith("late ", StringComparison.Ordinal))), TimeSpan.FromSeconds(30),
                "kubectl get --watch printing the new pod");
            Assert.False(watch.HasExited, "a watch without a timeout must stay open");
            Assert.Contains(lines, l => l.StartsWith("NAME ", StringComparison.Ordinal));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Nodes_namespaces_and_events_are_listed_and_described()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("web")));
        await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/web", "--timeout=60s");

        var nodes = await cluster.OkAsync("get", "nodes");
        var node = await cluster.OkAsync("describe", "node", KubectlCluster.Node);
        var namespaces = await cluster.OkAsync("get", "ns");
        var events = await cluster.RunAsync(["get", "events", "-n", ns]);
        var pod = await cluster.OkAsync("describe", "pod", "web", "-n", ns);

        Assert.Matches(@"(?m)^node-1\s+Ready\s+", nodes);
        Assert.Matches(@"(?m)^Name:\s+node-1$", node);
        Assert.Matches($@"(?m)^{ns}\s+Active\s+", namespaces);
        Assert.Equal(0, events.ExitCode);
        Assert.Matches(@"(?m)^Name:\s+web$", pod);
        Assert.Matches(@"(?m)^Node:\s+node-1/", pod);
        Assert.Matches(@"(?m)^Status:\s+Running$", pod);
        Assert.Contains("Events:", pod, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_walks_the_schema_generated_from_the_records()
    {
        var output = await cluster.OkAsync("explain", "pod.spec.containers");

        Assert.Contains("KIND:       Pod", output, StringComparison.Ordinal);
        Assert.Contains("FIELD: containers <[]Container>", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  image\s+<string>", output);
    }
}
