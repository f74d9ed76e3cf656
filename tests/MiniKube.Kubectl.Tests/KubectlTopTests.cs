using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// metrics.k8s.io/v1beta1 on the REST API: discovery, the JSON shapes of metrics-server, NotFound, and the real
/// <c>kubectl top</c> against pods a real kubelet runs in Docker.
/// </summary>
public sealed partial class KubectlTopTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task Metrics_group_is_discovered_and_answers_in_metrics_server_shapes()
    {
        var ns = await cluster.NewNamespaceAsync();

        var resources = await cluster.OkAsync("api-resources", "--api-group=metrics.k8s.io");
        var legacy = JsonNode.Parse(await cluster.OkAsync("get", "--raw", "/apis/metrics.k8s.io/v1beta1"))!;
        var groups = JsonNode.Parse(await cluster.OkAsync("get", "--raw", "/apis/metrics.k8s.io"))!;
        var podList = JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"))!;
        var nodeList = JsonNode.Parse(await cluster.OkAsync("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=nope%3Dnope"))!;
        var missingPod = await cluster.RunAsync(["get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/nope"]);
        var missingNode = await cluster.RunAsync(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes/nope"]);
        var badSelector = await cluster.RunAsync(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in"]);
        var badField = await cluster.RunAsync(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nope%3Dx"]);
        var getEmpty = await cluster.RunAsync(["get", "pods.metrics.k8s.io", "-n", ns]);

        Assert.Matches(@"(?m)^nodes\s+metrics.k8s.io/v1beta1\s+false\s+NodeMetrics$", resources);
        Assert.Matches(@"(?m)^pods\s+metrics.k8s.io/v1beta1\s+true\s+PodMetrics$", resources);
        Assert.Equal("APIResourceList", (string?)legacy["kind"]);
        Assert.Equal("metrics.k8s.io/v1beta1", (string?)legacy["groupVersion"]);
        var pods = legacy["resources"]!.AsArray().Single(r => (string?)r!["name"] == "pods")!;
        Assert.Equal(("PodMetrics", true, "get,list"), ((string?)pods["kind"], (bool)pods["namespaced"]!, string.Join(',', pods["verbs"]!.AsArray().Select(v => (string?)v))));
        Assert.Equal(2, legacy["resources"]!.AsArray().Count);
        Assert.Equal("metrics.k8s.io/v1beta1", (string?)groups["preferredVersion"]!["groupVersion"]);
        Assert.Equal(("PodMetricsList", "metrics.k8s.io/v1beta1", 0), ((string?)podList["kind"], (string?)podList["apiVersion"], podList["items"]!.AsArray().Count));
        Assert.Equal(("NodeMetricsList", 0), ((string?)nodeList["kind"], nodeList["items"]!.AsArray().Count));
        Assert.True(missingPod.ExitCode != 0, missingPod.Describe());
        Assert.Contains("(NotFound)", missingPod.Stderr, StringComparison.Ordinal);
        Assert.Contains("podmetrics.metrics.k8s.io \"nope\" not found", missingPod.Stderr, StringComparison.Ordinal);
        Assert.Contains("nodemetrics.metrics.k8s.io \"nope\" not found", missingNode.Stderr, StringComparison.Ordinal);
        Assert.Contains("(BadRequest)", badSelector.Stderr, StringComparison.Ordinal);
        Assert.Contains("field label not supported: spec.nope", badField.Stderr, StringComparison.Ordinal);
        Assert.True(getEmpty.ExitCode == 0, getEmpty.Describe());
        Assert.Contains($"No resources found in {ns} namespace.", getEmpty.Stderr, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Kubectl_top_shows_the_usage_of_real_containers()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var dockerNode = await DockerNode.StartAsync(cluster, "top");
        var node = dockerNode.Name;
        // A burner held to 100m by its limit, and an idle sidecar in the same pod.
        var pod = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: burner
              labels: {app: burner}
            spec:
              nodeName: {{node}}
              terminationGracePeriodSeconds: 0
              containers:
              - name: burn
                image: minikube/busybox:1.0
                command: ["sh", "-c", "while :; do :; done"]
                resources:
                  requests: {cpu: 50m}
                  limits: {cpu: 100m}
              - name: idle
                image: minikube/busybox:1.0
                command: ["sleep", "3600"]
            """;
        try
        {
            await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("burner.yaml", pod));
            await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/burner", "--timeout=60s");
            // Two scrapes with the burner running: wait until its CPU is reported above zero.
            var top = await Eventually.WaitAsync(async () => await cluster.RunAsync(["top", "pods", "-n", ns]),
                r => r.ExitCode == 0 && PodRow().Match(r.Stdout) is { Success: true } m && int.Parse(m.Groups["cpu"].Value) > 0,
                TimeSpan.FromSeconds(60), "kubectl top pods to show the burner with non-zero CPU");
            var containers = await cluster.OkAsync("top", "pods", "-n", ns, "--containers");
            var selected = await cluster.OkAsync("top", "pods", "-n", ns, "-l", "app=burner");
            var byName = await cluster.OkAsync("top", "pod", "burner", "-n", ns);
            var none = await cluster.RunAsync(["top", "pods", "-n", ns, "-l", "app=other"]);
            var nodes = await Eventually.WaitAsync(async () => await cluster.RunAsync(["top", "nodes"]),
                r => r.ExitCode == 0 && r.Stdout.Contains(node, StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"kubectl top nodes to list {node}");
            var raw = JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods?fieldSelector=metadata.name%3Dburner"))!;
            var asObjects = await cluster.OkAsync("get", "pods.metrics.k8s.io", "-n", ns);
            var nodeRaw = JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/metrics.k8s.io/v1beta1/nodes/{node}"))!;

            Assert.Matches(@"^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n", top.Stdout);
            Assert.Matches(@"(?m)^burner\s", asObjects);
            Assert.Matches(@"^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n", containers);
            var burn = ContainerRow("burn").Match(containers);
            Assert.True(burn.Success, containers);
            Assert.True(int.Parse(burn.Groups["cpu"].Value) > 0, containers);
            // A busybox's working set is below 1Mi, so the table shows 0Mi; the raw usage below is non-zero.
            Assert.True(ContainerRow("idle").IsMatch(containers), containers);
            Assert.Matches(PodRow(), selected);
            Assert.Matches(PodRow(), byName);
            Assert.DoesNotContain("burner", none.Stdout + none.Stderr, StringComparison.Ordinal);
            Assert.Matches(@"^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*\n", nodes.Stdout);
            Assert.Matches($@"(?m)^{node}\s+[1-9]\d*m\s+\d+%\s+\d+Mi\s+\d+%\s*$", nodes.Stdout);

            var item = Assert.Single(raw["items"]!.AsArray())!;
            Assert.Equal(("burner", ns, "burner"), ((string?)item["metadata"]!["name"], (string?)item["metadata"]!["namespace"], (string?)item["metadata"]!["labels"]!["app"]));
            Assert.Matches(@"^\d+(\.\d+)?s$", (string?)item["window"]);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)item["timestamp"]);
            var usage = item["containers"]!.AsArray().Single(c => (string?)c!["name"] == "burn")!["usage"]!;
            Assert.Matches(@"^[1-9]\d*(n|u|m)?$", (string?)usage["cpu"]);
            Assert.Matches(@"^[1-9]\d*(Ki|Mi)?$", (string?)usage["memory"]);
            Assert.Equal(("NodeMetrics", node), ((string?)nodeRaw["kind"], (string?)nodeRaw["metadata"]!["name"]));
            Assert.Matches(@"^[1-9]\d*(n|u|m)?$", (string?)nodeRaw["usage"]!["cpu"]);
        }
        finally
        {
            await cluster.RunAsync(["delete", "pod", "burner", "-n", ns, "--grace-period=0", "--wait=true", "--timeout=60s"]);
        }
    }

    [GeneratedRegex(@"(?m)^burner\s+(?<cpu>\d+)m\s+(?<mem>\d+)Mi\s*$")]
    private static partial Regex PodRow();

    private static Regex ContainerRow(string container) => new($@"(?m)^burner\s+{container}\s+(?<cpu>\d+)m\s+\d+Mi\s*$");
}
