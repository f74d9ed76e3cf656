using MiniKube.Api;
using MiniKube.Storage;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// The <c>default/kubernetes</c> Service each API server keeps (its bootstrap controller with the lease endpoint reconciler),
/// against real API servers over real etcd. Short reconcile intervals and lease TTLs keep the waits short; nothing sleeps.
/// </summary>
public sealed class KubernetesServiceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static void Fast(ApiServerOptions o)
    {
        o.EndpointReconcileInterval = TimeSpan.FromMilliseconds(200);
        o.EndpointLeaseTtl = TimeSpan.FromSeconds(1);
    }

    private static int Port(TestApiServer server) => new Uri(server.HttpAddress).Port;

    private static EtcdObjectStore Store(TestApiServer server) =>
        new(new EtcdStorageOptions { Endpoints = [server.EtcdEndpoint], Prefix = server.EtcdPrefix });

    private static async Task<IReadOnlyList<(string Ip, int Port)>> EndpointsOf(TestApiServer server)
    {
        var endpoints = await server.Client.GetAsync<Endpoints>("kubernetes", "default");
        return [.. (endpoints.Subsets ?? []).SelectMany(s => s.Addresses!.Select(a => (a.Ip, s.Ports![0].Port)))];
    }

    private static async Task<IReadOnlyList<(string Ip, int Port)>> SliceEndpointsOf(TestApiServer server)
    {
        var slices = await server.Client.ListAsync<EndpointSlice>("default", labelSelector: "kubernetes.io/service-name=kubernetes");
        return [.. slices.Items.SelectMany(s => s.Endpoints!.SelectMany(e => e.Addresses).Select(a => (a, s.Ports![0].Port!.Value))).Order()];
    }

    [Fact]
    public async Task The_service_and_its_endpoints_exist_once_the_api_server_has_started()
    {
        await using var server = await TestApiServer.StartAsync();

        var service = await server.Client.GetAsync<Service>("kubernetes", "default");
        Assert.Equal("10.96.0.1", service.Spec!.ClusterIP);
        Assert.Equal(["10.96.0.1"], service.Spec.ClusterIPs!);
        Assert.Equal(ServiceType.ClusterIP, service.Spec.Type);
        Assert.Null(service.Spec.Selector);
        var port = Assert.Single(service.Spec.Ports!);
        Assert.Equal(("https", "TCP", 443, Port(server)), (port.Name, port.Protocol, port.Port, port.TargetPort!.Value.IntValue));
        Assert.Equal("apiserver", service.Metadata.Labels!["component"]);
        Assert.Equal("kubernetes", service.Metadata.Labels["provider"]);

        Assert.Equal([("127.0.0.1", Port(server))], await EndpointsOf(server));
        var slice = await server.Client.GetAsync<EndpointSlice>("kubernetes", "default");
        Assert.Equal("IPv4", slice.AddressType);
        var endpoint = Assert.Single(slice.Endpoints!);
        Assert.Equal(["127.0.0.1"], endpoint.Addresses);
        Assert.True(endpoint.Conditions!.Ready);
        Assert.Equal(("https", "TCP", Port(server)), (slice.Ports![0].Name, slice.Ports[0].Protocol, slice.Ports[0].Port!.Value));
        Assert.False(slice.Metadata.Labels!.ContainsKey(WellKnownLabels.EndpointSliceManagedBy));

        // The first address stays the kubernetes Service's: nobody else may ask for it.
        var taken = await Assert.ThrowsAsync<ApiException>(() => server.Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "squatter" },
            Spec = new ServiceSpec { ClusterIP = "10.96.0.1", Ports = [new ServicePort { Port = 80 }] },
        }));
        Assert.Contains("spec.clusterIPs: Invalid value: \"10.96.0.1\": failed to allocate IP 10.96.0.1: provided IP is reserved for the default/kubernetes Service",
            taken.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_service_endpoints_or_slice_comes_back()
    {
        await using var server = await TestApiServer.StartAsync(configure: Fast);
        var first = await server.Client.GetAsync<Service>("kubernetes", "default");

        await server.Client.DeleteAsync<Service>("kubernetes", "default");
        await server.Client.DeleteAsync<Endpoints>("kubernetes", "default");
        await server.Client.DeleteAsync<EndpointSlice>("kubernetes", "default");

        var again = await Eventually.WaitAsync(async () =>
        {
            try
            {
                return await server.Client.GetAsync<Service>("kubernetes", "default");
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return null;
            }
        }, Wait, "the kubernetes Service is recreated");
        Assert.NotEqual(first.Metadata.Uid, again.Metadata.Uid);
        Assert.Equal("10.96.0.1", again.Spec!.ClusterIP);
        await Eventually.WaitAsync(async () => (await SliceEndpointsOf(server)).Count == 1 && (await EndpointsOf(server)).Count == 1,
            Wait, "the Endpoints and EndpointSlice are recreated");
    }

    [Fact]
    public async Task Every_live_api_server_is_listed_a_stopped_one_leaves_at_once_and_a_dead_ones_lease_expires()
    {
        await using var a = await TestApiServer.StartAsync(configure: Fast);
        var b = await TestApiServer.StartAsync(a.EtcdEndpoint, a.EtcdPrefix, Fast);
        List<(string, int)> both = [("127.0.0.1", Port(a)), ("127.0.0.1", Port(b))];
        both.Sort();
        try
        {
            await Eventually.WaitAsync(async () => (await SliceEndpointsOf(a)).SequenceEqual(both), Wait, "both API servers in the EndpointSlices");
            await Eventually.WaitAsync(async () => (await EndpointsOf(a)).Order().SequenceEqual(both), Wait, "both API servers in the Endpoints");
            // One slice per port: a slice has one port set, and these servers differ by port.
            var slices = await a.Client.ListAsync<EndpointSlice>("default", labelSelector: "kubernetes.io/service-name=kubernetes");
            Assert.Equal(2, slices.Items.Count);
        }
        finally
        {
            await b.DisposeAsync();
        }
        // A clean stop removes the lease and the endpoint without waiting for the TTL.
        using var store = Store(a);
        Assert.Equal(["masterleases/127.0.0.1:" + Port(a)], (await store.ListAsync("masterleases/")).Items.Select(i => i.Key));
        await Eventually.WaitAsync(async () => (await SliceEndpointsOf(a)).SequenceEqual([("127.0.0.1", Port(a))]), Wait, "the stopped server left the slices");

        // A server that died leaves its lease behind, unrenewed: it is listed until etcd expires it.
        await store.PutAsync("masterleases/127.0.0.1:1", "127.0.0.1:1"u8.ToArray(), TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(async () => (await EndpointsOf(a)).Contains(("127.0.0.1", 1)), Wait, "the dead server's lease is listed");
        await Eventually.WaitAsync(async () => (await EndpointsOf(a)).SequenceEqual([("127.0.0.1", Port(a))])
            && (await SliceEndpointsOf(a)).SequenceEqual([("127.0.0.1", Port(a))]), Wait, "the dead server's endpoint is gone after its lease expired");
        Assert.Equal(["masterleases/127.0.0.1:" + Port(a)], (await store.ListAsync("masterleases/")).Items.Select(i => i.Key));
    }

    [Fact]
    public async Task With_the_reconciler_off_there_is_no_kubernetes_service()
    {
        await using var server = await TestApiServer.StartAsync(configure: o => o.EndpointReconcilerType = EndpointReconcilerTypes.None);
        var missing = await Assert.ThrowsAsync<ApiException>(() => server.Client.GetAsync<Service>("kubernetes", "default"));
        Assert.True(missing.IsNotFound);
    }

    [Theory]
    [InlineData("172.17.0.1:6443", true, "172.17.0.1", 6443)]
    [InlineData("127.0.0.1:0", false, "", 0)]
    [InlineData("foo:80", false, "", 0)]
    [InlineData("127.0.0.1", false, "", 0)]
    public void Lease_keys_parse_as_ip_and_port(string text, bool ok, string ip, int port)
    {
        Assert.Equal(ok, EndpointLeases.TryParse(text, out var endpoint));
        if (ok)
        {
            Assert.Equal(new ApiServerEndpoint(ip, port), endpoint);
        }
    }

    [Fact]
    public void Subsets_group_by_port_and_sort_addresses_numerically()
    {
        var subsets = KubernetesServiceObjects.Subsets([new("10.0.0.10", 2), new("10.0.0.9", 2), new("10.0.0.1", 1), new("10.0.0.9", 2)]);
        Assert.Equal([1, 2], subsets.Select(s => s.Ports![0].Port));
        Assert.Equal(["10.0.0.9", "10.0.0.10"], subsets[1].Addresses!.Select(a => a.Ip));
        var slices = KubernetesServiceObjects.Slices([new("10.0.0.1", 2), new("10.0.0.1", 1)]);
        Assert.Equal(["kubernetes", "kubernetes-2"], slices.Select(s => s.Metadata.Name));
    }
}
