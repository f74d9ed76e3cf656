using MiniKube.Cluster;

namespace MiniKube.Cli.Tests.Cluster;

public sealed class ClusterComponentsTests
{
    private static readonly ClusterHome Home = new("/home/u/.minikube", "/home/u/.minikube/config");

    private static ClusterState State(string? externalEtcd = null) => new()
    {
        Name = "dev",
        Nodes = 3,
        BinDirectory = AppContext.BaseDirectory,
        ExternalEtcd = externalEtcd,
        EtcdClientPort = externalEtcd is null ? 21001 : 0,
        EtcdPeerPort = externalEtcd is null ? 21002 : 0,
        ApiGrpcPort = 21003,
        ApiHttpPort = 21004,
        DashboardPort = 21005,
    };

    private static IReadOnlyList<ComponentSpec> For(ClusterState state) =>
        ClusterComponents.For(new ClusterLayout(state, Home, ComponentBinaries.Locate(null), "/usr/bin/etcd"));

    [Fact]
    public void Kubelets_drive_the_Docker_endpoint_that_cluster_up_checked()
    {
        var specs = ClusterComponents.For(new ClusterLayout(State(), Home, ComponentBinaries.Locate(null), "/usr/bin/etcd", "unix:///run/other/docker.sock"));

        Assert.All(specs.Where(s => s.Role == ClusterComponents.Kubelet), s =>
        {
            var i = s.Command.ToList().IndexOf("--docker-endpoint");
            Assert.True(i > 0, string.Join(' ', s.Command));
            Assert.Equal("unix:///run/other/docker.sock", s.Command[i + 1]);
        });
        Assert.Contains("unix:///var/run/docker.sock", For(State()).First(s => s.Role == ClusterComponents.Kubelet).Command);
    }

    [Fact]
    public void A_cluster_is_etcd_the_control_plane_and_one_kubelet_per_node_in_start_order()
    {
        var specs = For(State());
        Assert.Equal(["etcd", "apiserver", "scheduler", "controller-manager", "proxy", "kubelet-dev-node-1", "kubelet-dev-node-2", "kubelet-dev-node-3", "dashboard"],
            specs.Select(s => s.Name));
        Assert.All(specs, s => Assert.Equal(Path.Combine(Home.LogDirectory, s.Name + ".log"), s.LogFile));
        // Everything but etcd and the API server (which waits for etcd itself) waits for the API server.
        Assert.All(specs.Skip(2), s => Assert.Equal(["apiserver"], s.After));
        Assert.Empty(specs[0].After);
        Assert.Empty(specs[1].After);
        // Nodes stop first, etcd last.
        Assert.Equal("kubelet-dev-node-1", specs.OrderBy(s => s.StopWave).Select(s => s.Name).First());
        Assert.Equal("etcd", specs.MaxBy(s => s.StopWave)!.Name);
    }

