using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>One real API server (over the shared etcd, own key prefix) per test class.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public TestApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
