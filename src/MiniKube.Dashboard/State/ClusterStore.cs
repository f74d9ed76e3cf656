using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Printing;

namespace MiniKube.Dashboard.State;

/// <summary>
/// The dashboard's live copy of the cluster: one informer (list, then watch from the list's version) per tracked resource,
/// shared by every open page. Pages read the caches and re-render on <see cref="Changed"/>; nothing polls.
/// A resource the API server does not serve yet just stays empty (its informer retries with back-off).
/// </summary>
public sealed class ClusterStore : IClusterView, IAsyncDisposable
{
    private const string OwnerIndex = "owner";
    private const string InvolvedIndex = "involvedObject.uid";
    private const string NodeIndex = "spec.nodeName";

    private readonly InformerFactory _factory;
    private readonly Dictionary<string, ITracked> _tracked = new(StringComparer.Ordinal);

    public ClusterStore(MiniKubeClient client, TimeProvider time, ILoggerFactory loggers)
    {
        _factory = new InformerFactory(client, time, loggers);
        Track<Node>();
        Track<Namespace>();
        Track<Pod>().Cache.AddIndexer(NodeIndex, p => p.Spec?.NodeName is { Length: > 0 } n ? [n] : []);
        Track<Deployment>();
        Track<ReplicaSet>();
        Track<DaemonSet>();
        Track<Job>();
        Track<Service>();
        Track<Endpoints>();
        Track<EndpointSlice>();
        Track<HorizontalPodAutoscaler>();
        Track<VerticalPodAutoscaler>();
        Track<ConfigMap>();
        Track<Event>().Cache.AddIndexer(InvolvedIndex, e => e.InvolvedObject.Uid is { Length: > 0 } u ? [u] : []);
        Resources = [.. _tracked.Values.Select(t => t.Resource)];
    }

    public event Action<ResourceInfo>? Changed;

    public IReadOnlyList<ResourceInfo> Resources { get; }

    public void Start() => _factory.Start();

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _factory.WaitForSyncAsync(cancellationToken);

    public bool HasSynced(ResourceInfo resource) => _tracked.TryGetValue(resource.Plural, out var t) && t.HasSynced;

    public IReadOnlyList<KubeObject> List(ResourceInfo resource) =>
        _tracked.TryGetValue(resource.Plural, out var t) ? t.List() : [];

    public KubeObject? Get(ResourceInfo resource, string? ns, string name) =>
        _tracked.TryGetValue(resource.Plural, out var t) ? t.Get(resource.Namespaced ? ns : null, name) : null;

    public IReadOnlyList<Event> EventsFor(KubeObject obj) => obj.Metadata.Uid is { Length: > 0 } uid
        ? [.. _factory.For<Event>().Cache.ByIndex(InvolvedIndex, uid).OrderByDescending(EventTime)]
        : [];

    public IReadOnlyList<KubeObject> OwnedBy(string uid) => [.. _tracked.Values.SelectMany(t => t.OwnedBy(uid))];

    public IReadOnlyList<Pod> PodsOn(string node) => _factory.For<Pod>().Cache.ByIndex(NodeIndex, node);

    public static DateTimeOffset EventTime(Event e) => Text.LastSeen(e) ?? default;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private Informer<T> Track<T>() where T : KubeObject
    {
        var informer = _factory.For<T>();
        var resource = ResourceRegistry.For<T>();
        informer.Cache.AddIndexer(OwnerIndex, o => o.Metadata.OwnerReferences?.Select(r => r.Uid) ?? []);
        informer.AddHandler(onAdd: _ => Changed?.Invoke(resource), onUpdate: (_, _) => Changed?.Invoke(resource), onDelete: _ => Changed?.Invoke(resource));
        _tracked[resource.Plural] = new Tracked<T>(resource, informer);
        return informer;
    }

    private interface ITracked
    {
        ResourceInfo Resource { get; }

        bool HasSynced { get; }

        IReadOnlyList<KubeObject> List();

        KubeObject? Get(string? ns, string name);

        IReadOnlyList<KubeObject> OwnedBy(string uid);
    }

    private sealed class Tracked<T>(ResourceInfo resource, Informer<T> informer) : ITracked where T : KubeObject
    {
        public ResourceInfo Resource => resource;

        public bool HasSynced => informer.HasSynced;

        public IReadOnlyList<KubeObject> List() => informer.Cache.List();

        public KubeObject? Get(string? ns, string name) => informer.Cache.Get(ns, name);

        public IReadOnlyList<KubeObject> OwnedBy(string uid) => informer.Cache.ByIndex(OwnerIndex, uid);
    }
}
