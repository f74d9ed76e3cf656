using System.Globalization;
using System.Text;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' "lease" endpoint reconciler storage: one etcd key per API server under <c>&lt;prefix&gt;/masterleases/</c>, put
/// again with a fresh expiry at every reconcile. A server that dies stops renewing and its key expires in etcd; one that stops
/// cleanly removes its own. The key is <c>ip:port</c>, not the IP alone as in Kubernetes, since API servers on one host differ
/// by port only.
/// </summary>
internal sealed class EndpointLeases(IObjectStore store)
{
    public const string KeyPrefix = "masterleases/";

    public static string Key(ApiServerEndpoint endpoint) => KeyPrefix + endpoint;

    public Task RenewAsync(ApiServerEndpoint endpoint, TimeSpan timeToLive, CancellationToken ct) =>
        store.PutAsync(Key(endpoint), Encoding.UTF8.GetBytes(endpoint.ToString()), timeToLive, ct);

    public async Task RemoveAsync(ApiServerEndpoint endpoint, CancellationToken ct)
    {
        try
        {
            await store.DeleteAsync(Key(endpoint), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.Code == StorageErrorCode.NotFound)
        {
            // Expired already.
        }
    }

    /// <summary>Every API server whose lease is live; keys that do not parse (written by hand) are skipped.</summary>
    public async Task<IReadOnlyList<ApiServerEndpoint>> ListAsync(CancellationToken ct)
    {
        var list = await store.ListAsync(KeyPrefix, ct).ConfigureAwait(false);
        var live = new List<ApiServerEndpoint>();
        foreach (var item in list.Items)
        {
            if (TryParse(item.Key[KeyPrefix.Length..], out var endpoint))
            {
                live.Add(endpoint);
            }
        }
        return live;
    }

    public static bool TryParse(string text, out ApiServerEndpoint endpoint)
    {
        endpoint = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !System.Net.IPAddress.TryParse(text[..colon], out _)
            || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }
        endpoint = new ApiServerEndpoint(text[..colon], port);
        return true;
    }
}
