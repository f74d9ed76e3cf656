namespace MiniKube.Testing;

/// <summary>
/// One etcd for every test in the process that just needs a store. ./test.sh starts one and passes it in
/// through <see cref="EndpointVariable"/>; otherwise (e.g. running tests from an IDE) the first caller
/// starts a private <see cref="EtcdServer"/> that lives until the test process exits.
/// Tests keep out of each other's way by putting their keys under <see cref="NewPrefix"/>.
/// </summary>
public static class SharedEtcd
{
    public const string EndpointVariable = "MINIKUBE_TEST_ETCD";

    private static readonly Lazy<Task<EtcdServer>> Started = new(StartForProcessAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The client URL of the shared etcd, e.g. <c>http://127.0.0.1:23791</c>.</summary>
    public static async Task<string> GetEndpointAsync(CancellationToken cancellationToken = default)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        // A caller giving up must not cancel the start that other tests share.
        var server = await Started.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return server.ClientUrl;
    }

    /// <summary>A fresh key prefix such as <c>/t-1a2b3c4d</c> that no other test uses.</summary>
    public static string NewPrefix() => "/t-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<EtcdServer> StartForProcessAsync()
    {
        var server = await EtcdServer.StartAsync(CancellationToken.None).ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }
}
