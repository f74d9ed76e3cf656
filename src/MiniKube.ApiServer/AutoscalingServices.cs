using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.ApiServer;

/// <summary>The gRPC face of <see cref="IResourceMetrics"/> (metrics.k8s.io/v1beta1).</summary>
internal sealed class MetricsService(IResourceMetrics metrics) : Metrics.MetricsBase
{
    public override async Task<ListReply> ListPodMetrics(MetricsListRequest request, ServerCallContext context) =>
        List(await metrics.ListPodMetricsAsync(request.Namespace, request.LabelSelector, null, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ObjectReply> GetPodMetrics(MetricsGetRequest request, ServerCallContext context) =>
        Reply(await metrics.GetPodMetricsAsync(request.Namespace, request.Name, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListReply> ListNodeMetrics(MetricsListRequest request, ServerCallContext context) =>
        List(await metrics.ListNodeMetricsAsync(request.LabelSelector, null, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ObjectReply> GetNodeMetrics(MetricsGetRequest request, ServerCallContext context) =>
        Reply(await metrics.GetNodeMetricsAsync(request.Name, context.CancellationToken).ConfigureAwait(false));

    internal static ListReply List<T>(IReadOnlyList<T> items) where T : KubeObject =>
        new() { List = UnsafeByteOperations.UnsafeWrap(KubeSerializer.ToJsonBytes(KubeList.Of(items))) };

    internal static ObjectReply Reply(KubeObject obj) => new() { Object = UnsafeByteOperations.UnsafeWrap(KubeSerializer.ToJsonBytes(obj)) };
}

/// <summary>The gRPC face of <see cref="ICustomMetrics"/> (custom.metrics.k8s.io/v1beta2).</summary>
internal sealed class CustomMetricsService(ICustomMetrics metrics) : CustomMetrics.CustomMetricsBase
{
    public override async Task<ListReply> GetMetric(CustomMetricRequest request, ServerCallContext context)
    {
        var list = await metrics.GetAsync(request.Namespace, request.Resource, request.Name, request.Metric, request.LabelSelector, request.MetricSelector,
            context.CancellationToken).ConfigureAwait(false);
        return new ListReply { List = UnsafeByteOperations.UnsafeWrap(KubeSerializer.ToJsonBytes(list)) };
    }
}

/// <summary>The gRPC face of <see cref="IScaleSubresource"/>.</summary>
internal sealed class ScalesService(IScaleSubresource scales) : Scales.ScalesBase
{
    public override async Task<ObjectReply> GetScale(ScaleGetRequest request, ServerCallContext context) =>
        MetricsService.Reply(await scales.GetAsync(ObjectApi.Resolve(request.Resource), request.Namespace, request.Name, context.CancellationToken)
            .ConfigureAwait(false));

    public override async Task<ObjectReply> UpdateScale(ScaleUpdateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        Scale scale;
        try
        {
            scale = KubeSerializer.FromJson<Scale>(request.Scale.Span);
        }
        catch (DecodeException ex)
        {
            throw ApiException.BadRequest("Scale cannot be decoded: " + ex.Message);
        }
        var name = scale.Metadata.Name ?? "";
        if (name.Length == 0)
        {
            throw ApiException.Invalid("Scale", "", [FieldError.Required("metadata.name")]);
        }
        return MetricsService.Reply(await scales.UpdateAsync(resource, request.Namespace, name, scale, fieldManager: null, context.CancellationToken).ConfigureAwait(false));
    }
}
