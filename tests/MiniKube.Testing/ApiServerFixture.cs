using MiniKube.Api;
using MiniKube.Client;
using Xunit;

namespace MiniKube.Testing;

/// <summary>
/// One real API server (over the shared etcd, with its own key prefix) for the tests of a class
/// (<c>IClassFixture&lt;ApiServerFixture&gt;</c>); tests isolate themselves by namespace, node or object names.
/// </summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private TestApiServer? _server;

    public TestApiServer Server => _server ?? throw new InvalidOperationException("the API server fixture is not started");

    public MiniKubeClient Client => Server.Client;

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new, empty namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }
}
