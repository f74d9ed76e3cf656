using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.Client;

/// <summary>
/// The resource metrics API (metrics.k8s.io/v1beta1) and the scale subresource through the API server's <c>Metrics</c>
/// and <c>Scales</c> gRPC services. Failures surface as <see cref="ApiException"/>s, as with every other client call.
/// </summary>
public static class AutoscalingClient
{
    public static async Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(this MiniKubeClient client, string? ns = null, string? labelSelector = null,
        CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Metrics.MetricsClient(client.Channel)
            .ListPodMetricsAsync(new MetricsListRequest { Namespace = ns ?? "", LabelSelector = labelSelector ?? "" }, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        return KubeSerializer.FromJson<KubeList<PodMetrics>>(reply.List.Span).Items;
    }

    public static async Task<PodMetrics> GetPodMetricsAsync(this MiniKubeClient client, string ns, string name, CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Metrics.MetricsClient(client.Channel)
            .GetPodMetricsAsync(new MetricsGetRequest { Namespace = ns, Name = name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<PodMetrics>(reply.Object.Span);
    }

    public static async Task<IReadOnlyList<NodeMetrics>> ListNodeMetricsAsync(this MiniKubeClient client, string? labelSelector = null,
        CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Metrics.MetricsClient(client.Channel)
            .ListNodeMetricsAsync(new MetricsListRequest { LabelSelector = labelSelector ?? "" }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<KubeList<NodeMetrics>>(reply.List.Span).Items;
    }

    public static async Task<NodeMetrics> GetNodeMetricsAsync(this MiniKubeClient client, string name, CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Metrics.MetricsClient(client.Channel)
            .GetNodeMetricsAsync(new MetricsGetRequest { Name = name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<NodeMetrics>(reply.Object.Span);
    }

    /// <summary>The scale subresource of a deployment or replicaset (<paramref name="resource"/> is the plural).</summary>
    public static async Task<Scale> GetScaleAsync(this MiniKubeClient client, string resource, string? ns, string name, CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Scales.ScalesClient(client.Channel)
            .GetScaleAsync(new ScaleGetRequest { Resource = resource, Namespace = ns ?? "", Name = name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<Scale>(reply.Object.Span);
    }

    /// <summary>Sets <c>spec.replicas</c> through the scale subresource; a Scale with a resourceVersion is conditional.</summary>
    public static async Task<Scale> UpdateScaleAsync(this MiniKubeClient client, string resource, string? ns, Scale scale, CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new Scales.ScalesClient(client.Channel).UpdateScaleAsync(new ScaleUpdateRequest
        {
            Resource = resource,
            Namespace = ns ?? "",
            Scale = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(KubeSerializer.ToJsonBytes(scale)),
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<Scale>(reply.Object.Span);
    }

    /// <summary>
    /// A custom metric (custom.metrics.k8s.io/v1beta2) of one object, or of every pod matching <paramref name="labelSelector"/>
    /// when <paramref name="resource"/> is <c>pods</c> and <paramref name="name"/> is <c>*</c>.
    /// </summary>
    public static async Task<IReadOnlyList<MetricValue>> GetCustomMetricAsync(this MiniKubeClient client, string ns, string resource, string name, string metric,
        string? labelSelector = null, string? metricSelector = null, CancellationToken cancellationToken = default)
    {
        var reply = await Call(client, () => new CustomMetrics.CustomMetricsClient(client.Channel).GetMetricAsync(new CustomMetricRequest
        {
            Namespace = ns,
            Resource = resource,
            Name = name,
            Metric = metric,
            LabelSelector = labelSelector ?? "",
            MetricSelector = metricSelector ?? "",
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return KubeSerializer.FromJson<MetricValueList>(reply.List.Span).Items;
    }

    // The lambdas read client.Channel, the current server's, so a call refused by a dead server runs again on the next one.
    private static Task<T> Call<T>(MiniKubeClient client, Func<AsyncUnaryCall<T>> call) =>
        client.CallAsync(_ => call(), safeToRepeat: false, CancellationToken.None);
}
