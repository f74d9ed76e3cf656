using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using Xunit.Abstractions;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// A one-node cluster whose metrics pipeline and VPA controllers run on short periods: the API server scrapes the kubelet
/// every 2 s, the VPA recommender and updater run every 2 s and the recommender recommends after 3 CPU samples per
/// container (Kubernetes' defaults: 1m, 1m and the first sample).
/// </summary>
public sealed class VerticalAutoscalingCluster() : ClusterFixture(1,
[
    "--extra-config=apiserver.metric-resolution=2s",
    "--extra-config=controller-manager.vpa-recommender-interval=2s",
    "--extra-config=controller-manager.vpa-updater-interval=2s",
    "--extra-config=controller-manager.vpa-min-samples=3",
]);

/// <summary>
/// The VerticalPodAutoscaler on real Docker: in mode Off a recommendation above a CPU burner's usage, no pod touched; in
/// InPlaceOrRecreate the pods resized in place (same containers, no restarts, Docker's NanoCpus changed); in Initial a new pod
/// created with the recommended requests while the running one keeps its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class VerticalAutoscalingTests(VerticalAutoscalingCluster cluster, ITestOutputHelper output) : IClassFixture<VerticalAutoscalingCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private async Task CreateVpaAsync(string name, string mode, string containerPolicy)
    {
        var manifest = Path.Combine(cluster.Home, name + "-vpa.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: autoscaling.k8s.io/v1
            kind: VerticalPodAutoscaler
            metadata:
              name: {{name}}
            spec:
              targetRef: {apiVersion: apps/v1, kind: Deployment, name: {{name}}}
              updatePolicy: {updateMode: {{mode}}}
              resourcePolicy:
                containerPolicies:
                - {{containerPolicy}}
            """);
        var create = await cluster.MinictlAsync("create", "-f", manifest);
        Assert.True(create.ExitCode == 0, create.ToString());
    }

    private Task<VerticalPodAutoscaler> WaitForRecommendationAsync(string name, Func<Task>? eachPoll = null) =>
        Eventually.WaitAsync(async () =>
        {
            if (eachPoll is not null)
            {
                await eachPoll();
            }
            return await cluster.Client.GetAsync<VerticalPodAutoscaler>(name, "default");
        }, v => v.Status?.Conditions?.Any(c => c is { Type: VpaConditionType.RecommendationProvided, Status: ConditionStatus.True }) == true
            && v.Status.Recommendation?.ContainerRecommendations?.Count == 1, Deadline, $"the VPA {name} to provide a recommendation");

    private async Task CleanUpAsync(string name)
    {
        await cluster.MinictlAsync("delete", "vpa", name, "--ignore-not-found");
        await Workloads.DeleteDeploymentAsync(cluster, name);
    }

    private static Quantity Request(Pod pod, string resource) => pod.Spec!.Containers[0].Resources!.Requests![resource];

    private static Quantity Limit(Pod pod, string resource) => pod.Spec!.Containers[0].Resources!.Limits![resource];

    [DockerFact]
    public async Task In_mode_Off_the_recommendation_is_above_a_burners_usage_and_no_pod_is_touched()
    {
        var name = "vpa-off-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, "while :; do :; done", "{cpu: 50m, memory: 32Mi}", "{cpu: 200m, memory: 64Mi}", replicas: 1);
            var pod = (await Workloads.WaitRunningAsync(cluster, name, 1, $"1 running pod of {name}")).Single();
            await CreateVpaAsync(name, VpaUpdateMode.Off, "{containerName: '*'}");

            // What the metrics pipeline says the burner uses, polled while the recommender learns from the same pipeline.
            var usage = new List<long>();
            var vpa = await WaitForRecommendationAsync(name, async () =>
            {
                var metrics = await cluster.Client.ListPodMetricsAsync("default", "app=" + name);
                usage.AddRange(metrics.SelectMany(m => m.Containers).Where(c => c.Usage.ContainsKey("cpu")).Select(c => c.Usage["cpu"].MilliValue));
            });
            var rec = vpa.Status!.Recommendation!.ContainerRecommendations!.Single();
            output.WriteLine($"usage samples (m): {string.Join(", ", usage)}; recommendation: {KubeSerializer.ToJson(rec)}");
            Assert.NotEmpty(usage);
            Assert.True(usage.Average() > 10, $"the burner burns: {string.Join(", ", usage)}");
            Assert.True(rec.Target!["cpu"].MilliValue > usage.Average(),
                $"target {rec.Target["cpu"]} should be above the burner's average usage {usage.Average():0}m");
            Assert.True(rec.LowerBound!["cpu"] <= rec.Target["cpu"] && rec.Target["cpu"] <= rec.UpperBound!["cpu"], KubeSerializer.ToJson(rec));
            Assert.True(rec.Target.ContainsKey("memory") && rec.UncappedTarget!.ContainsKey("cpu"), KubeSerializer.ToJson(rec));

            var get = await cluster.MinictlAsync("get", "vpa", name);
            Assert.Contains(name, get.Output, StringComparison.Ordinal);
            Assert.Contains("True", get.Output, StringComparison.Ordinal);
            var describe = await cluster.MinictlAsync("describe", "vpa", name);
            Assert.True(describe.ExitCode == 0, describe.ToString());
            Assert.Contains("Update Mode:", describe.Output, StringComparison.Ordinal);
            Assert.Contains("Recommendation:", describe.Output, StringComparison.Ordinal);
            Assert.Contains("Target:", describe.Output, StringComparison.Ordinal);
            Assert.Contains("RecommendationProvided", describe.Output, StringComparison.Ordinal);
            output.WriteLine(describe.Output);

            // Off: the pod keeps its uid and its requests while the recommender goes on (metrics three intervals later).
            var recommendedAt = DateTimeOffset.UtcNow;
            await Eventually.WaitAsync(() => cluster.Client.ListPodMetricsAsync("default", "app=" + name),
                list => list.Any(m => m.Timestamp > recommendedAt.AddSeconds(6)), Deadline, "metrics from 6 s after the recommendation");
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<VerticalPodAutoscaler>(name, "default"),
                v => v.Status?.Recommendation?.ContainerRecommendations?.Count == 1, Deadline, "the recommendation to stay");
            var now = (await Workloads.PodsAsync(cluster, name)).Single();
            Assert.Equal(pod.Metadata.Uid, now.Metadata.Uid);
            Assert.Equal("50m", Request(now, "cpu").ToString());
        }
        finally
        {
            await CleanUpAsync(name);
        }
    }

    [DockerFact]
    public async Task In_mode_InPlaceOrRecreate_the_pods_are_resized_in_place()
    {
        var name = "vpa-inplace-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, "sleep 3600", "{cpu: 20m, memory: 32Mi}", "{cpu: 100m, memory: 64Mi}", replicas: 2);
            var before = await Workloads.WaitRunningAsync(cluster, name, 2, $"2 running pods of {name}");
            var containers = before.ToDictionary(p => p.Metadata.Uid!, p => p.Status!.ContainerStatuses!.Single().ContainerID!);
            // A floor of 100m puts the pods' 20m below the lower bound; cpu only, so memory stays as it is.
            await CreateVpaAsync(name, VpaUpdateMode.InPlaceOrRecreate, "{containerName: '*', minAllowed: {cpu: 100m}, controlledResources: [cpu]}");

            var resized = await Eventually.WaitAsync(() => Workloads.PodsAsync(cluster, name),
                pods => pods.Count == 2 && pods.All(p => Request(p, "cpu").ToString() == "100m"
                    && p.Status?.ContainerStatuses?.Single().Resources?.Limits?.GetValueOrDefault("cpu").ToString() == "500m"),
                Deadline, "both pods resized to 100m (limit 500m, the 1:5 ratio kept) and the kubelet reporting it");
            foreach (var pod in resized)
            {
                var status = pod.Status!.ContainerStatuses!.Single();
                Assert.True(containers.TryGetValue(pod.Metadata.Uid!, out var id), $"pod {pod.Metadata.Name} is not one of the original pods (evicted instead of resized?)");
                Assert.Equal((id, 0), (status.ContainerID, status.RestartCount));
                Assert.Equal("500m", Limit(pod, "cpu").ToString());
                Assert.Equal("32Mi", Request(pod, "memory").ToString());
                var host = (await DockerCli.InspectAsync(id!.Replace("docker://", "", StringComparison.Ordinal))).GetProperty("HostConfig");
                Assert.Equal(500_000_000, host.GetProperty("NanoCpus").GetInt64());
            }
            await Eventually.WaitAsync(async () => (await cluster.Client.ListAsync<Event>("default",
                    fieldSelector: $"involvedObject.kind=VerticalPodAutoscaler,involvedObject.name={name}")).Items.Count(e => e.Reason == "InPlaceResizedPod"),
                n => n >= 2, Deadline, "an InPlaceResizedPod event per pod on the VPA");
            var describe = await cluster.MinictlAsync("describe", "vpa", name);
            Assert.Contains("InPlaceResizedPod", describe.Output, StringComparison.Ordinal);
            output.WriteLine(describe.Output);
        }
        finally
        {
            await CleanUpAsync(name);
        }
    }

    [DockerFact]
    public async Task In_mode_Initial_a_new_pod_gets_the_recommended_requests_and_the_running_one_keeps_its_own()
    {
        var name = "vpa-initial-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Workloads.CreateDeploymentAsync(cluster, name, "sleep 3600", "{cpu: 20m, memory: 32Mi}", "{cpu: 100m, memory: 64Mi}", replicas: 1);
            var first = (await Workloads.WaitRunningAsync(cluster, name, 1, $"1 running pod of {name}")).Single();
            await CreateVpaAsync(name, VpaUpdateMode.Initial, "{containerName: '*', minAllowed: {cpu: 100m}}");
            var vpa = await WaitForRecommendationAsync(name);
            var target = vpa.Status!.Recommendation!.ContainerRecommendations!.Single().Target!;
            Assert.Equal("100m", target["cpu"].ToString());

            var scale = await cluster.MinictlAsync("scale", "deployment", name, "--replicas=2");
            Assert.True(scale.ExitCode == 0, scale.ToString());
            var pods = await Workloads.WaitRunningAsync(cluster, name, 2, $"2 running pods of {name}");
            var added = pods.Single(p => p.Metadata.Uid != first.Metadata.Uid);
            var old = pods.Single(p => p.Metadata.Uid == first.Metadata.Uid);

            // The recommended requests, the limits in their old ratio (1:5 cpu, 1:2 memory).
            Assert.Equal("100m", Request(added, "cpu").ToString());
            Assert.Equal("500m", Limit(added, "cpu").ToString());
            var memory = target["memory"].Value;
            Assert.Equal(memory, Request(added, "memory").Value);
            Assert.Equal(memory * 2, Limit(added, "memory").Value);
            Assert.StartsWith($"Pod resources updated by {name}: container 0: cpu request, cpu limit, memory request, memory limit",
                added.Metadata.Annotations![VpaPodResources.UpdatesAnnotation], StringComparison.Ordinal);
            var id = added.Status!.ContainerStatuses!.Single().ContainerID!.Replace("docker://", "", StringComparison.Ordinal);
            Assert.Equal(500_000_000, (await DockerCli.InspectAsync(id)).GetProperty("HostConfig").GetProperty("NanoCpus").GetInt64());

            // Initial never touches a running pod.
            Assert.Equal("20m", Request(old, "cpu").ToString());
            Assert.Equal(0, old.Status!.ContainerStatuses!.Single().RestartCount);
            output.WriteLine($"target {KubeSerializer.ToJson(target)}; new pod {KubeSerializer.ToJson(added.Spec!.Containers[0].Resources!)}");
        }
        finally
        {
            await CleanUpAsync(name);
        }
    }
}
