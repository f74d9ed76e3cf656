using MiniKube.Api;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

/// <summary>The serviceaccount controller in a real controller-manager against a real API server and etcd.</summary>
public sealed class ServiceAccountIntegrationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_new_namespace_gets_a_default_account_which_comes_back_when_deleted()
    {
        var ns = await cluster.NewNamespaceAsync("sa");

        var first = await Eventually.WaitAsync(() => FindAsync(ns), TimeSpan.FromSeconds(30), $"ServiceAccount {ns}/default");
        await cluster.Client.DeleteAsync<ServiceAccount>("default", ns);
        var second = await Eventually.WaitAsync(async () => await FindAsync(ns) is { } sa && sa.Metadata.Uid != first.Metadata.Uid ? sa : null,
            TimeSpan.FromSeconds(30), $"ServiceAccount {ns}/default to be created again");

        Assert.Equal("default", second.Metadata.Name);
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
    }

    private async Task<ServiceAccount?> FindAsync(string ns)
    {
        try
        {
            return await cluster.Client.GetAsync<ServiceAccount>("default", ns);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }
}
