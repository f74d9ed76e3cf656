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
                        $"cannot reach etcd at {string.Join(",", options.EtcdServers)} within {options.EtcdStartupTimeout.TotalSeconds:0}s: {ex.Message}", ex);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

public sealed class EtcdUnreachableException(string message, Exception inner) : Exception(message, inner);
