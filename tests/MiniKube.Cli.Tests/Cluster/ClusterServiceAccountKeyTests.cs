using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Cluster;
using MiniKube.Security.ServiceAccounts;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// <c>cluster up</c> gives its API servers a service account signing key: <c>pki/sa.key</c> (0600) and <c>sa.pub</c>, made once,
/// used for the tokens (their <c>kid</c> is sa.pub's), kept across down and up, removed by <c>--purge</c>.
/// </summary>
public sealed class ClusterServiceAccountKeyTests : IAsyncLifetime
{
    private readonly ExternalEtcdTestCluster _cluster = new("sak");

    public Task InitializeAsync() => _cluster.InitializeAsync();

    [DockerFact]
    public async Task Up_makes_the_key_pair_signs_tokens_with_it_reuses_it_and_purge_removes_it()
    {
        var key = ServiceAccountKeyFiles.KeyFile(_cluster.Home.Home);
        var pub = ServiceAccountKeyFiles.PublicKeyFile(_cluster.Home.Home);
        var up = await _cluster.UpAsync();
        Assert.True(up.ExitCode == 0, up.ToString());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(key).UnixFileMode);
        var keyText = await File.ReadAllTextAsync(key);
        var kid = Assert.Single(ServiceAccountKey.FromVerifyingPem(await File.ReadAllTextAsync(pub))).KeyId;
        Assert.Equal(kid, ServiceAccountKey.FromPrivatePem(keyText).KeyId);
        Assert.Equal(kid, await TokenKeyIdAsync());

        var down = await _cluster.Home.MinictlAsync("cluster", "down");
        Assert.True(down.ExitCode == 0, down.ToString());
        var again = await _cluster.Home.MinictlAsync("cluster", "up");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(keyText, await File.ReadAllTextAsync(key));
        Assert.Equal(kid, await TokenKeyIdAsync());

        var purge = await _cluster.Home.MinictlAsync("cluster", "down", "--purge");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(File.Exists(key), "down --purge left sa.key behind");
        Assert.False(File.Exists(pub), "down --purge left sa.pub behind");
    }

    /// <summary>The <c>kid</c> of a token for <c>default/default</c> (which the controller-manager creates).</summary>
    private async Task<string?> TokenKeyIdAsync()
    {
        using var client = new MiniKubeClient(new ClusterStateStore(_cluster.Home.Home).Load()!.ServerUrl, _cluster.Home.Home.Pki.AdminCredentials());
        var answer = await Eventually.WaitAsync(async () =>
        {
            try
            {
                return await client.CreateTokenAsync("default", "default", new TokenRequest());
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(60), "a token for the default ServiceAccount");
        var header = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(answer.Status!.Token.Split('.')[0]))!;
        return (string?)header["kid"];
    }

    public Task DisposeAsync() => _cluster.DisposeAsync();
}