    [Fact]
    public void Components_get_the_recorded_ports_and_the_server_address()
    {
        var specs = For(State()).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var etcd = specs["etcd"].Command;
        Assert.Equal("/usr/bin/etcd", etcd[0]);
        Assert.Equal("https://127.0.0.1:21001", After(etcd, "--listen-client-urls"));
        Assert.Equal("dev=https://127.0.0.1:21002", After(etcd, "--initial-cluster"));
        Assert.Equal(Home.Pki.EtcdServer.Certificate, After(etcd, "--cert-file"));
        Assert.Equal(Home.Pki.EtcdPeer.Key, After(etcd, "--peer-key-file"));
        Assert.Equal(Home.Pki.CaCertificate, After(etcd, "--trusted-ca-file"));
        Assert.Equal(Home.Pki.CaCertificate, After(etcd, "--peer-trusted-ca-file"));
        Assert.Contains("--client-cert-auth", etcd);
        Assert.Contains("--peer-client-cert-auth", etcd);
        Assert.Equal(Home.EtcdDataDirectory, After(etcd, "--data-dir"));

        var api = specs["apiserver"].Command;
        Assert.EndsWith("minikube-apiserver.dll", api[1], StringComparison.Ordinal);
        Assert.Equal("https://127.0.0.1:21001", After(api, "--etcd-servers"));
        Assert.Equal(Home.Pki.CaCertificate, After(api, "--etcd-cafile"));
        Assert.Equal(Home.Pki.ApiServerEtcdClient.Certificate, After(api, "--etcd-certfile"));
        Assert.Equal(Home.Pki.ApiServerEtcdClient.Key, After(api, "--etcd-keyfile"));
        Assert.Equal("21003", After(api, "--grpc-port"));
        Assert.Equal("21004", After(api, "--port"));
        // Pods reach the kubernetes Service's endpoint on the Docker bridge's gateway.
        if (PodGateway.Address() is { } gateway)
        {
            Assert.Equal(gateway, After(api, "--advertise-address"));
        }
        else
        {
            Assert.DoesNotContain("--advertise-address", api);
        }
        Assert.Equal(Home.EncryptionConfigFile, After(api, "--encryption-provider-config"));
        Assert.Equal(Path.Combine(Home.Directory, "pki", "sa.key"), After(api, "--service-account-signing-key-file"));
        Assert.Equal(Path.Combine(Home.Directory, "pki", "sa.pub"), After(api, "--service-account-key-file"));
        Assert.Equal([21003, 21004], specs["apiserver"].Ports.Select(p => p.Port));

        var dashboard = specs["dashboard"].Command;
        Assert.EndsWith("minikube-dashboard.dll", dashboard[1], StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:21005", After(dashboard, "--listen"));
        Assert.Equal([21005], specs["dashboard"].Ports.Select(p => p.Port));

        foreach (var name in new[] { "scheduler", "controller-manager", "kubelet-dev-node-2", "dashboard" })
        {
            Assert.Equal("https://127.0.0.1:21003", After(specs[name].Command, "--server"));
            Assert.Equal(Home.Pki.CaCertificate, After(specs[name].Command, "--certificate-authority"));
        }
        // Each component presents its own identity.
        Assert.Equal(Home.Pki.Scheduler.Certificate, After(specs["scheduler"].Command, "--client-certificate"));
        Assert.Equal(Home.Pki.ControllerManager.Key, After(specs["controller-manager"].Command, "--client-key"));
        Assert.Equal(Home.Pki.KubeletClient("dev-node-2").Certificate, After(specs["kubelet-dev-node-2"].Command, "--client-certificate"));
        Assert.Equal(Home.Pki.Dashboard.Certificate, After(specs["dashboard"].Command, "--client-certificate"));
        Assert.Equal(Home.Pki.Proxy.Certificate, After(specs["proxy"].Command, "--client-certificate"));
        Assert.Equal(Home.Pki.ApiServer.Certificate, After(api, "--tls-cert-file"));
        Assert.Equal(Home.Pki.ApiServer.Key, After(api, "--tls-private-key-file"));
        Assert.Equal(Home.Pki.CaCertificate, After(api, "--client-ca-file"));
        Assert.Equal("Node,RBAC", After(api, "--authorization-mode"));
        Assert.Equal(Home.Pki.ApiServerKubeletClient.Certificate, After(api, "--kubelet-client-certificate"));
        Assert.Equal(Home.Pki.CaCertificate, After(api, "--kubelet-certificate-authority"));
        var kubeletCommand = specs["kubelet-dev-node-2"].Command;
        Assert.Equal(Home.Pki.KubeletServing("dev-node-2").Certificate, After(kubeletCommand, "--tls-cert-file"));
        Assert.Equal(Home.Pki.CaCertificate, After(kubeletCommand, "--client-ca-file"));
        Assert.Equal("Webhook", After(kubeletCommand, "--authorization-mode"));
        Assert.Contains("--authentication-token-webhook", kubeletCommand);
        Assert.Contains("--leader-elect=false", specs["scheduler"].Command);
        Assert.Contains("--leader-elect=false", specs["controller-manager"].Command);

        var kubelet = specs["kubelet-dev-node-2"];
        Assert.Equal("dev-node-2", After(kubelet.Command, "--node-name"));
        Assert.Equal("0", After(kubelet.Command, "--port"));
        Assert.Equal(Home.KubeletRootDirectory("dev-node-2"), After(kubelet.Command, "--root-dir"));
        var proxy = ProxyIdentity.For("dev");
        Assert.Equal(proxy.ClusterDnsIP, After(kubelet.Command, "--cluster-dns"));
        Assert.Equal("cluster.local", After(kubelet.Command, "--cluster-domain"));
        Assert.Equal("dev-node-2", kubelet.Node);
        Assert.IsType<NodeReadyCheck>(kubelet.Readiness);
    }

    [Fact]
    public void One_proxy_serves_the_host_with_names_of_its_own_unless_it_is_the_default_cluster()
    {
        var proxy = For(State()).Single(s => s.Role == ClusterComponents.Proxy);
        Assert.EndsWith("minikube-proxy.dll", proxy.Command[1], StringComparison.Ordinal);
        Assert.Equal(("https://127.0.0.1:21003", "dev-node-1"), (After(proxy.Command, "--server"), After(proxy.Command, "--node-name")));
        var dev = ProxyIdentity.For("dev");
        Assert.Equal((dev.ChainPrefix, dev.Bridge, dev.ClusterDnsIP, "0"),
            (After(proxy.Command, "--iptables-chain-prefix"), After(proxy.Command, "--bridge-name"), After(proxy.Command, "--cluster-dns-ip"), After(proxy.Command, "--dns-port")));
        Assert.Matches("^MK[0-9A-F]{6}$", dev.ChainPrefix);
        Assert.NotEqual(dev, ProxyIdentity.For("dev2"));
        Assert.Equal(new ProxyIdentity("MINIKUBE", "minikube-svc0", "10.96.0.10", 53, "10.96.0.0/16"), ProxyIdentity.For("minikube"));
        Assert.Equal(["--cleanup", "--service-cluster-ip-range", "10.96.0.0/16", "--cluster-dns-ip", "10.96.0.10", "--iptables-chain-prefix", "MINIKUBE", "--bridge-name", "minikube-svc0"],
            ProxyIdentity.For("minikube").CleanupFlags());
    }

    [Fact]
    public void A_named_cluster_takes_its_Services_from_a_24_of_its_own_so_no_two_clusters_claim_the_kubernetes_Service_IP()
    {
        var api = For(State()).First(s => s.Role == ClusterComponents.ApiServer);
        var dev = ProxyIdentity.For("dev");
        Assert.Equal(dev.ApiServerServiceRange, After(api.Command, "--service-cluster-ip-range"));
        Assert.Matches(@"^10\.96\.([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-5][0-9])\.0/24$", dev.ApiServerServiceRange);
        var slice = dev.ApiServerServiceRange[..^"0/24".Length];
        Assert.Equal((slice + "1", slice + "10"), (dev.KubernetesServiceIP, dev.ClusterDnsIP));
        Assert.Equal("10.96.0.1", ProxyIdentity.For("minikube").KubernetesServiceIP);
        // Different names spread over the 255 slices (the tests run clusters side by side).
        var slices = Enumerable.Range(0, 40).Select(i => ProxyIdentity.For("c" + i).ApiServerServiceRange).Distinct().Count();
        Assert.True(slices >= 30, $"40 names fell into only {slices} slices");
    }

    [Fact]
    public void Extra_config_passes_flags_to_its_component_replacing_what_minictl_sets()
    {
        var state = State() with
        {
            ExtraConfig =
            [
                "kubelet.port=10250", "kubelet.lease-renew-interval=1s", "controller-manager.node-monitor-grace-period=5s",
                "apiserver.default-unreachable-toleration-seconds=3", "kubelet.node-labels=zone=a,disk=ssd", "kubelet.lease-renew-interval=2s",
                "dashboard.metrics-period=2s",
            ],
        };
        var specs = For(state).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var node in state.NodeNames)
        {
            var kubelet = specs[ClusterComponents.KubeletName(node)].Command;
            Assert.DoesNotContain("--port", kubelet);
            Assert.Equal(["--port=10250", "--node-labels=zone=a,disk=ssd", "--lease-renew-interval=2s"], kubelet.TakeLast(3));
            Assert.Single(kubelet, a => a.StartsWith("--lease-renew-interval", StringComparison.Ordinal));
            Assert.Equal(node, After(kubelet, "--node-name"));
        }
        Assert.Equal("--node-monitor-grace-period=5s", specs["controller-manager"].Command[^1]);
        Assert.Equal("--default-unreachable-toleration-seconds=3", specs["apiserver"].Command[^1]);
        Assert.Equal("--metrics-period=2s", specs["dashboard"].Command[^1]);
        Assert.Equal(For(State())[2].Command, specs["scheduler"].Command);
        Assert.Equal(For(State())[0].Command, specs["etcd"].Command);
    }

