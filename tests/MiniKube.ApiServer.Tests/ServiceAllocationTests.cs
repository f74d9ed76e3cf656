using System.Net;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Storage;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>ClusterIP and NodePort allocation and Service validation, against a real API server over real etcd.</summary>
public sealed class ServiceAllocationTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    private static Service Svc(string name, string? type = null, string? clusterIP = null, int port = 80, int? nodePort = null, string? ns = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new ServiceSpec
        {
            Type = type,
            ClusterIP = clusterIP,
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new ServicePort { Port = port, NodePort = nodePort }],
        },
    };

    private static EtcdObjectStore Store(TestApiServer server) =>
        new(new EtcdStorageOptions { Endpoints = [server.EtcdEndpoint], Prefix = server.EtcdPrefix });

    private static async Task<bool> KeyExistsAsync(TestApiServer server, string key)
    {
        using var store = Store(server);
        return await store.GetAsync(key) is not null;
    }

    private static async Task<ApiException> InvalidAsync(Func<Task> write)
    {
        var error = await Assert.ThrowsAsync<ApiException>(write);
        Assert.True(error.IsInvalid, error.Status.Message);
        return error;
    }

    [Fact]
    public async Task A_service_is_defaulted_as_Kubernetes_does_and_gets_a_cluster_ip_from_the_dynamic_band_recorded_in_etcd()
    {
        var created = await Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "defaults" },
            Spec = new ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "x" }, Ports = [new ServicePort { Port = 8080 }] },
        });

        var spec = created.Spec!;
        Assert.Equal(ServiceType.ClusterIP, spec.Type);
        Assert.Equal("None", spec.SessionAffinity);
        Assert.Equal("Cluster", spec.InternalTrafficPolicy);
        Assert.Equal(["IPv4"], spec.IpFamilies!);
        Assert.Equal("SingleStack", spec.IpFamilyPolicy);
        var port = Assert.Single(spec.Ports!);
        Assert.Equal((Api.Protocol.Tcp, 8080, (int?)null), (port.Protocol, port.TargetPort!.Value.IntValue, port.NodePort));
        var ip = IPAddress.Parse(spec.ClusterIP!).GetAddressBytes();
        Assert.Equal((10, 96), (ip[0], ip[1]));
        // 10.96.0.0-10.96.0.255 is the static band, left for Services that ask for an address (10.96.0.10 for DNS).
        Assert.NotEqual(0, ip[2]);
        Assert.Equal([spec.ClusterIP!], spec.ClusterIPs!);
        Assert.True(await KeyExistsAsync(fixture.Server, "ranges/serviceips/" + spec.ClusterIP));

        var affinity = await Client.CreateAsync(Svc("affinity") with
        {
            Spec = Svc("affinity").Spec! with { SessionAffinity = "ClientIP", Ports = [new ServicePort { Port = 80, TargetPort = IntOrString.FromString("http") }] },
        });
        Assert.Equal(10800, affinity.Spec!.SessionAffinityConfig!.ClientIP!.TimeoutSeconds);
        Assert.Equal("http", affinity.Spec.Ports![0].TargetPort!.Value.StringValue);
    }

    [Fact]
    public async Task A_requested_cluster_ip_is_honoured_once_then_refused_with_Kubernetes_message_and_nothing_is_stored()
    {
        var created = await Client.CreateAsync(Svc("wants-ip", clusterIP: "10.96.0.5"));
        Assert.Equal("10.96.0.5", created.Spec!.ClusterIP);

        var taken = await InvalidAsync(() => Client.CreateAsync(Svc("wants-ip-too", clusterIP: "10.96.0.5")));
        Assert.Equal("Service \"wants-ip-too\" is invalid: spec.clusterIPs: Invalid value: \"10.96.0.5\": failed to allocate IP 10.96.0.5: provided IP is already allocated",
            taken.Status.Message);
        await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<Service>("wants-ip-too"));

        var outside = await InvalidAsync(() => Client.CreateAsync(Svc("outside", clusterIP: "10.97.0.5")));
        Assert.Contains("spec.clusterIPs: Invalid value: \"10.97.0.5\": failed to allocate IP 10.97.0.5: provided IP 10.97.0.5 is not in the valid range. The range of valid IPs is 10.96.0.0/16",
            outside.Status.Message, StringComparison.Ordinal);
        // Neither the network nor the broadcast address is ever handed out.
        await InvalidAsync(() => Client.CreateAsync(Svc("network", clusterIP: "10.96.0.0")));
        await InvalidAsync(() => Client.CreateAsync(Svc("broadcast", clusterIP: "10.96.255.255")));
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/serviceips/10.96.0.0"));
    }

    [Fact]
    public async Task Node_ports_are_allocated_in_range_requested_ones_honoured_and_taken_or_outside_ones_refused()
    {
        var random = await Client.CreateAsync(Svc("np-random", type: ServiceType.NodePort));
        var picked = random.Spec!.Ports![0].NodePort!.Value;
        Assert.InRange(picked, 30000, 32767);
        Assert.True(await KeyExistsAsync(fixture.Server, "ranges/servicenodeports/" + picked));

        var fixedPort = await Client.CreateAsync(Svc("np-fixed", type: ServiceType.NodePort, nodePort: 30080));
        Assert.Equal(30080, fixedPort.Spec!.Ports![0].NodePort);

        var taken = await InvalidAsync(() => Client.CreateAsync(Svc("np-taken", type: ServiceType.NodePort, nodePort: 30080)));
        Assert.Equal("Service \"np-taken\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated", taken.Status.Message);
        var outside = await InvalidAsync(() => Client.CreateAsync(Svc("np-outside", type: ServiceType.NodePort, nodePort: 40000)));
        Assert.Equal(
            "Service \"np-outside\" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767",
            outside.Status.Message);

        // The failed create asked for a free IP too: the transaction that was refused allocated nothing.
        await InvalidAsync(() => Client.CreateAsync(Svc("np-taken-ip", type: ServiceType.NodePort, clusterIP: "10.96.0.77", nodePort: 30080)));
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/serviceips/10.96.0.77"));
        await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<Service>("np-taken-ip"));
        Assert.Equal("10.96.0.77", (await Client.CreateAsync(Svc("np-ip-free", clusterIP: "10.96.0.77"))).Spec!.ClusterIP);
    }

    [Fact]
    public async Task Deleting_a_service_releases_its_ip_and_node_port_for_the_next_one()
    {
        await Client.CreateAsync(Svc("release", type: ServiceType.NodePort, clusterIP: "10.96.0.90", nodePort: 30090));
        Assert.True(await KeyExistsAsync(fixture.Server, "ranges/servicenodeports/30090"));

        await Client.DeleteAsync<Service>("release");

        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/serviceips/10.96.0.90"));
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/servicenodeports/30090"));
        var again = await Client.CreateAsync(Svc("release-again", type: ServiceType.NodePort, clusterIP: "10.96.0.90", nodePort: 30090));
        Assert.Equal(("10.96.0.90", 30090), (again.Spec!.ClusterIP, again.Spec.Ports![0].NodePort));
    }

    [Fact]
    public async Task The_cluster_ip_is_immutable_kept_when_left_out_and_type_changes_allocate_and_release()
    {
        var created = await Client.CreateAsync(Svc("typed", clusterIP: "10.96.0.101"));

        var changed = await InvalidAsync(() => Client.UpdateAsync(created with { Spec = created.Spec! with { ClusterIP = "10.96.0.102", ClusterIPs = ["10.96.0.102"] } }));
        Assert.Equal("Service \"typed\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.96.0.102\": may not change once set", changed.Status.Message);
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/serviceips/10.96.0.102"));

        // An update that leaves clusterIP out (a re-applied manifest) keeps it.
        var kept = await Client.UpdateAsync(created with { Spec = created.Spec! with { ClusterIP = null, ClusterIPs = null } });
        Assert.Equal("10.96.0.101", kept.Spec!.ClusterIP);

        var nodePort = await Client.PatchAsync<Service>("typed", null, """{"spec":{"type":"NodePort"}}""");
        var port = nodePort.Spec!.Ports![0].NodePort!.Value;
        Assert.True(await KeyExistsAsync(fixture.Server, "ranges/servicenodeports/" + port));
        // Applying the same manifest again (no nodePort in it) keeps the allocated port.
        var reapplied = await Client.UpdateAsync(nodePort with { Spec = nodePort.Spec with { Ports = [new ServicePort { Port = 80 }] } });
        Assert.Equal(port, reapplied.Spec!.Ports![0].NodePort);

        var back = await Client.PatchAsync<Service>("typed", null, """{"spec":{"type":"ClusterIP"}}""");
        Assert.Null(back.Spec!.Ports![0].NodePort);
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/servicenodeports/" + port));

        var external = await Client.PatchAsync<Service>("typed", null, """{"spec":{"type":"ExternalName","externalName":"db.example.org","selector":null}}""");
        Assert.Null(external.Spec!.ClusterIP);
        Assert.False(await KeyExistsAsync(fixture.Server, "ranges/serviceips/10.96.0.101"));
    }

    [Fact]
    public async Task A_headless_service_gets_no_ip_and_bad_ports_and_affinity_are_path_qualified_errors()
    {
        var headless = await Client.CreateAsync(Svc("headless", clusterIP: "None"));
        Assert.Equal(("None", "SingleStack"), (headless.Spec!.ClusterIP, headless.Spec.IpFamilyPolicy));
        Assert.Equal(["None"], headless.Spec.ClusterIPs!);

        var bad = await InvalidAsync(() => Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "bad-ports" },
            Spec = new ServiceSpec
            {
                SessionAffinity = "ClientIP",
                SessionAffinityConfig = new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = 90000 } },
                Ports =
                [
                    new ServicePort { Name = "a", Port = 0, Protocol = "HTTP" },
                    new ServicePort { Name = "b", Port = 81, TargetPort = IntOrString.FromInt(70000) },
                ],
            },
        }));
        var message = bad.Status.Message;
        Assert.Contains("spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", message, StringComparison.Ordinal);
        Assert.Contains("spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", message, StringComparison.Ordinal);
        Assert.Contains("spec.ports[1].targetPort: Invalid value: 70000", message, StringComparison.Ordinal);
        Assert.Contains("spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400", message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_api_servers_on_one_etcd_racing_for_a_small_range_never_hand_out_one_ip_or_node_port_twice()
    {
        // 61 usable addresses (the kubernetes Service holds the first) and 60 node ports for 50 services created at once through two API servers.
        static void Small(ApiServerOptions o)
        {
            o.ServiceClusterIPRange = "10.100.0.0/26";
            o.ServiceNodePortRange = "30000-30059";
        }
        await using var a = await TestApiServer.StartAsync(configure: Small);
        await using var b = await TestApiServer.StartAsync(a.EtcdEndpoint, a.EtcdPrefix, Small);

        var created = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            (i % 2 == 0 ? a : b).Client.CreateAsync(Svc("race-" + i, type: ServiceType.NodePort))));

        var ips = created.Select(s => s.Spec!.ClusterIP!).ToList();
        var ports = created.Select(s => s.Spec!.Ports![0].NodePort!.Value).ToList();
        Assert.Equal(50, ips.Distinct().Count());
        Assert.Equal(50, ports.Distinct().Count());
        Assert.All(ips, ip => Assert.StartsWith("10.100.0.", ip, StringComparison.Ordinal));
        Assert.All(ips, ip => Assert.InRange(int.Parse(ip.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture), 2, 62));
        Assert.All(ports, p => Assert.InRange(p, 30000, 30059));
        using var store = Store(a);
        Assert.Equal(51, (await store.ListAsync("ranges/serviceips/")).Items.Count);
        Assert.Equal(50, (await store.ListAsync("ranges/servicenodeports/")).Items.Count);

        // Concurrent deletes through both servers release everything.
        await Task.WhenAll(created.Select((s, i) => (i % 2 == 0 ? b : a).Client.DeleteAsync<Service>(s.Metadata.Name!)));
        Assert.Equal(["ranges/serviceips/10.100.0.1"], (await store.ListAsync("ranges/serviceips/")).Items.Select(i => i.Key));
        Assert.Empty((await store.ListAsync("ranges/servicenodeports/")).Items);
    }

    [Fact]
    public async Task A_full_range_is_an_error_and_bad_range_flags_are_refused()
    {
        // A /30 has two addresses: the kubernetes Service holds 10.101.0.1, "one" gets the other.
        await using var server = await TestApiServer.StartAsync(configure: o => o.ServiceClusterIPRange = "10.101.0.0/30");
        Assert.Equal("10.101.0.1", (await server.Client.GetAsync<Service>("kubernetes", "default")).Spec!.ClusterIP);
        Assert.Equal("10.101.0.2", (await server.Client.CreateAsync(Svc("one"))).Spec!.ClusterIP);
        var full = await Assert.ThrowsAsync<ApiException>(() => server.Client.CreateAsync(Svc("three")));
        Assert.Contains("failed to allocate a serviceIP: range is full", full.Status.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ApiException>(() => server.Client.GetAsync<Service>("three"));

        var problems = new ApiServerOptions { ServiceClusterIPRange = "10.96.0.1/16", ServiceNodePortRange = "32767-30000" }.Validate();
        Assert.Contains(problems, p => p.StartsWith("--service-cluster-ip-range: \"10.96.0.1/16\" is not a network address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--service-node-port-range: \"32767-30000\" is not a port range", StringComparison.Ordinal));
    }
}
