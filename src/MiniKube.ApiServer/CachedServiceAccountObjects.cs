using MiniKube.Api;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer;

/// <summary>The ServiceAccounts and pods a token names, as the watch caches hold them (no etcd read per request).</summary>
internal sealed class CachedServiceAccountObjects(WatchCacheSet caches) : IServiceAccountObjects
{
    private static readonly ResourceInfo ServiceAccounts = ResourceRegistry.For<ServiceAccount>();
    private static readonly ResourceInfo Pods = ResourceRegistry.For<Pod>();

    public string? ServiceAccountUid(string ns, string name) =>
        caches.For(ServiceAccounts).TryGet(Keys.For(ServiceAccounts, ns, name))?.Object.Metadata is { DeletionTimestamp: null } meta ? meta.Uid : null;

    public string? PodUid(string ns, string name, DateTimeOffset now) =>
        // As Kubernetes: a pod being deleted keeps its tokens until its deletion time (the grace period) has passed.
        caches.For(Pods).TryGet(Keys.For(Pods, ns, name))?.Object.Metadata is { } meta && !(meta.DeletionTimestamp <= now) ? meta.Uid : null;
}
