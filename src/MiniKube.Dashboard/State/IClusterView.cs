using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>
/// What the pages read: the cluster's objects as the dashboard's informers hold them (never a request per render), and a
/// signal when any of them changes. <see cref="ClusterStore"/> is the live implementation.
/// </summary>
public interface IClusterView
{
    /// <summary>Raised (on an informer's thread) after an object of this resource was added, changed or deleted.</summary>
    event Action<ResourceInfo>? Changed;

    /// <summary>The resources the view tracks, in menu order.</summary>
    IReadOnlyList<ResourceInfo> Resources { get; }

    bool HasSynced(ResourceInfo resource);

    IReadOnlyList<KubeObject> List(ResourceInfo resource);

    KubeObject? Get(ResourceInfo resource, string? ns, string name);

    /// <summary>Events whose involvedObject is <paramref name="obj"/> (by uid), newest first.</summary>
    IReadOnlyList<Event> EventsFor(KubeObject obj);

    /// <summary>Objects of any tracked resource whose ownerReferences name <paramref name="uid"/>.</summary>
    IReadOnlyList<KubeObject> OwnedBy(string uid);

    /// <summary>Pods bound to <paramref name="node"/>.</summary>
    IReadOnlyList<Pod> PodsOn(string node);
}

/// <summary>Typed reads on top of <see cref="IClusterView"/>.</summary>
public static class ClusterViewExtensions
{
    public static IReadOnlyList<T> List<T>(this IClusterView view) where T : KubeObject =>
        [.. view.List(ResourceRegistry.For<T>()).Cast<T>()];

    public static T? Get<T>(this IClusterView view, string? ns, string name) where T : KubeObject =>
        view.Get(ResourceRegistry.For<T>(), ns, name) as T;
}
