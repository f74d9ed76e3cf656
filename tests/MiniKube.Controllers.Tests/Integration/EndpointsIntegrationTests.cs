using System.Diagnostics;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers.Discovery;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;
using Xunit.Abstractions;

namespace MiniKube.Controllers.Tests.Integration;

/// <summary>The EndpointSlice and Endpoints controllers against a real API server, with FakeKubelet reporting pods Running and Ready.</summary>
public sealed class EndpointsIntegrationTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string Hold = "test.minikube.io/hold";

    private MiniKubeClient Client => cluster.Client;

    private static Service WebService(string ns, IntOrString? targetPort = null, bool publishNotReady = false) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = ns, Labels = new Dictionary<string, string> { ["tier"] = "front" } },
        Spec = new ServiceSpec
        {
            Selector = WorkloadObjects.WebLabels,
            Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = targetPort ?? IntOrString.FromString("http") }],
            PublishNotReadyAddresses = publishNotReady,
        },
    };

    private static Pod WebPod(string ns, string name, int httpPort, bool hold = false) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = WorkloadObjects.WebLabels, Finalizers = hold ? [Hold] : null },
        Spec = new PodSpec
        {
            NodeName = "n1",
            Containers = [new Container { Name = "app", Image = "busybox:1.0", Ports = [new ContainerPortSpec { Name = "http", ContainerPort = httpPort }] }],
        },
    };

    private async Task<IReadOnlyList<EndpointSlice>> SlicesAsync(string ns, string service = "web") =>
        (await Client.ListAsync<EndpointSlice>(ns, WellKnownLabels.ServiceName + "=" + service)).Items;

    private static IEnumerable<Endpoint> All(IEnumerable<EndpointSlice> slices) => slices.SelectMany(s => s.Endpoints ?? []);

    private static Endpoint Of(IEnumerable<EndpointSlice> slices, string pod) => All(slices).Single(e => e.TargetRef?.Name == pod);

    private Task<IReadOnlyList<EndpointSlice>> WaitSlicesAsync(string ns, Func<IReadOnlyList<EndpointSlice>, bool> until, string what) =>
        Eventually.WaitAsync(() => SlicesAsync(ns), until, Cluster.Timeout, what);

    private Task<Endpoints> WaitEndpointsAsync(string ns, Func<Endpoints, bool> until, string what) =>
        Eventually.WaitAsync(async () =>
        {
            try
            {
                return await Client.GetAsync<Endpoints>("web", ns);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return new Endpoints();
            }
        }, e => e.Metadata.Name is not null && until(e), Cluster.Timeout, what);

    private static Pod WithReady(Pod pod, bool ready) => pod with
    {
        Status = pod.Status! with
        {
            Conditions = [.. pod.Status.Conditions!.Select(c => c.Type is PodConditionType.Ready or PodConditionType.ContainersReady
                ? c with { Status = ready ? ConditionStatus.True : ConditionStatus.False, LastTransitionTime = DateTimeOffset.UtcNow }
                : c)],
        },
    };

    [Fact]
    public async Task Named_target_ports_resolve_per_pod_and_ready_not_ready_and_terminating_are_reported_as_Kubernetes_does()
    {
        var ns = await cluster.NewNamespaceAsync("ep-conditions");
        var service = await Client.CreateAsync(WebService(ns));
        await Client.CreateAsync(WebPod(ns, "a", 8080));
        await Client.CreateAsync(WebPod(ns, "b", 9090, hold: true));
        var pods = await Cluster.WaitForRunningPodsAsync(Client, ns, 2);

        // "http" is 8080 on a and 9090 on b: two slices, one per resolved port set.
        var slices = await WaitSlicesAsync(ns, s => s.Count == 2 && All(s).Count() == 2, "two slices with one endpoint each");
        Assert.Equal([8080, 9090], slices.Select(s => Assert.Single(s.Ports!).Port!.Value).Order());
        foreach (var slice in slices)
        {
            Assert.Equal(AddressTypes.IPv4, slice.AddressType);
            Assert.Equal(("web", EndpointSliceController.ManagedBy, "front"),
                (slice.Metadata.Labels![WellKnownLabels.ServiceName], slice.Metadata.Labels[WellKnownLabels.EndpointSliceManagedBy], slice.Metadata.Labels["tier"]));
            var owner = Assert.Single(slice.Metadata.OwnerReferences!);
            Assert.Equal(("Service", "web", service.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
            Assert.Equal(("http", Api.Protocol.Tcp), (slice.Ports![0].Name, slice.Ports[0].Protocol));
            Assert.StartsWith("web-", slice.Metadata.Name, StringComparison.Ordinal);
        }
        var a = pods.Single(p => p.Metadata.Name == "a");
        var endpointA = Of(slices, "a");
        Assert.Equal([a.Status!.PodIP!], endpointA.Addresses);
        Assert.Equal(("n1", a.Metadata.Uid, "Pod", ns), (endpointA.NodeName, endpointA.TargetRef!.Uid, endpointA.TargetRef.Kind, endpointA.TargetRef.Namespace));
        Assert.Equal(new EndpointConditions { Ready = true, Serving = true, Terminating = false }, endpointA.Conditions);
        var endpoints = await WaitEndpointsAsync(ns, e => e.Subsets?.Sum(s => s.Addresses?.Count ?? 0) == 2, "Endpoints with two ready addresses");
        Assert.Equal([8080, 9090], endpoints.Subsets!.Select(s => Assert.Single(s.Ports!).Port).Order());

        // Readiness lost: ready and serving false at once, measured from the status write with a watch on the slices.
        await using (var watch = new Informer<EndpointSlice>(Client, new InformerOptions { Namespace = ns }))
        {
            var flipped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            watch.AddHandler(onUpdate: (_, s) =>
            {
                if (s.Endpoints?.Any(e => e.TargetRef?.Name == "a" && e.Conditions?.Ready == false) == true)
                {
                    flipped.TrySetResult();
                }
            });
            watch.Start();
            await watch.WaitForSyncAsync();
            var clock = Stopwatch.StartNew();
            await Client.UpdateStatusAsync(WithReady(await Client.GetAsync<Pod>("a", ns), ready: false));
            await flipped.Task.WaitAsync(Cluster.Timeout);
            var elapsed = clock.Elapsed;
            output.WriteLine($"readiness change in the EndpointSlice {elapsed.TotalMilliseconds:F1} ms after the pod status write began");
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the slice showed the readiness change {elapsed.TotalMilliseconds:F0} ms after the pod status write");
        }
        slices = await SlicesAsync(ns);
        Assert.Equal(new EndpointConditions { Ready = false, Serving = false, Terminating = false }, Of(slices, "a").Conditions);
        endpoints = await WaitEndpointsAsync(ns, e => e.Subsets!.Any(s => s.NotReadyAddresses?.Any(x => x.TargetRef?.Name == "a") == true),
            "a among the not-ready addresses");
        Assert.DoesNotContain(endpoints.Subsets!.SelectMany(s => s.Addresses ?? []), x => x.TargetRef?.Name == "a");

        // Terminating (held by a finalizer after FakeKubelet's final delete): not ready at once, still serving, left out of Endpoints.
        await Client.DeleteAsync<Pod>("b", ns);
        slices = await WaitSlicesAsync(ns, s => All(s).Any(e => e.TargetRef?.Name == "b" && e.Conditions?.Terminating == true), "b terminating");
        Assert.Equal(new EndpointConditions { Ready = false, Serving = true, Terminating = true }, Of(slices, "b").Conditions);
        await WaitEndpointsAsync(ns, e => !(e.Subsets ?? []).SelectMany(s => (s.Addresses ?? []).Concat(s.NotReadyAddresses ?? [])).Any(x => x.TargetRef?.Name == "b"),
            "b out of the Endpoints");

        // Ready again, and b gone for good: one slice with a, ready.
        await Client.UpdateStatusAsync(WithReady(await Client.GetAsync<Pod>("a", ns), ready: true));
        await Client.PatchAsync<Pod>("b", ns, """{"metadata":{"finalizers":null}}""");
        slices = await WaitSlicesAsync(ns, s => s.Count == 1 && All(s).Count() == 1 && Of(s, "a").Conditions?.Ready == true, "only a, ready");
        await WaitEndpointsAsync(ns, e => e.Subsets?.Count == 1 && e.Subsets[0].Addresses?.Count == 1, "only a in the Endpoints");

        // Foreground deletion: the garbage collector removes the owned slices, then the Service goes.
        await Client.DeleteAsync<Service>("web", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground });
        await Cluster.WaitForGoneAsync<Service>(Client, "web", ns);
        await WaitSlicesAsync(ns, s => s.Count == 0, "no slices left");
    }

    [Fact]
    public async Task Publish_not_ready_addresses_makes_every_pod_ready_and_a_numeric_target_port_is_used_as_is()
    {
        var ns = await cluster.NewNamespaceAsync("ep-publish");
        await Client.CreateAsync(WebService(ns, IntOrString.FromInt(7000), publishNotReady: true));
        await Client.CreateAsync(WebPod(ns, "a", 8080));
        await Cluster.WaitForRunningPodsAsync(Client, ns, 1);
        await Client.UpdateStatusAsync(WithReady(await Client.GetAsync<Pod>("a", ns), ready: false));

        var slices = await WaitSlicesAsync(ns, s => All(s).Any(e => e.Conditions?.Serving == false), "a not serving");
        Assert.Equal(new EndpointConditions { Ready = true, Serving = false, Terminating = false }, Of(slices, "a").Conditions);
        Assert.Equal(7000, Assert.Single(Assert.Single(slices).Ports!).Port);
        var endpoints = await WaitEndpointsAsync(ns, e => e.Subsets?.Count == 1, "one subset");
        Assert.Equal("a", Assert.Single(endpoints.Subsets![0].Addresses!).TargetRef!.Name);
        Assert.Null(endpoints.Subsets[0].NotReadyAddresses);
    }

    [Fact]
    public async Task Scaling_a_deployment_fills_slices_of_at_most_100_and_a_selector_change_empties_them()
    {
        var ns = await cluster.NewNamespaceAsync("ep-scale");
        var deployment = WorkloadObjects.Deployment("web", 3, ns);
        await Client.CreateAsync(deployment with { Metadata = new ObjectMeta { Name = "web", Namespace = ns } });
        await Client.CreateAsync(WebService(ns, IntOrString.FromInt(8080)));
        await WaitSlicesAsync(ns, s => All(s).Count(e => e.Conditions?.Ready == true) == 3, "three ready endpoints");

        await Client.PatchAsync<Deployment>("web", ns, """{"spec":{"replicas":120}}""");
        var slices = await WaitSlicesAsync(ns, s => All(s).Count(e => e.Conditions?.Ready == true) == 120, "120 ready endpoints");
        Assert.Equal([20, 100], slices.Select(s => s.Endpoints!.Count).Order());
        await WaitEndpointsAsync(ns, e => e.Subsets?.Sum(s => s.Addresses?.Count ?? 0) == 120, "120 addresses in the Endpoints");

        // Scaling down leaves every remaining endpoint in the slice it was in: only the slices that lost some are rewritten.
        var placement = slices.SelectMany(s => s.Endpoints!.Select(e => (Pod: e.TargetRef!.Name!, Slice: s.Metadata.Name!))).ToDictionary(x => x.Pod, x => x.Slice);
        await Client.PatchAsync<Deployment>("web", ns, """{"spec":{"replicas":110}}""");
        slices = await WaitSlicesAsync(ns, s => All(s).Count() == 110, "110 endpoints");
        Assert.All(slices.SelectMany(s => s.Endpoints!.Select(e => (Pod: e.TargetRef!.Name!, Slice: s.Metadata.Name!))),
            x => Assert.Equal(placement[x.Pod], x.Slice));

        await Client.PatchAsync<Deployment>("web", ns, """{"spec":{"replicas":1}}""");
        slices = await WaitSlicesAsync(ns, s => s.Count == 1 && All(s).Count() == 1, "one slice with one endpoint");
        var live = await Cluster.WaitForRunningPodsAsync(Client, ns, 1);
        Assert.Equal(live[0].Metadata.Name, Assert.Single(All(slices)).TargetRef!.Name);
        await WaitEndpointsAsync(ns, e => e.Subsets?.Sum(s => s.Addresses?.Count ?? 0) == 1, "one address in the Endpoints");

        await Client.PatchAsync<Service>("web", ns, """{"spec":{"selector":{"app":"nothing"}}}""");
        slices = await WaitSlicesAsync(ns, s => s.Count == 1 && All(s).Count() == 0, "one empty placeholder slice");
        Assert.Empty(slices[0].Ports ?? []);
        await WaitEndpointsAsync(ns, e => (e.Subsets ?? []).Count == 0, "Endpoints without subsets");

        await Client.DeleteAsync<Service>("web", ns);
        await WaitSlicesAsync(ns, s => s.Count == 0, "the slices gone with the Service");
        await Cluster.WaitForGoneAsync<Endpoints>(Client, "web", ns);
    }

    [Fact]
    public async Task A_selectorless_service_keeps_the_slices_and_endpoints_its_user_wrote()
    {
        var ns = await cluster.NewNamespaceAsync("ep-manual");
        await Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "external", Namespace = ns },
            Spec = new ServiceSpec { Ports = [new ServicePort { Port = 5432 }] },
        });
        var userSlice = await Client.CreateAsync(new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = "external-1", Namespace = ns, Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = "external" } },
            AddressType = AddressTypes.IPv4,
            Endpoints = [new Endpoint { Addresses = ["10.244.99.9"] }],
            Ports = [new EndpointSlicePort { Port = 5432, Protocol = Api.Protocol.Tcp }],
        });
        var userEndpoints = await Client.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "external", Namespace = ns },
            Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.244.99.9" }], Ports = [new EndpointPort { Port = 5432 }] }],
        });
        // A pod whose labels nothing selects, and a selecting Service synced after the selector-less one: the controllers have run.
        await Client.CreateAsync(WebPod(ns, "a", 8080));
        await Client.CreateAsync(WebService(ns));
        await WaitSlicesAsync(ns, s => All(s).Count() == 1, "web's slice");
        await WaitEndpointsAsync(ns, e => e.Subsets?.Count == 1, "web's Endpoints");

        var slices = await SlicesAsync(ns, "external");
        Assert.Equal(userSlice.Metadata.ResourceVersion, Assert.Single(slices).Metadata.ResourceVersion);
        Assert.Equal(userEndpoints.Metadata.ResourceVersion, (await Client.GetAsync<Endpoints>("external", ns)).Metadata.ResourceVersion);
    }
}
