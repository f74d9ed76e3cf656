using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// <c>cluster up</c> gives its API server an encryption key: a 0600 file under the cluster's home, kept across down and up
/// (Secrets written before still read), removed by <c>--purge</c>; etcd, read with etcdctl, holds only ciphertext.
/// </summary>
public sealed class ClusterEncryptionTests : IAsyncLifetime
{
    private readonly ExternalEtcdTestCluster _cluster = new("enc");

    public Task InitializeAsync() => _cluster.InitializeAsync();

    [DockerFact]
    public async Task Up_makes_a_private_key_file_reuses_it_after_down_and_purge_removes_it()
    {
        var path = _cluster.Home.Home.EncryptionConfigFile;
        Assert.False(File.Exists(path));
        var up = await _cluster.UpAsync();
        Assert.True(up.ExitCode == 0, up.ToString());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(path).UnixFileMode);
        var config = await File.ReadAllTextAsync(path);
        Assert.Contains("kind: EncryptionConfiguration", config, StringComparison.Ordinal);
        Assert.Contains("- aesgcm:", config, StringComparison.Ordinal);
        var state = new ClusterStateStore(_cluster.Home.Home).Load()!;
        var api = state.Components.Single(c => c.Name == "apiserver").Command;
        Assert.Equal(path, api[api.ToList().IndexOf("--encryption-provider-config") + 1]);

        using (var client = new MiniKubeClient(state.ServerUrl, _cluster.Home.Home.Pki.AdminCredentials()))
        {
            await client.CreateAsync(new Secret
            {
                Metadata = new ObjectMeta { Name = "kept", Namespace = "default" },
                StringData = new Dictionary<string, string> { ["token"] = "s3cr3t-value" },
            });
        }
        var raw = await _cluster.Etcd.EtcdctlAsync("get", "/registry/secrets/default/kept", "--print-value-only");
        Assert.StartsWith("k8s:enc:aesgcm:v1:key1:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", raw, StringComparison.Ordinal);

        var down = await _cluster.Home.MinictlAsync("cluster", "down");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(config, await File.ReadAllTextAsync(path));
        var again = await _cluster.Home.MinictlAsync("cluster", "up");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(config, await File.ReadAllTextAsync(path));
        using (var client = new MiniKubeClient(new ClusterStateStore(_cluster.Home.Home).Load()!.ServerUrl, _cluster.Home.Home.Pki.AdminCredentials()))
        {
            var secret = await client.GetAsync<Secret>("kept", "default");
            Assert.Equal("s3cr3t-value", System.Text.Encoding.UTF8.GetString(secret.Data!["token"]));
        }

        var purge = await _cluster.Home.MinictlAsync("cluster", "down", "--purge");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(File.Exists(path), "down --purge left the encryption key behind");
    }

    public Task DisposeAsync() => _cluster.DisposeAsync();
}
