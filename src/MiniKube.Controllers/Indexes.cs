using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers;

/// <summary>Cache indexes the controllers share; adding one twice (two controllers, one informer) is harmless.</summary>
public static class Indexes
{
    /// <summary>Objects by the uid of their controlling owner.</summary>
    public const string ControllerUid = "controllerUid";

    /// <summary>Objects by the uid of every owner they reference.</summary>
    public const string OwnerUid = "ownerUid";

    /// <summary>Pods by <c>spec.nodeName</c>.</summary>
    public const string NodeName = "nodeName";

    public static void EnsureControllerUid<T>(InformerCache<T> cache) where T : KubeObject =>
        Ensure(cache, ControllerUid, o => Owners.ControllerOf(o) is { Uid.Length: > 0 } r ? [r.Uid] : []);

    public static void EnsureOwnerUid<T>(InformerCache<T> cache) where T : KubeObject =>
        Ensure(cache, OwnerUid, o => o.Metadata.OwnerReferences?.Where(r => r.Uid.Length > 0).Select(r => r.Uid).Distinct() ?? []);

    public static void EnsureNodeName(InformerCache<Pod> cache) =>
        Ensure(cache, NodeName, p => p.Spec?.NodeName is { Length: > 0 } n ? [n] : []);

    private static void Ensure<T>(InformerCache<T> cache, string name, Func<T, IEnumerable<string>> index) where T : KubeObject
    {
        try
        {
            cache.AddIndexer(name, index);
        }
        catch (InvalidOperationException)
        {
            // Already there: another controller registered the same index on this shared informer.
        }
    }
}
