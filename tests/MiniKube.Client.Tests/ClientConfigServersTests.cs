using MiniKube.Client;

namespace MiniKube.Client.Tests;

public sealed class ClientConfigServersTests
{
    [Fact]
    public void A_server_value_is_one_url_or_several_separated_by_commas()
    {
        Assert.Equal(["http://127.0.0.1:1", "http://127.0.0.1:2"], ClientConfig.ParseServers(" http://127.0.0.1:1 , http://127.0.0.1:2,"));
        Assert.Null(ClientConfig.ServerProblem("http://127.0.0.1:1,https://10.0.0.1:2"));
        Assert.Contains("\"127.0.0.1:2\"", ClientConfig.ServerProblem("http://127.0.0.1:1,127.0.0.1:2"), StringComparison.Ordinal);
        Assert.NotNull(ClientConfig.ServerProblem(" , "));
    }

    [Fact]
    public void A_client_of_several_servers_starts_on_the_first_and_names_them_all()
    {
        using var client = new MiniKubeClient("http://127.0.0.1:1,http://127.0.0.1:2");
        Assert.Equal(["http://127.0.0.1:1", "http://127.0.0.1:2"], client.Servers);
        Assert.Equal("http://127.0.0.1:1", client.CurrentServer);
        Assert.Throws<ArgumentException>(() => new MiniKubeClient("http://127.0.0.1:1,nope"));
    }
}
