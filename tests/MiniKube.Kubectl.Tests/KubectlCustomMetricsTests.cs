using System.Text.Json.Nodes;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// custom.metrics.k8s.io/v1beta2 fed by the pods' own <c>/metrics</c> (busybox httpd serving a Prometheus text file, in
/// real Docker containers of a real kubelet), and an HPA on a Pods metric and then an Object (Service) metric scaling a
/// Deployment up and back down.
/// </summary>
public sealed class KubectlCustomMetricsTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [DockerFact]
    public async Task Hpa_scales_a_deployment_on_a_pods_metric_and_back_down_on_a_service_metric()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var dockerNode = await DockerNode.StartAsync(cluster, "cm");
        var node = dockerNode.Name;
        // Every pod reports queue_depth 30 on :8080/metrics; the Service's value is the sum over its pods.
        var workload = $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: q
            spec:
              replicas: 1
              selector:
                matchLabels: {app: q}
              template:
                metadata:
                  labels: {app: q}
                  annotations:
                    prometheus.io/scrape: "true"
                    prometheus.io/port: "8080"
                spec:
                  nodeName: {{node}}
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command: ["sh", "-c", "mkdir -p /www && printf '# TYPE queue_depth gauge\\nqueue_depth 30\\nother{a=\"b\"} 1\\n' > /www/metrics && exec httpd -f -p 8080 -h /www"]
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: q
            spec:
              selector: {app: q}
              ports:
              - port: 8080
            """;
        var hpa = """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: q
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: q}
              minReplicas: 1
              maxReplicas: 3
              metrics:
              - type: Pods
                pods:
                  metric: {name: queue_depth}
                  target: {type: AverageValue, averageValue: "10"}
              behavior:
                scaleDown: {stabilizationWindowSeconds: 0}
            """;
        try
        {
            await cluster.OkAsync("apply", "-n", ns, "-f", cluster.WriteFile("q.yaml", workload));
            var perPod = await Eventually.WaitAsync(
                async () => JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/*/queue_depth?labelSelector=app%3Dq"))!,
                list => list["items"]!.AsArray().Count == 1, Deadline, "the custom metrics API to report queue_depth of the first pod");
            var item = perPod["items"]![0]!;
            Assert.Equal(("MetricValueList", "custom.metrics.k8s.io/v1beta2"), ((string?)perPod["kind"], (string?)perPod["apiVersion"]));
            Assert.Equal(("Pod", ns, "queue_depth", "30"),
                ((string?)item["describedObject"]!["kind"], (string?)item["describedObject"]!["namespace"], (string?)item["metric"]!["name"], (string?)item["value"]));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)item["timestamp"]);
            var labelled = JsonNode.Parse(await cluster.OkAsync("get", "--raw",
                $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/*/other?labelSelector=app%3Dq&metricLabelSelector=a%3Db"))!;
            Assert.Equal("1", (string?)labelled["items"]![0]!["value"]);
            var missing = await cluster.RunAsync(["get", "--raw", $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/services/q/nope"]);
            Assert.Contains("the server could not find the metric nope for services q", missing.Stderr, StringComparison.Ordinal);
            var resources = JsonNode.Parse(await cluster.OkAsync("get", "--raw", "/apis/custom.metrics.k8s.io/v1beta2"))!;
            Assert.Contains(resources["resources"]!.AsArray(), r => (string?)r!["name"] == "pods/queue_depth");
            Assert.Contains("custom.metrics.k8s.io/v1beta2\n", await cluster.OkAsync("api-versions"), StringComparison.Ordinal);
            var group = JsonNode.Parse(await cluster.OkAsync("get", "--raw", "/apis/custom.metrics.k8s.io"))!;
            Assert.Equal(("APIGroup", "custom.metrics.k8s.io/v1beta2"), ((string?)group["kind"], (string?)group["preferredVersion"]!["groupVersion"]));

            // Pods metric: 30 per pod against an average of 10 → 3 (the max).
            await cluster.OkAsync("apply", "-n", ns, "-f", cluster.WriteFile("q-hpa.yaml", hpa));
            await Eventually.WaitAsync(() => cluster.OkAsync("get", "deploy", "q", "-n", ns, "-o", "jsonpath={.spec.replicas}"), r => r == "3", Deadline,
                "the HPA to scale q to 3 on its pods metric");
            var table = await Eventually.WaitAsync(() => cluster.OkAsync("get", "hpa", "q", "-n", ns), t => t.Contains("queue_depth: 30/10", StringComparison.Ordinal),
                Deadline, "kubectl get hpa to show queue_depth: 30/10");
            Assert.Matches(@"(?m)^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE", table);
            var service = await Eventually.WaitAsync(
                async () => JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/services/q/queue_depth"))!,
                list => (string?)list["items"]![0]!["value"] == "90", Deadline, "the Service's queue_depth to be the sum over its 3 pods");
            Assert.Equal(("Service", "q"), ((string?)service["items"]![0]!["describedObject"]!["kind"], (string?)service["items"]![0]!["describedObject"]!["name"]));
            var describe = await cluster.OkAsync("describe", "hpa", "q", "-n", ns);
            Assert.Contains("\"queue_depth\" on pods:", describe, StringComparison.Ordinal);

            // Object metric: the Service's 90 against a value of 300 → ceil(0.3 × 3) = 1.
            await cluster.OkAsync("patch", "hpa", "q", "-n", ns, "--type=merge", "-p",
                """{"spec":{"metrics":[{"type":"Object","object":{"describedObject":{"apiVersion":"v1","kind":"Service","name":"q"},"metric":{"name":"queue_depth"},"target":{"type":"Value","value":"300"}}}]}}""");
            await Eventually.WaitAsync(() => cluster.OkAsync("get", "deploy", "q", "-n", ns, "-o", "jsonpath={.spec.replicas}"), r => r == "1", Deadline,
                "the HPA to scale q back to 1 on the Service's metric");
            var status = await Eventually.WaitAsync(
                async () => JsonNode.Parse(await cluster.OkAsync("get", "hpa", "q", "-n", ns, "-o", "json"))!["status"]!,
                s => s["currentMetrics"]?[0]?["type"]?.GetValue<string>() == "Object", Deadline, "the HPA status to show the Object metric");
            Assert.Equal("Service", (string?)status["currentMetrics"]![0]!["object"]!["describedObject"]!["kind"]);
            Assert.NotNull((string?)status["currentMetrics"]![0]!["object"]!["current"]!["value"]);
            await Eventually.WaitAsync(() => cluster.OkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=q,reason=SuccessfulRescale",
                "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"),
                e => e.Contains("New size: 3; reason: pods metric queue_depth above target", StringComparison.Ordinal)
                    && e.Contains("New size: 1; reason: All metrics below target", StringComparison.Ordinal),
                Deadline, "SuccessfulRescale events for 3 (pods metric) and 1 (all below target)");
            var after = await cluster.OkAsync("get", "hpa", "q", "-n", ns);
            Assert.Matches(@"queue_depth: (\d+|<unknown>)/300", after);
        }
        finally
        {
            await cluster.RunAsync(["delete", "hpa", "q", "-n", ns, "--ignore-not-found"]);
            await cluster.RunAsync(["delete", "deploy,svc", "q", "-n", ns, "--ignore-not-found"]);
            await cluster.RunAsync(["wait", "--for=delete", "pods", "-l", "app=q", "-n", ns, "--timeout=60s"]);
        }
    }
}