    [Fact]
    public void The_dotnet_components_run_with_few_malloc_arenas()
    {
        foreach (var spec in For(State()).Where(s => s.Name != "etcd"))
        {
            Assert.Equal("2", spec.Environment["MALLOC_ARENA_MAX"]);
        }
    }

    [Fact]
    public void The_dotnet_components_ship_workstation_non_concurrent_gc_in_their_runtimeconfig()
    {
        // What every way of starting a component runs with (not only cluster up): the runtimeconfig.json built next to it.
        foreach (var assembly in ClusterComponents.Assemblies)
        {
            var file = Path.Combine(AppContext.BaseDirectory, assembly + ".runtimeconfig.json");
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
            Assert.False(properties.GetProperty("System.GC.Server").GetBoolean(), assembly);
            Assert.False(properties.GetProperty("System.GC.Concurrent").GetBoolean(), assembly);
            Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean(), assembly);
            Assert.Equal(5, properties.GetProperty("System.GC.ConserveMemory").GetInt32());
        }
    }

    [Fact]
    public void With_an_external_etcd_there_is_no_etcd_process_and_the_api_server_uses_that_one()
    {
        var specs = For(State("http://10.0.0.1:2379"));
        Assert.DoesNotContain(specs, s => s.Role == "etcd");
        Assert.Equal("http://10.0.0.1:2379", After(specs.Single(s => s.Name == "apiserver").Command, "--etcd-servers"));
    }

    [Fact]
    public void The_component_programs_are_found_next_to_minictl()
    {
        var binaries = ComponentBinaries.Locate(null);
        Assert.Empty(binaries.Missing(ClusterComponents.Assemblies));
        Assert.True(File.Exists(binaries.DotnetHost), binaries.DotnetHost);
        Assert.Equal(["minikube-nothing"], binaries.Missing(["minikube-nothing"]));
        Assert.Contains("does not exist", Assert.Throws<ClusterException>(() => ComponentBinaries.Locate("/nonexistent/bin")).Message, StringComparison.Ordinal);
    }

    private static string After(IReadOnlyList<string> command, string flag)
    {
        var index = command.ToList().IndexOf(flag);
        Assert.True(index >= 0 && index + 1 < command.Count, $"{flag} missing in {string.Join(' ', command)}");
        return command[index + 1];
    }

    [Fact]
    public void Three_control_planes_are_one_etcd_cluster_and_an_api_server_scheduler_and_controller_manager_per_member_all_given_every_address()
    {
        var state = State() with
        {
            ExtraControlPlanes = [new ControlPlaneMember(21011, 21012, 21013, 21014), new ControlPlaneMember(21021, 21022, 21023, 21024)],
        };
        var specs = For(state).ToDictionary(s => s.Name, StringComparer.Ordinal);

        const string Peers = "dev=https://127.0.0.1:21002,dev-2=https://127.0.0.1:21012,dev-3=https://127.0.0.1:21022";
        foreach (var (name, member, client) in new[] { ("etcd", "dev", 21001), ("etcd-2", "dev-2", 21011), ("etcd-3", "dev-3", 21021) })
        {
            var command = specs[name].Command.ToList();
            Assert.Equal(member, command[command.IndexOf("--name") + 1]);
            Assert.Equal(Peers, command[command.IndexOf("--initial-cluster") + 1]);
            Assert.Equal($"https://127.0.0.1:{client}", command[command.IndexOf("--listen-client-urls") + 1]);
            Assert.IsType<EtcdMemberCheck>(specs[name].Health);
        }
        Assert.Equal(3, specs.Values.Where(s => s.Role == ClusterComponents.Etcd).Select(s => s.DataDirectories.Single()).Distinct().Count());
        const string Servers = "https://127.0.0.1:21003,https://127.0.0.1:21013,https://127.0.0.1:21023";
        Assert.Equal(Servers, state.ServerUrl);
        foreach (var name in new[] { "apiserver", "apiserver-2", "apiserver-3" })
        {
            var command = specs[name].Command.ToList();
            Assert.Equal("https://127.0.0.1:21001,https://127.0.0.1:21011,https://127.0.0.1:21021", command[command.IndexOf("--etcd-servers") + 1]);
        }
        foreach (var (name, after) in new[] { ("scheduler", "apiserver"), ("scheduler-2", "apiserver-2"), ("controller-manager-3", "apiserver-3") })
        {
            var command = specs[name].Command.ToList();
            Assert.Contains("--leader-elect=true", command);
            Assert.Equal(name, command[command.IndexOf("--leader-elect-identity") + 1]);
            Assert.Equal(Servers, command[command.IndexOf("--server") + 1]);
            Assert.Equal([after], specs[name].After);
            Assert.IsType<LeaseHolderCheck>(specs[name].Health);
        }
        Assert.All(specs.Values.Where(s => s.Role is ClusterComponents.Kubelet or ClusterComponents.Proxy or ClusterComponents.Dashboard),
            s => Assert.Contains(Servers, s.Command));
    }
}
