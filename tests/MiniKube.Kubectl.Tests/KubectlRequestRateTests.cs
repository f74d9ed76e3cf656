using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// A load-driven custom metric: pods count the requests they serve (busybox httpd CGI) and expose <c>requests_total</c>;
/// the API server derives <c>requests_per_second</c>; an HPA on that Pods metric scales the Deployment up while the test
/// sends requests and back down when it stops.
/// </summary>
public sealed class KubectlRequestRateTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [DockerFact]
    public async Task Hpa_follows_the_request_rate_the_pods_count()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var dockerNode = await DockerNode.StartAsync(cluster, "rps");
        var node = dockerNode.Name;
        // /cgi-bin/work counts a request; /cgi-bin/metrics exposes the count as the counter requests_total.
        var workload = $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: rps
            spec:
              replicas: 1
              selector:
                matchLabels: {app: rps}
              template:
                metadata:
                  labels: {app: rps}
                  annotations:
                    prometheus.io/scrape: "true"
                    prometheus.io/port: "8080"
                    prometheus.io/path: /cgi-bin/metrics
                spec:
                  nodeName: {{node}}
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command:
                    - sh
                    - -c
                    - |
                      mkdir -p /www/cgi-bin
                      printf '#!/bin/sh\nn=$(cat /tmp/n 2>/dev/null || echo 0)\necho $((n+1)) > /tmp/n\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n' > /www/cgi-bin/work
                      printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n# TYPE requests_total counter\\nrequests_total %%s\\n" "$(cat /tmp/n 2>/dev/null || echo 0)"\n' > /www/cgi-bin/metrics
                      chmod +x /www/cgi-bin/work /www/cgi-bin/metrics
                      exec httpd -f -p 8080 -h /www
            """;
        var hpa = """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: rps
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: rps}
              minReplicas: 1
              maxReplicas: 3
              metrics:
              - type: Pods
                pods:
                  metric: {name: requests_per_second}
                  target: {type: AverageValue, averageValue: "1"}
              behavior:
                scaleDown: {stabilizationWindowSeconds: 0}
            """;
        using var load = new CancellationTokenSource();
        Task<int>? loader = null;
        try
        {
            await cluster.OkAsync("apply", "-n", ns, "-f", cluster.WriteFile("rps.yaml", workload));
            var ip = await Eventually.WaitAsync(() => cluster.OkAsync("get", "pods", "-n", ns, "-l", "app=rps", "-o", "jsonpath={.items[0].status.podIP}"),
                text => text.Length > 0, Deadline, "the first rps pod to have an IP");
            loader = SendRequestsAsync($"http://{ip}:8080/cgi-bin/work", load.Token);
            var rate = await Eventually.WaitAsync(
                async () => JsonNode.Parse(await cluster.OkAsync("get", "--raw", $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/*/requests_per_second"))!,
                list => list["items"]!.AsArray().Any(i => Quantity.Parse((string)i!["value"]!).Amount > 0), Deadline,
                "the custom metrics API to report a non-zero requests_per_second while requests are sent");

            await cluster.OkAsync("apply", "-n", ns, "-f", cluster.WriteFile("rps-hpa.yaml", hpa));
            await Eventually.WaitAsync(() => cluster.OkAsync("get", "deploy", "rps", "-n", ns, "-o", "jsonpath={.spec.replicas}"), r => r == "3", Deadline,
                "the HPA to scale rps to 3 while requests are sent");
            await load.CancelAsync();
            var sent = await loader;
            await Eventually.WaitAsync(() => cluster.OkAsync("get", "deploy", "rps", "-n", ns, "-o", "jsonpath={.spec.replicas}"), r => r == "1", Deadline,
                "the HPA to scale rps back to 1 after the requests stop");
            var events = await Eventually.WaitAsync(() => cluster.OkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=rps,reason=SuccessfulRescale",
                "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"),
                e => e.Contains("reason: pods metric requests_per_second above target", StringComparison.Ordinal)
                    && e.Contains("New size: 1; reason: All metrics below target", StringComparison.Ordinal),
                Deadline, "SuccessfulRescale events up on requests_per_second and down with all metrics below target");

            Assert.True(sent > 0, "no request succeeded");
            Assert.Equal("Pod", (string?)rate["items"]![0]!["describedObject"]!["kind"]);
            Assert.Contains("New size: 3;", events, StringComparison.Ordinal);
        }
        finally
        {
            await load.CancelAsync();
            if (loader is not null)
            {
                await loader;
            }
            await cluster.RunAsync(["delete", "hpa", "rps", "-n", ns, "--ignore-not-found"]);
            await cluster.RunAsync(["delete", "deploy", "rps", "-n", ns, "--ignore-not-found"]);
            await cluster.RunAsync(["wait", "--for=delete", "pods", "-l", "app=rps", "-n", ns, "--timeout=60s"]);
        }
    }

    /// <summary>About 10 requests a second to one pod until cancelled; returns how many were answered.</summary>
    private static async Task<int> SendRequestsAsync(string url, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var answered = 0;
        try
        {
            while (await pace.WaitForNextTickAsync(ct))
            {
                try
                {
                    using var response = await http.GetAsync(url, ct);
                    answered += response.IsSuccessStatusCode ? 1 : 0;
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
                {
                    // The pod is still starting its server, or the request timed out on a busy machine: the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Load stopped.
        }
        return answered;
    }
}
