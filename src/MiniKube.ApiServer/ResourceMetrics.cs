using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The metrics.k8s.io/v1beta1 API (PodMetrics, NodeMetrics) for any wire: the gRPC <c>Metrics</c> service and the
/// generic Objects get/list route here, and so can the REST API's <c>/apis/metrics.k8s.io/v1beta1/...</c>.
/// Label selectors match the pods' (nodes') own labels, which the metrics carry, as metrics-server does; field selectors
/// (<c>metadata.name</c>, <c>metadata.namespace</c>, and the other fields of pods and nodes) match the pod or node.
/// </summary>
internal interface IResourceMetrics
{
    Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string? ns, string? labelSelector, string? fieldSelector, CancellationToken ct);

    Task<PodMetrics> GetPodMetricsAsync(string ns, string name, CancellationToken ct);

    Task<IReadOnlyList<NodeMetrics>> ListNodeMetricsAsync(string? labelSelector, string? fieldSelector, CancellationToken ct);

    Task<NodeMetrics> GetNodeMetricsAsync(string name, CancellationToken ct);
}

/// <summary><see cref="IResourceMetrics"/> over the <see cref="ResourceMetricsStore"/>, joined with the pods and nodes of the watch cache.</summary>
internal sealed class ResourceMetrics(ObjectApi api, ResourceMetricsStore store, TimeProvider time) : IResourceMetrics
{
    public async Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string? ns, string? labelSelector, string? fieldSelector, CancellationToken ct)
    {
        var filter = ObjectFilters.Parse(ResourceRegistry.For<Pod>(), string.IsNullOrEmpty(ns) ? null : ns, labelSelector, fieldSelector);
        var (pods, _) = await api.ListAsync(ResourceRegistry.For<Pod>(), filter, ct).ConfigureAwait(false);
        var result = new List<PodMetrics>(pods.Count);
        foreach (var cached in pods)
        {
            var pod = cached.Object;
            if (store.Pod(pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "") is { } metrics && metrics.Metadata.Uid == pod.Metadata.Uid)
            {
                result.Add(WithMetadata(metrics, pod));
            }
        }
        return result;
    }

    public async Task<PodMetrics> GetPodMetricsAsync(string ns, string name, CancellationToken ct)
    {
        ns = string.IsNullOrEmpty(ns) ? "default" : ns;
        var metrics = store.Pod(ns, name) ?? throw NotFound("podmetrics", name);
        KubeObject pod;
        try
        {
            pod = (await api.GetAsync(ResourceRegistry.For<Pod>(), ns, name, ct).ConfigureAwait(false)).Object;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            throw NotFound("podmetrics", name);
        }
        return pod.Metadata.Uid == metrics.Metadata.Uid ? WithMetadata(metrics, pod) : throw NotFound("podmetrics", name);
    }

    public async Task<IReadOnlyList<NodeMetrics>> ListNodeMetricsAsync(string? labelSelector, string? fieldSelector, CancellationToken ct)
    {
        var filter = ObjectFilters.Parse(ResourceRegistry.For<Node>(), null, labelSelector, fieldSelector);
        var (nodes, _) = await api.ListAsync(ResourceRegistry.For<Node>(), filter, ct).ConfigureAwait(false);
        var result = new List<NodeMetrics>(nodes.Count);
        foreach (var cached in nodes)
        {
            if (store.Node(cached.Object.Metadata.Name ?? "") is { } metrics)
            {
                result.Add(WithMetadata(metrics, cached.Object));
            }
        }
        return result;
    }

    public async Task<NodeMetrics> GetNodeMetricsAsync(string name, CancellationToken ct)
    {
        var metrics = store.Node(name) ?? throw NotFound("nodemetrics", name);
        try
        {
            var node = (await api.GetAsync(ResourceRegistry.For<Node>(), null, name, ct).ConfigureAwait(false)).Object;
            return WithMetadata(metrics, node);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            throw NotFound("nodemetrics", name);
        }
    }

    private PodMetrics WithMetadata(PodMetrics metrics, KubeObject pod) => metrics with
    {
        Metadata = new ObjectMeta
        {
            Name = pod.Metadata.Name,
            Namespace = pod.Metadata.Namespace,
            Labels = pod.Metadata.Labels,
            CreationTimestamp = Timestamps.TruncateToSeconds(time.GetUtcNow()),
        },
    };

    private NodeMetrics WithMetadata(NodeMetrics metrics, KubeObject node) => metrics with
    {
        Metadata = new ObjectMeta
        {
            Name = node.Metadata.Name,
            Labels = node.Metadata.Labels,
            CreationTimestamp = Timestamps.TruncateToSeconds(time.GetUtcNow()),
        },
    };

    private static ApiException NotFound(string resource, string name) => new(new Status
    {
        Outcome = "Failure",
        Code = 404,
        Reason = StatusReasons.NotFound,
        Message = $"{resource}.metrics.k8s.io \"{name}\" not found",
        Details = new StatusDetails { Name = name, Group = "metrics.k8s.io", Kind = resource },
    });
}
