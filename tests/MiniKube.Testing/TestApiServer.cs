using MiniKube.ApiServer;
using MiniKube.Client;
using Serilog.Events;

namespace MiniKube.Testing;

/// <summary>
/// A real API server hosted in the test process, on free loopback ports, over a real etcd
/// (the shared one under a fresh key prefix unless an endpoint is given). Dispose stops it.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly ApiServerHost _host;

    private TestApiServer(ApiServerHost host, string etcdEndpoint, string prefix)
    {
        _host = host;
        EtcdEndpoint = etcdEndpoint;
        EtcdPrefix = prefix;
        Client = new MiniKubeClient(host.GrpcAddress);
    }

    public MiniKubeClient Client { get; }

    public string GrpcAddress => _host.GrpcAddress;

    public string HttpAddress => _host.HttpAddress;

    public string EtcdEndpoint { get; }

    public string EtcdPrefix { get; }

    public IServiceProvider Services => _host.Services;

    /// <remarks>
    /// The ServiceAccount admission plugin is off unless <paramref name="configure"/> clears
    /// <see cref="ApiServerOptions.DisableAdmissionPlugins"/>: no controller-manager runs here to create each namespace's
    /// <c>default</c> account, so pods would be refused. <paramref name="tokenClock"/> is the clock of service account tokens.
    /// </remarks>
    public static async Task<TestApiServer> StartAsync(
        string? etcdEndpoint = null, string? prefix = null, Action<ApiServerOptions>? configure = null, CancellationToken cancellationToken = default,
        TimeProvider? tokenClock = null)
    {
        etcdEndpoint ??= await SharedEtcd.GetEndpointAsync(cancellationToken).ConfigureAwait(false);
        prefix ??= SharedEtcd.NewPrefix() + "/registry";
        var options = new ApiServerOptions
        {
            EtcdServers = [etcdEndpoint],
            EtcdPrefix = prefix,
            Port = 0,
            GrpcPort = 0,
            DisableAdmissionPlugins = [ApiServerOptions.ServiceAccountAdmissionPlugin],
        };
        configure?.Invoke(options);
        var level = Environment.GetEnvironmentVariable("MINIKUBE_TEST_VERBOSE") is { Length: > 0 } ? LogEventLevel.Debug : LogEventLevel.Warning;
        var host = ApiServerHost.Create(options, level, tokenClock);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new TestApiServer(host, etcdEndpoint, prefix);
    }

    /// <summary>A new client of this server (each has its own HTTP/2 connections).</summary>
    public MiniKubeClient NewClient(ClientCredentials? credentials = null) => new(GrpcAddress, credentials);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(cts.Token).ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
    }
}
