using MiniKube.Cluster;
using MiniKube.Client;

namespace MiniKube.Cli.Tests.Cluster;

public sealed class ClusterFilesTests : IDisposable
{
    private readonly TempHome _home = new();

    [Fact]
    public void The_state_round_trips_through_cluster_json()
    {
        var store = new ClusterStateStore(_home.Home);
        Assert.Null(store.Load());
        var state = new ClusterState
        {
            Name = "dev",
            Nodes = 2,
            BinDirectory = "/opt/mk",
            ApiGrpcPort = 21003,
            ApiHttpPort = 21004,
            EtcdClientPort = 21001,
            EtcdPeerPort = 21002,
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ExtraConfig = ["kubelet.max-pods=50", "apiserver.default-unreachable-toleration-seconds=3"],
            ExtraControlPlanes = [new ControlPlaneMember(21011, 21012, 21013, 21014), new ControlPlaneMember(21021, 21022, 21023, 21024)],
        }.With(new ComponentRecord { Name = "apiserver", Role = "apiserver", Pid = 42, StartTicks = 7, LogFile = "/l", Command = ["a", "b"], StopWave = 2 });
        store.Save(state);
        var loaded = store.Load()!;
        Assert.Equal(state with { Components = [], ExtraConfig = [], ExtraControlPlanes = [] }, loaded with { Components = [], ExtraConfig = [], ExtraControlPlanes = [] });
        Assert.Equal(state.ExtraConfig, loaded.ExtraConfig);
        Assert.Equal(state.ExtraControlPlanes, loaded.ExtraControlPlanes);
        Assert.Equal(3, loaded.ControlPlanes);
        var record = Assert.Single(loaded.Components);
        Assert.Equal(42, record.Pid);
        Assert.Equal(["a", "b"], record.Command);
        Assert.Equal(2, record.StopWave);
        Assert.Contains("\"apiGrpcPort\": 21003", File.ReadAllText(store.Path), StringComparison.Ordinal);

        var replaced = loaded.With(record with { Pid = 43 });
        Assert.Equal(43, Assert.Single(replaced.Components).Pid);
        Assert.Empty(replaced.Without("apiserver").Components);
    }

    [Fact]
    public void A_broken_state_file_is_reported_with_its_path()
    {
        File.WriteAllText(_home.Home.StateFile, "{ not json");
        var error = Assert.Throws<ClusterException>(() => new ClusterStateStore(_home.Home).Load());
        Assert.Contains(_home.Home.StateFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_config_written_by_up_is_what_minictl_reads_through_MINIKUBE_HOME()
    {
        var config = _home.Home.ConfigFile;
        Assert.Equal(Path.Combine(_home.Directory, "config"), config);
        ClientConfigFile.WriteServer(config, "http://127.0.0.1:21003");
        Assert.Equal("http://127.0.0.1:21003", ClientConfig.ResolveServer(null, _home.Variable));
        // MINIKUBE_SERVER still wins, and MINIKUBE_CONFIG names another file.
        Assert.Equal("http://x:1", ClientConfig.ResolveServer(null, n => n == "MINIKUBE_SERVER" ? "http://x:1" : _home.Variable(n)));
        Assert.Equal(ClientConfig.DefaultServer, ClientConfig.ResolveServer(null, n => n == "MINIKUBE_CONFIG" ? "/nonexistent/config" : _home.Variable(n)));

        // A rewrite replaces the server line and keeps what else the file says.
        File.AppendAllText(config, "other: value\n");
        ClientConfigFile.WriteServer(config, "http://127.0.0.1:21999");
        Assert.Equal("http://127.0.0.1:21999", ClientConfigFile.ReadServer(config));
        Assert.Contains("other: value", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(config), l => l.StartsWith("server:", StringComparison.Ordinal));

        // Purge removes only a server line that points at this cluster.
        Assert.False(ClientConfigFile.RemoveIfServer(config, "http://127.0.0.1:1"));
        Assert.True(ClientConfigFile.RemoveIfServer(config, "http://127.0.0.1:21999"));
        Assert.Equal(["other: value"], File.ReadAllLines(config));
    }

    [Fact]
    public void Up_writes_the_admin_credentials_minictl_resolves_without_flags_and_purge_removes_them()
    {
        var config = _home.Home.ConfigFile;
        var pki = _home.Home.Pki;
        pki.Ensure(["n1"], TimeProvider.System);
        File.WriteAllText(config, "other: value\ntoken: kept\n");

        ClientConfigFile.Write(config, "https://127.0.0.1:21003", pki.CaCertificate, pki.Admin);
        ClientConfigFile.Write(config, "https://127.0.0.1:21003", pki.CaCertificate, pki.Admin);

        var lines = File.ReadAllLines(config);
        Assert.Equal(["other: value", "token: kept", "server: https://127.0.0.1:21003", "certificate-authority: " + pki.CaCertificate,
            "client-certificate: " + pki.Admin.Certificate, "client-key: " + pki.Admin.Key], lines);
        var credentials = ClientConfig.ResolveCredentials(new ClientConfig.CredentialFlags(), _home.Variable);
        Assert.Equal("O=system:masters, CN=kubernetes-admin", credentials.ClientCertificate!.Subject);
        Assert.Single(credentials.CertificateAuthorities);

        Assert.True(ClientConfigFile.RemoveIfServer(config, "https://127.0.0.1:21003"));
        Assert.Equal(["other: value", "token: kept"], File.ReadAllLines(config));
    }

    [Fact]
    public void Without_MINIKUBE_HOME_the_home_is_dot_minikube()
    {
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".minikube"),
            ClusterHome.From(_ => null).Directory);
        Assert.Equal("/custom/config", ClusterHome.From(n => n == "MINIKUBE_CONFIG" ? "/custom/config" : null).ConfigFile);
    }

    public void Dispose() => _home.Dispose();
}
