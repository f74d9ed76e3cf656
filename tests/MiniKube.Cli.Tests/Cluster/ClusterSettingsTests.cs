using MiniKube.Cluster;

namespace MiniKube.Cli.Tests.Cluster;

public sealed class ClusterSettingsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ClusterState Resolve(UpOptions options, ClusterState? recorded = null, bool running = false) =>
        ClusterSettings.Resolve(options, recorded, running, "/opt/minikube", Now);

    [Fact]
    public void A_first_up_gets_the_defaults_and_four_distinct_free_ports_below_the_ephemeral_range()
    {
        var state = Resolve(new UpOptions());
        Assert.Equal("minikube", state.Name);
        Assert.Equal(2, state.Nodes);
        Assert.Equal(["minikube-node-1", "minikube-node-2"], state.NodeNames);
        Assert.True(state.ManagedEtcd);
        int[] ports = [state.ApiGrpcPort, state.ApiHttpPort, state.EtcdClientPort, state.EtcdPeerPort, state.DashboardPort];
        Assert.Equal(5, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 20000, 29999));
        Assert.All(ports, p => Assert.True(Ports.IsFree(p)));
        Assert.Equal(Now, state.CreatedAt);
        Assert.Equal($"https://127.0.0.1:{state.ApiGrpcPort}", state.ServerUrl);
    }

    [Fact]
    public void Recorded_settings_are_kept_so_the_address_in_the_client_config_stays_valid()
    {
        var first = Resolve(new UpOptions { Nodes = 3, Name = "dev" });
        var again = Resolve(new UpOptions(), first);
        Assert.Equal("dev", again.Name);
        Assert.Equal(3, again.Nodes);
        Assert.Equal(first.ApiGrpcPort, again.ApiGrpcPort);
        Assert.Equal(first.ApiHttpPort, again.ApiHttpPort);
        Assert.Equal(first.EtcdClientPort, again.EtcdClientPort);
        Assert.Equal(first.EtcdPeerPort, again.EtcdPeerPort);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
    }

    [Fact]
    public void A_stopped_cluster_takes_new_flags()
    {
        var first = Resolve(new UpOptions());
        var changed = Resolve(new UpOptions { Nodes = 1, ApiPort = 24321, EtcdServers = "http://127.0.0.1:2379/" }, first, running: false);
        Assert.Equal(1, changed.Nodes);
        Assert.Equal(24321, changed.ApiGrpcPort);
        Assert.Equal("http://127.0.0.1:2379", changed.ExternalEtcd);
        Assert.False(changed.ManagedEtcd);
        Assert.Equal(0, changed.EtcdClientPort);
        Assert.Equal("http://127.0.0.1:2379", changed.EtcdEndpoints);
    }

    [Fact]
    public void A_running_cluster_grows_but_refuses_changes_it_cannot_take_and_says_what_to_do()
    {
        var running = Resolve(new UpOptions { Nodes = 3 });
        Assert.Equal(4, Resolve(new UpOptions { Nodes = 4 }, running, running: true).Nodes);

        Assert.Contains("run minictl cluster down first",
            Assert.Throws<ClusterException>(() => Resolve(new UpOptions { Nodes = 2 }, running, running: true)).Message, StringComparison.Ordinal);
        Assert.Contains("is running in this MINIKUBE_HOME",
            Assert.Throws<ClusterException>(() => Resolve(new UpOptions { Name = "other" }, running, running: true)).Message, StringComparison.Ordinal);
        Assert.Contains("--etcd-servers",
            Assert.Throws<ClusterException>(() => Resolve(new UpOptions { EtcdServers = "http://127.0.0.1:2379" }, running, running: true)).Message, StringComparison.Ordinal);
        Assert.Contains("--api-port",
            Assert.Throws<ClusterException>(() => Resolve(new UpOptions { ApiPort = running.ApiGrpcPort + 1 }, running, running: true)).Message, StringComparison.Ordinal);
        // Repeating what it already is, is fine.
        Assert.Equal(running.ApiGrpcPort, Resolve(new UpOptions { ApiPort = running.ApiGrpcPort, Nodes = 3 }, running, running: true).ApiGrpcPort);
    }

    [Theory]
    [InlineData("Upper", "invalid cluster name")]
    [InlineData("-dash", "invalid cluster name")]
    [InlineData("a_b", "invalid cluster name")]
    public void Invalid_names_are_refused(string name, string message) =>
        Assert.StartsWith(message, Assert.Throws<ClusterException>(() => Resolve(new UpOptions { Name = name })).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(51)]
    public void Node_counts_out_of_range_are_refused(int nodes) =>
        Assert.StartsWith("--nodes must be between 1 and 50", Assert.Throws<ClusterException>(() => Resolve(new UpOptions { Nodes = nodes })).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("127.0.0.1:2379")]
    [InlineData("ftp://127.0.0.1:2379")]
    [InlineData(",")]
    public void Etcd_endpoints_must_be_urls(string value) =>
        Assert.StartsWith("invalid --etcd-servers", Assert.Throws<ClusterException>(() => Resolve(new UpOptions { EtcdServers = value })).Message, StringComparison.Ordinal);

    [Fact]
    public void Extra_config_is_recorded_kept_by_later_ups_and_changed_only_while_stopped()
    {
        var first = Resolve(new UpOptions { ExtraConfig = ["kubelet.max-pods=50", "apiserver.default-unreachable-toleration-seconds=3"] });
        Assert.Equal(["kubelet.max-pods=50", "apiserver.default-unreachable-toleration-seconds=3"], first.ExtraConfig);
        Assert.Equal(first.ExtraConfig, Resolve(new UpOptions(), first, running: true).ExtraConfig);
        Assert.Equal(first.ExtraConfig, Resolve(new UpOptions { ExtraConfig = [.. first.ExtraConfig] }, first, running: true).ExtraConfig);

        var refused = Assert.Throws<ClusterException>(() => Resolve(new UpOptions { ExtraConfig = ["kubelet.max-pods=60"] }, first, running: true));
        Assert.Equal("the running cluster's components were started with --extra-config kubelet.max-pods=50 " +
            "apiserver.default-unreachable-toleration-seconds=3; run minictl cluster down first to change it", refused.Message);
        Assert.Equal(["kubelet.max-pods=60"], Resolve(new UpOptions { ExtraConfig = ["kubelet.max-pods=60"] }, first, running: false).ExtraConfig);
        Assert.Empty(Resolve(new UpOptions { ExtraConfig = [] }, first, running: false).ExtraConfig);
    }

    [Theory]
    [InlineData("etcd.quota-backend-bytes=1", "unknown component \"etcd\"; use apiserver, scheduler, controller-manager, kubelet, proxy or dashboard")]
    [InlineData("kubelet=1", "use <component>.<flag>=<value>")]
    [InlineData("kubelet.max-pods", "use <component>.<flag>=<value>")]
    [InlineData("kubelet.--max-pods=1", "use <component>.<flag>=<value>")]
    public void Malformed_extra_config_is_refused(string setting, string message) =>
        Assert.Contains(message, Assert.Throws<ClusterException>(() => Resolve(new UpOptions { ExtraConfig = [setting] })).Message, StringComparison.Ordinal);

    [Fact]
    public void Control_planes_get_ports_of_their_own_keep_them_and_must_be_odd()
    {
        var state = Resolve(new UpOptions { ControlPlanes = 3 });
        Assert.Equal(3, state.ControlPlanes);
        var ports = state.ControlPlaneMembers.SelectMany(m => new[] { m.EtcdClientPort, m.EtcdPeerPort, m.ApiGrpcPort, m.ApiHttpPort }).ToList();
        Assert.Equal(12, ports.Distinct().Count());
        Assert.Equal(state.ExtraControlPlanes, Resolve(new UpOptions(), state).ExtraControlPlanes);
        var error = Assert.Throws<ClusterException>(() => Resolve(new UpOptions { ControlPlanes = 2 }));
        Assert.Contains("--control-planes must be an odd number", error.Message, StringComparison.Ordinal);
        Assert.Contains("--control-planes", Assert.Throws<ClusterException>(() => Resolve(new UpOptions { ControlPlanes = 1 }, state, running: true)).Message,
            StringComparison.Ordinal);
    }
}
