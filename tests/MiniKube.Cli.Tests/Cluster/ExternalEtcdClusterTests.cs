using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>A real one-node cluster on an etcd it does not manage: up, idempotent up, status, get nodes, down.</summary>
public sealed class ExternalEtcdClusterTests : IAsyncLifetime
{
    private readonly ExternalEtcdTestCluster _cluster = new("ext");

    public Task InitializeAsync() => _cluster.InitializeAsync();

    [DockerFact]
    public async Task A_cluster_on_an_external_etcd_comes_up_once_reports_itself_and_goes_down_leaving_etcd_alone()
    {
        var up = await _cluster.UpAsync();
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains($"Cluster \"{_cluster.Name}\" is up: 1 node Ready", up.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("etcd: ", up.Out, StringComparison.Ordinal);
        var state = new ClusterStateStore(_cluster.Home.Home).Load()!;
        Assert.Equal(_cluster.Etcd.ClientUrl, state.ExternalEtcd);
        Assert.Equal(["apiserver", "scheduler", "controller-manager", $"kubelet-{_cluster.Name}-node-1", "proxy", "dashboard"], state.Components.Select(c => c.Name).Order(Comparer<string>.Create(
            (a, b) => Rank(a).CompareTo(Rank(b)))));

        // minictl finds the server through $MINIKUBE_HOME/config.
        var nodes = await _cluster.Home.MinictlAsync("get", "nodes");
        Assert.True(nodes.ExitCode == 0, nodes.ToString());
        Assert.Matches($@"(?m)^{_cluster.Name}-node-1\s+Ready\s", nodes.Out);

        var status = await _cluster.Home.MinictlAsync("cluster", "status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("6/6 components healthy", status.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^kubelet-{_cluster.Name}-node-1\s+\d+\s+Running\s+node {_cluster.Name}-node-1 Ready", status.Out);
        Assert.Contains(Path.Combine(_cluster.Home.Directory, "logs", "apiserver.log"), status.Out, StringComparison.Ordinal);

        var again = await _cluster.Home.MinictlAsync("cluster", "up");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"Cluster \"{_cluster.Name}\" is already running: 1 node Ready.", again.Out, StringComparison.Ordinal);
        Assert.Equal(state.Components.Select(c => c.Pid).Order(), new ClusterStateStore(_cluster.Home.Home).Load()!.Components.Select(c => c.Pid).Order());

        var down = await _cluster.Home.MinictlAsync("cluster", "down");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Contains("Cluster is down: stopped 6 processes", down.Out, StringComparison.Ordinal);
        Assert.All(state.Components, c => Assert.False(ProcFs.IsAlive(c.Pid, c.StartTicks), $"{c.Name} still runs"));
        Assert.Empty(new ClusterStateStore(_cluster.Home.Home).Load()!.Components);
        Assert.Equal(1, (await _cluster.Home.MinictlAsync("cluster", "status")).ExitCode);
        // Not ours to stop.
        using var http = new HttpClient();
        Assert.Contains("true", await http.GetStringAsync(_cluster.Etcd.ClientUrl + "/health"), StringComparison.Ordinal);
    }

    private static int Rank(string name) => name switch
    {
        "apiserver" => 0,
        "scheduler" => 1,
        "controller-manager" => 2,
        "proxy" => 4,
        "dashboard" => 5,
        _ => 3,
    };

    public Task DisposeAsync() => _cluster.DisposeAsync();
}
