using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>What the autoscaler reads and writes besides its informers: scale subresources and the resource metrics API.</summary>
public interface IAutoscalingClient
{
    Task<Scale> GetScaleAsync(string resource, string ns, string name, CancellationToken cancellationToken);

    Task<Scale> UpdateScaleAsync(string resource, string ns, Scale scale, CancellationToken cancellationToken);

    Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken cancellationToken);
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
}
