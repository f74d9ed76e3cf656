using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>Start-up check: fail fast, with one clear line, when etcd is not there.</summary>
internal static class EtcdProbe
{
    public static async Task WaitReachableAsync(IObjectStore store, ApiServerOptions options, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + options.EtcdStartupTimeout;
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await store.GetRevisionAsync(attempt.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is StorageException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new EtcdUnreachableException(
                        $"cannot reach etcd at {string.Join(",", options.EtcdServers)} within {options.EtcdStartupTimeout.TotalSeconds:0}s: {ex.Message}{TlsHint(options)}", ex);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Under TLS 1.3 a client certificate etcd refuses is refused after the client's side of the handshake has finished, so
    /// the client sees only a connection closed during HTTP/2 set-up; the reason is in etcd's log ("rejected connection").
    /// </summary>
    private static string TlsHint(ApiServerOptions options) =>
        options.EtcdServers.Any(s => s.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
            ? " (etcd over TLS: etcd refuses a connection without a client certificate signed by its --trusted-ca-file, see --etcd-certfile and"
              + " --etcd-keyfile, and logs why; the API server refuses an etcd certificate not signed by --etcd-cafile)"
            : "";
}

public sealed class EtcdUnreachableException(string message, Exception inner) : Exception(message, inner);
