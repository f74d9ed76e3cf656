using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// The VerticalPodAutoscaler's admission step against a real API server and etcd: a pod created for a VPA's target gets the
/// recommended requests (limits in ratio, or untouched with RequestsOnly and the requests capped at them) on gRPC and on REST; Off and other pods are left alone.
/// </summary>
public sealed class VpaAdmissionTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    private static IReadOnlyDictionary<string, Quantity> Q(string cpu, string memory) =>
        new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) };

    /// <summary>Deployment web → ReplicaSet web-1 (controlled by it) and a VPA on the Deployment with a recommendation of 250m / 128Mi.</summary>
    private async Task<(string Ns, ReplicaSet Rs)> TargetAsync(string mode, string? controlledValues = null)
    {
        var ns = await fixture.NewNamespaceAsync();
        var template = new PodTemplateSpec
        {
            Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new PodSpec { Containers = [new Container { Name = "main", Image = TestObjects.Busybox }] },
        };
        var dep = await Client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec { Replicas = 1, Selector = new LabelSelector { MatchLabels = template.Metadata.Labels }, Template = template },
        });
        var rs = await Client.CreateAsync(new ReplicaSet
        {
            Metadata = new ObjectMeta
            {
                Name = "web-1", Namespace = ns,
                OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web", Uid = dep.Metadata.Uid!, Controller = true }],
            },
            Spec = new ReplicaSetSpec { Replicas = 1, Selector = new LabelSelector { MatchLabels = template.Metadata.Labels }, Template = template },
        });
        var vpa = await Client.CreateAsync(new VerticalPodAutoscaler
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new VerticalPodAutoscalerSpec
            {
                TargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                UpdatePolicy = new PodUpdatePolicy { UpdateMode = mode },
                ResourcePolicy = controlledValues is null ? null
                    : new PodResourcePolicy { ContainerPolicies = [new ContainerResourcePolicy { ContainerName = "*", ControlledValues = controlledValues }] },
            },
        });
        await Client.UpdateStatusAsync(vpa with
        {
            Status = new VerticalPodAutoscalerStatus
            {
                Recommendation = new RecommendedPodResources
                {
                    ContainerRecommendations =
                    [
                        new RecommendedContainerResources
                        {
                            ContainerName = "main", Target = Q("250m", "128Mi"), LowerBound = Q("100m", "64Mi"), UpperBound = Q("1", "1Gi"), UncappedTarget = Q("250m", "128Mi"),
                        },
                    ],
                },
            },
        });
        return (ns, rs);
    }

    private static Pod PodOf(ReplicaSet rs, string name) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name, Namespace = rs.Metadata.Namespace, Labels = new Dictionary<string, string> { ["app"] = "web" },
            OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = rs.Metadata.Name!, Uid = rs.Metadata.Uid!, Controller = true }],
        },
        Spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "main", Image = TestObjects.Busybox,
                    Resources = new ResourceRequirements { Requests = Q("50m", "32Mi"), Limits = Q("100m", "64Mi") },
                },
            ],
        },
    };

    /// <summary>The admission step reads the VPA from the watch cache: wait (dry-run creates) until it sees the recommendation.</summary>
    private async Task WaitForAdmissionAsync(ReplicaSet rs) =>
        await Eventually.WaitAsync(async () => (Pod)await Client.CreateAsync(PodOf(rs, "probe"), dryRun: true),
            p => p.Metadata.Annotations?.ContainsKey(VpaPodResources.UpdatesAnnotation) == true, TimeSpan.FromSeconds(30), "the admission step to see the VPA's recommendation");

    [Fact]
    public async Task A_pod_of_the_target_gets_the_recommended_requests_with_limits_in_ratio_on_both_wires()
    {
        var (ns, rs) = await TargetAsync(VpaUpdateMode.Initial);
        await WaitForAdmissionAsync(rs);

        var grpc = await Client.CreateAsync(PodOf(rs, "over-grpc"));

        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var body = new StringContent(KubeSerializer.ToJson(PodOf(rs, "over-rest")), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/pods", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rest = (Pod)KubeSerializer.FromJson(Encoding.UTF8.GetBytes(await response.Content.ReadAsStringAsync()), typeof(Pod));

        foreach (var pod in new[] { grpc, rest, await Client.GetAsync<Pod>("over-rest", ns) })
        {
            var r = pod.Spec!.Containers[0].Resources!;
            Assert.Equal(("250m", "128Mi"), (r.Requests!["cpu"].ToString(), r.Requests["memory"].ToString()));
            // 1:2 for both: 100m/50m and 64Mi/32Mi.
            Assert.Equal(("500m", "256Mi"), (r.Limits!["cpu"].ToString(), r.Limits["memory"].ToString()));
            Assert.Equal("Pod resources updated by web: container 0: cpu request, cpu limit, memory request, memory limit",
                pod.Metadata.Annotations![VpaPodResources.UpdatesAnnotation]);
        }
    }

    [Fact]
    public async Task RequestsOnly_keeps_the_limits_and_Off_and_unowned_pods_are_left_alone()
    {
        var (ns, rs) = await TargetAsync(VpaUpdateMode.InPlaceOrRecreate, VpaControlledValues.RequestsOnly);
        await WaitForAdmissionAsync(rs);
        var pod = await Client.CreateAsync(PodOf(rs, "requests-only"));
        var r = pod.Spec!.Containers[0].Resources!;
        // The 250m / 128Mi target is above the limits it may not change: capped at 100m / 64Mi, as Kubernetes caps it.
        Assert.Equal(("100m", "64Mi"), (r.Requests!["cpu"].ToString(), r.Requests["memory"].ToString()));
        Assert.Equal(("100m", "64Mi"), (r.Limits!["cpu"].ToString(), r.Limits["memory"].ToString()));

        var unowned = PodOf(rs, "unowned");
        unowned = unowned with { Metadata = unowned.Metadata with { OwnerReferences = null } };
        Assert.Equal("50m", (await Client.CreateAsync(unowned)).Spec!.Containers[0].Resources!.Requests!["cpu"].ToString());

        var (offNs, offRs) = await TargetAsync(VpaUpdateMode.Off);
        // The VPA in Off is in the cache once a newer write is: wait for the namespace's own ReplicaSet to be listed there first.
        await Eventually.WaitAsync(async () => (await Client.ListAsync<VerticalPodAutoscaler>(offNs)).Items.Any(v => v.Status?.Recommendation is not null),
            TimeSpan.FromSeconds(30), "the Off VPA's recommendation to be stored");
        var off = await Client.CreateAsync(PodOf(offRs, "off"));
        Assert.Equal("50m", off.Spec!.Containers[0].Resources!.Requests!["cpu"].ToString());
        Assert.False(off.Metadata.Annotations?.ContainsKey(VpaPodResources.UpdatesAnnotation) ?? false);
    }
}
