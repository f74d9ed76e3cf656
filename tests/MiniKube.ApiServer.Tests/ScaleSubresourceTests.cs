using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>The scale subresource of Deployments and ReplicaSets over gRPC, against a real API server and etcd.</summary>
public sealed class ScaleSubresourceTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    private static Deployment Deployment(string name, int replicas) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new DeploymentSpec
        {
            Replicas = replicas,
            Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name, ["tier"] = "web" } },
            Template = new PodTemplateSpec
            {
                Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name, ["tier"] = "web" } },
                Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
            },
        },
    };

    [Fact]
    public async Task Get_shows_spec_and_status_replicas_and_the_selector_as_a_string()
    {
        var d = await Client.CreateAsync(Deployment("scale-get", 3));
        var scale = await Client.GetScaleAsync("deployments", "default", "scale-get");
        Assert.Equal(("autoscaling/v1", "Scale"), (scale.ApiVersion, scale.Kind));
        Assert.Equal((d.Metadata.Uid, d.Metadata.ResourceVersion), (scale.Metadata.Uid, scale.Metadata.ResourceVersion));
        Assert.Equal(3, scale.Spec!.Replicas);
        Assert.Equal(0, scale.Status!.Replicas);
        Assert.Equal("app=scale-get,tier=web", scale.Status.Selector);
    }

    [Fact]
    public async Task Update_sets_spec_replicas_bumps_the_generation_and_honours_the_resource_version()
    {
        await Client.CreateAsync(Deployment("scale-set", 1));
        var scale = await Client.GetScaleAsync("deployments", "default", "scale-set");
        var updated = await Client.UpdateScaleAsync("deployments", "default", scale with { Spec = new ScaleSpec { Replicas = 5 } });
        Assert.Equal(5, updated.Spec!.Replicas);
        var d = await Client.GetAsync<Deployment>("scale-set");
        Assert.Equal((5, 2L), (d.Spec!.Replicas, d.Metadata.Generation));

        // The first Scale's resourceVersion is stale now.
        var conflict = await Assert.ThrowsAsync<ApiException>(() => Client.UpdateScaleAsync("deployments", "default", scale with { Spec = new ScaleSpec { Replicas = 2 } }));
        Assert.True(conflict.IsConflict, conflict.Message);
        Assert.Equal(5, (await Client.GetAsync<Deployment>("scale-set")).Spec!.Replicas);

        var unconditional = scale with { Metadata = scale.Metadata with { ResourceVersion = null }, Spec = new ScaleSpec { Replicas = 0 } };
        Assert.Equal(0, (await Client.UpdateScaleAsync("deployments", "default", unconditional)).Spec!.Replicas);
    }

    [Fact]
    public async Task Bad_scales_are_refused_with_clear_errors_and_nothing_written()
    {
        await Client.CreateAsync(new ReplicaSet
        {
            Metadata = new ObjectMeta { Name = "scale-rs" },
            Spec = new ReplicaSetSpec
            {
                Replicas = 2,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "rs" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "rs" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
                },
            },
        });
        var scale = await Client.GetScaleAsync("replicasets", "default", "scale-rs");
        Assert.Equal(("app=rs", 2), (scale.Status!.Selector, scale.Spec!.Replicas));

        var negative = await Assert.ThrowsAsync<ApiException>(() => Client.UpdateScaleAsync("replicasets", "default", scale with { Spec = new ScaleSpec { Replicas = -1 } }));
        Assert.Equal(StatusReasons.Invalid, negative.Reason);
        Assert.Contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0", negative.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Client.GetAsync<ReplicaSet>("scale-rs")).Spec!.Replicas);

        var missing = await Assert.ThrowsAsync<ApiException>(() => Client.GetScaleAsync("deployments", "default", "no-such"));
        Assert.True(missing.IsNotFound);
        var pods = await Assert.ThrowsAsync<ApiException>(() => Client.GetScaleAsync("pods", "default", "x"));
        Assert.True(pods.IsNotFound);
        Assert.Contains("no scale subresource", pods.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_kinds_are_served_not_stored()
    {
        var discovered = await Client.DiscoverAsync();
        var podMetrics = Assert.Single(discovered, r => r.Kind == "PodMetrics");
        Assert.Equal(("pods", "metrics.k8s.io", "v1beta1"), (podMetrics.Name, podMetrics.Group, podMetrics.Version));
        Assert.Equal(["get", "list"], podMetrics.Verbs);
        // Without kubelets there is nothing to report, and nothing to write.
        Assert.Empty(await Client.ListPodMetricsAsync("default"));
        Assert.Empty((await Client.ListAsync<PodMetrics>("default")).Items);
        var notFound = await Assert.ThrowsAsync<ApiException>(() => Client.GetPodMetricsAsync("default", "nope"));
        Assert.Equal("podmetrics.metrics.k8s.io \"nope\" not found", notFound.Message);
        var write = await Assert.ThrowsAsync<ApiException>(() => Client.CreateAsync(new PodMetrics { Metadata = new ObjectMeta { Name = "x" } }));
        Assert.Equal(StatusReasons.MethodNotAllowed, write.Reason);
    }
}
