using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// What a test of one <c>minictl cluster up</c> on an etcd of its own needs: a private home, a unique cluster name and the
/// etcd (started only where Docker is, as <see cref="DockerFactAttribute"/> runs the test only there), and a tear-down of
/// the cluster, its node's containers and the etcd that runs even when the test failed.
/// </summary>
internal sealed class ExternalEtcdTestCluster(string namePrefix) : IAsyncLifetime
{
    public TempHome Home { get; } = new();

    public string Name { get; } = namePrefix + "-" + Guid.NewGuid().ToString("N")[..6];

    public EtcdServer Etcd => _etcd ?? throw new InvalidOperationException("etcd was not started: the test needs Docker");

    private EtcdServer? _etcd;

    public async Task InitializeAsync()
    {
        if (DockerCli.IsAvailable || Environment.GetEnvironmentVariable(DockerCli.RequireDockerVariable) == "1")
        {
            _etcd = await EtcdServer.StartAsync();
        }
    }

    /// <summary><c>cluster up</c> of one node on the etcd.</summary>
    public Task<CliResult> UpAsync() => Home.MinictlAsync("cluster", "up", "--nodes", "1", "--name", Name, "--etcd-servers", Etcd.ClientUrl);

    public async Task DisposeAsync()
    {
        try
        {
            await Home.TearDownClusterAsync($"{Name}-node-1");
        }
        finally
        {
            if (_etcd is not null)
            {
                await _etcd.DisposeAsync();
            }
            Home.Dispose();
        }
    }
}
