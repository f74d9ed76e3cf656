using System.Collections.Concurrent;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// Reads the Secrets and ConfigMaps that pods' volumes and environment reference, and keeps the last copy of each. When
/// the API server cannot answer (it is restarting, or its etcd is away), a container that starts again gets the values
/// it had before instead of failing — Kubernetes' kubelet serves these from its watch-based cache for the same reason.
/// Anything the server did answer (not found, forbidden) counts as it is, and a not-found drops the copy.
/// </summary>
internal sealed class LastKnownObjects(MiniKubeClient client)
{
    // A node's pods reference a handful of objects; past this many the copies are dropped rather than grown without end.
    private const int MaxCopies = 4096;

    private readonly ConcurrentDictionary<(Type Kind, string Namespace, string Name), KubeObject> _copies = new();

    public async Task<T> GetAsync<T>(string name, string ns, CancellationToken cancellationToken) where T : KubeObject
    {
        var key = (typeof(T), ns, name);
        try
        {
            var current = await client.GetAsync<T>(name, ns, cancellationToken).ConfigureAwait(false);
            if (_copies.Count >= MaxCopies)
            {
                _copies.Clear();
            }
            _copies[key] = current;
            return current;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            _copies.TryRemove(key, out _);
            throw;
        }
        catch (ApiException ex) when (ServerUnavailable(ex) && !cancellationToken.IsCancellationRequested && _copies.TryGetValue(key, out var copy))
        {
            return (T)copy;
        }
    }

    /// <summary>The call never got an answer, or the API server said it could not serve it now.</summary>
    private static bool ServerUnavailable(ApiException ex) =>
        !RequestOutcome.ServerAnswered(ex) || ex.Reason is StatusReasons.ServiceUnavailable or StatusReasons.Timeout;
}
