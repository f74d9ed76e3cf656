using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// The REST face of <see cref="IResourceMetrics"/>: <c>/apis/metrics.k8s.io/v1beta1/{nodes,pods}</c> and
/// <c>/namespaces/{ns}/pods[/{name}]</c> as metrics-server serves them (get and list with <c>labelSelector</c> and
/// <c>fieldSelector</c>; PodMetricsList and NodeMetricsList). The gRPC Metrics service answers from the same implementation.
/// Lists are always plain JSON, never Tables (kubectl falls back to printing them itself).
/// </summary>
internal sealed class RestMetrics(IResourceMetrics metrics)
{
    public async Task<byte[]> GetAsync(HttpRequest request, RestTarget target, CancellationToken ct)
    {
        if (request.Method != "GET" || target.Subresource is not null || IsWatch((string?)request.Query["watch"]))
        {
            throw ApiException.MethodNotAllowed(
                $"the server does not allow this method on the requested resource ({request.Method} {request.Path.Value}): {target.Resource.QualifiedPlural} allows get and list");
        }
        var labels = (string?)request.Query["labelSelector"];
        var fields = (string?)request.Query["fieldSelector"];
        var pods = target.Resource.Type == typeof(PodMetrics);
        if (target.Name is { } name)
        {
            KubeObject one = pods
                ? await metrics.GetPodMetricsAsync(target.Namespace ?? "default", name, ct).ConfigureAwait(false)
                : await metrics.GetNodeMetricsAsync(name, ct).ConfigureAwait(false);
            return KubeSerializer.ToJsonBytes(one);
        }
        IReadOnlyList<KubeObject> items = pods
            ? await metrics.ListPodMetricsAsync(target.Namespace, labels, fields, ct).ConfigureAwait(false)
            : await metrics.ListNodeMetricsAsync(labels, fields, ct).ConfigureAwait(false);
        return RestDiscovery.Write(w =>
        {
            w.WriteString("kind", target.Resource.ListKind);
            w.WriteString("apiVersion", target.Resource.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                w.WriteRawValue(KubeSerializer.ToJsonBytes(item), skipInputValidation: true);
            }
            w.WriteEndArray();
        });
    }

    private static bool IsWatch(string? value) => value is "true" or "1" or "True";
}
