using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' ServiceAccount admission for new pods: a pod without <c>spec.serviceAccountName</c> runs as <c>default</c> (the
/// deprecated <c>spec.serviceAccount</c> is set to the same), and a pod naming an account that does not exist is refused with
/// <c>error looking up service account NS/NAME: serviceaccount "NAME" not found</c>. The account is looked up in the watch
/// cache, then in etcd; for <c>default</c>, which the controller-manager creates just after a namespace appears, the lookup
/// waits a little (up to <see cref="DefaultAccountWait"/>) for the cache to catch up, as Kubernetes retries its live lookup.
/// </summary>
internal sealed class ServiceAccountAdmission(IObjectStore store, ObjectCodec codec, WatchCacheSet caches, ApiServerOptions options)
{
    /// <summary>About what Kubernetes' ten retries of 100-200 ms add up to.</summary>
    public static readonly TimeSpan DefaultAccountWait = TimeSpan.FromSeconds(2);

    private static readonly ResourceInfo ServiceAccounts = ResourceRegistry.For<ServiceAccount>();

    public async Task<KubeObject> AdmitAsync(KubeObject obj, string ns, CancellationToken ct)
    {
        if (!options.ServiceAccountAdmission || obj is not Pod { Spec: { } spec } pod)
        {
            return obj;
        }
        var name = spec.ServiceAccountName is { Length: > 0 } named ? named
            : spec.ServiceAccount is { Length: > 0 } deprecated ? deprecated
            : ServiceAccount.DefaultName;
        if (await FindAsync(ns, name, ct).ConfigureAwait(false) is null)
        {
            throw ApiException.Forbidden(ResourceRegistry.For<Pod>(), pod.Metadata.Name ?? pod.Metadata.GenerateName ?? "",
                $"error looking up service account {ns}/{name}: serviceaccount \"{name}\" not found");
        }
        return pod with { Spec = spec with { ServiceAccountName = name, ServiceAccount = name } };
    }

    private async Task<KubeObject?> FindAsync(string ns, string name, CancellationToken ct)
    {
        var key = Keys.For(ServiceAccounts, ns, name);
        var cache = caches.For(ServiceAccounts);
        if (cache.TryGet(key) is { } cached)
        {
            return cached.Object;
        }
        if (await store.GetAsync(key, ct).ConfigureAwait(false) is { } stored)
        {
            return codec.FromStorage(ServiceAccounts, key, stored.Value, stored.ModRevision).Object;
        }
        if (name != ServiceAccount.DefaultName)
        {
            return null;
        }
        // Wait for each change the cache sees until the account shows up or the time is up.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) is var elapsed && elapsed < DefaultAccountWait)
        {
            var seen = cache.Revision;
            if (cache.TryGet(key) is { } appeared)
            {
                return appeared.Object;
            }
            if (!await cache.WaitForRevisionAsync(seen + 1, DefaultAccountWait - elapsed, ct).ConfigureAwait(false))
            {
                break;
            }
        }
        return cache.TryGet(key)?.Object;
    }
}
