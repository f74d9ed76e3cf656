using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>The pod <c>resize</c> subresource (in-place resize) on both wires, against a real API server and etcd.</summary>
public sealed class ResizeSubresourceTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    private async Task<Pod> CreateBurstableAsync(string name)
    {
        var pod = TestObjects.Pod(name, "default");
        var c = pod.Spec!.Containers[0] with
        {
            Resources = new ResourceRequirements
            {
                Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("32Mi") },
                Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("200m"), ["memory"] = Quantity.Parse("64Mi") },
            },
        };
        return await Client.CreateAsync(pod with { Spec = pod.Spec with { Containers = [c] } });
    }

    [Fact]
    public async Task Resize_over_grpc_changes_cpu_and_memory_bumps_the_generation_and_drops_other_changes()
    {
        var pod = await CreateBurstableAsync("resize-grpc");
        Assert.Equal(
            [(ResourceName.Cpu, ResizeRestartPolicy.NotRequired), (ResourceName.Memory, ResizeRestartPolicy.NotRequired)],
            pod.Spec!.Containers[0].ResizePolicy!.Select(p => (p.ResourceName, p.RestartPolicy)));

        var resized = await Client.ResizePodAsync("default", "resize-grpc", """
            {"metadata":{"labels":{"sneaky":"yes"}},"spec":{"activeDeadlineSeconds":5,"containers":[{"name":"main","image":"other:1",
             "resources":{"requests":{"cpu":"300m","memory":"32Mi"},"limits":{"cpu":"500m","memory":"40Mi"}},
             "resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"},{"resourceName":"memory","restartPolicy":"RestartContainer"}]}]}}
            """);

        var c = resized.Spec!.Containers[0];
        Assert.Equal("300m", c.Resources!.Requests!["cpu"].ToString());
        Assert.Equal("500m", c.Resources.Limits!["cpu"].ToString());
        // A memory limit may go down (Kubernetes 1.35 allows it); the kubelet applies it.
        Assert.Equal("40Mi", c.Resources.Limits["memory"].ToString());
        Assert.Equal(ResizeRestartPolicy.RestartContainer, c.ResizePolicy!.Single(p => p.ResourceName == "memory").RestartPolicy);
        Assert.Equal(pod.Spec.Containers[0].Image, c.Image);
        Assert.Null(resized.Spec.ActiveDeadlineSeconds);
        Assert.False(resized.Metadata.Labels?.ContainsKey("sneaky") ?? false);
        Assert.Equal(pod.Metadata.Generation + 1, resized.Metadata.Generation);
    }

    [Fact]
    public async Task A_plain_update_or_patch_of_resources_stays_forbidden()
    {
        var pod = await CreateBurstableAsync("resize-plain");
        var patch = """{"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"150m"}}}]}}""";

        var ex = await Assert.ThrowsAsync<ApiException>(() => Client.PatchAsync<Pod>("resize-plain", "default", patch));

        Assert.Equal(StatusReasons.Invalid, ex.Reason);
        Assert.Contains("spec: Forbidden: pod updates may not change fields other than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_QoS_changing_resize_is_refused_with_kubernetes_message_and_nothing_written()
    {
        var pod = await CreateBurstableAsync("resize-qos");

        // Requests equal to the cpu and memory limits make the pod Guaranteed (a merge patch replaces the containers list, so it names both).
        var ex = await Assert.ThrowsAsync<ApiException>(() => Client.ResizePodAsync("default", "resize-qos", """
            {"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"200m","memory":"64Mi"},"limits":{"cpu":"200m","memory":"64Mi"}}}]}}
            """));

        Assert.Equal(StatusReasons.Invalid, ex.Reason);
        Assert.Contains("spec: Invalid value: \"Guaranteed\": Pod QoS is immutable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(pod.Metadata.ResourceVersion, (await Client.GetAsync<Pod>("resize-qos")).Metadata.ResourceVersion);

        var storage = await Assert.ThrowsAsync<ApiException>(() => Client.ResizePodAsync("default", "resize-qos", """
            {"spec":{"containers":[{"name":"main","resources":{"limits":{"cpu":"200m","memory":"64Mi","ephemeral-storage":"2Gi"}}}]}}
            """));
        Assert.Contains("spec.containers[0].resources: Forbidden: only cpu and memory resources are mutable", storage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_patch_and_put_on_pods_resize_and_discovery_lists_it()
    {
        var pod = await CreateBurstableAsync("resize-rest");
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        var url = "/api/v1/namespaces/default/pods/resize-rest/resize";

        using var patch = new StringContent("""{"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"120m"}}}]}}""", Encoding.UTF8);
        patch.Headers.ContentType = new("application/strategic-merge-patch+json");
        using var patched = await http.PatchAsync(url, patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = JsonNode.Parse(await patched.Content.ReadAsStringAsync())!;
        Assert.Equal("120m", body["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]!.GetValue<string>());

        body["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"] = "130m";
        using var put = await http.PutAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("130m", (await Client.GetAsync<Pod>("resize-rest")).Spec!.Containers[0].Resources!.Requests!["cpu"].ToString());

        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1"))!;
        var resize = list["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "pods/resize")!;
        Assert.Equal("Pod", resize["kind"]!.GetValue<string>());
        Assert.Equal(["get", "patch", "update"], resize["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }
}
