using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>What the autoscaler reads and writes besides its informers: scale subresources, the resource and the custom metrics APIs.</summary>
public interface IAutoscalingClient
{
    Task<Scale> GetScaleAsync(string resource, string ns, string name, CancellationToken cancellationToken);

    Task<Scale> UpdateScaleAsync(string resource, string ns, Scale scale, CancellationToken cancellationToken);

    Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken cancellationToken);

    /// <summary>custom.metrics.k8s.io: <paramref name="metric"/> of every pod matching <paramref name="podSelector"/>.</summary>
    Task<IReadOnlyList<MetricValue>> GetPodsMetricAsync(string ns, string metric, string podSelector, string? metricSelector, CancellationToken cancellationToken);

    /// <summary>custom.metrics.k8s.io: <paramref name="metric"/> of one object (<paramref name="resource"/> is <c>plural[.group]</c>).</summary>
    Task<MetricValue> GetObjectMetricAsync(string ns, string resource, string name, string metric, string? metricSelector, CancellationToken cancellationToken);
}

/// <summary><see cref="IAutoscalingClient"/> over the gRPC <c>Scales</c> and <c>Metrics</c> services.</summary>
public sealed class ApiAutoscalingClient(MiniKubeClient client) : IAutoscalingClient
{
    public Task<Scale> GetScaleAsync(string resource, string ns, string name, CancellationToken cancellationToken) =>
        client.GetScaleAsync(resource, ns, name, cancellationToken);

    public Task<Scale> UpdateScaleAsync(string resource, string ns, Scale scale, CancellationToken cancellationToken) =>
        client.UpdateScaleAsync(resource, ns, scale, cancellationToken);

    public Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        client.ListPodMetricsAsync(ns, labelSelector, cancellationToken);

    public Task<IReadOnlyList<MetricValue>> GetPodsMetricAsync(string ns, string metric, string podSelector, string? metricSelector, CancellationToken cancellationToken) =>
        client.GetCustomMetricAsync(ns, "pods", "*", metric, podSelector, metricSelector, cancellationToken);

    public async Task<MetricValue> GetObjectMetricAsync(string ns, string resource, string name, string metric, string? metricSelector,
        CancellationToken cancellationToken) =>
        (await client.GetCustomMetricAsync(ns, resource, name, metric, null, metricSelector, cancellationToken).ConfigureAwait(false))[0];
}
