using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// The REST face of the metrics APIs. <see cref="IResourceMetrics"/>: <c>/apis/metrics.k8s.io/v1beta1/{nodes,pods}</c> and
/// <c>/namespaces/{ns}/pods[/{name}]</c> as metrics-server serves them (get and list with <c>labelSelector</c> and
/// <c>fieldSelector</c>; PodMetricsList and NodeMetricsList), always plain JSON, never Tables (kubectl falls back to
/// printing them itself). <see cref="ICustomMetrics"/>: <c>/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/{resource}/{name}/{metric}</c>
/// (MetricValueList). The gRPC Metrics and CustomMetrics services answer from the same implementations.
/// </summary>
internal sealed class RestMetrics(IResourceMetrics metrics, ICustomMetrics custom, CustomMetricsScraper source)
{
    public const string CustomGroup = "custom.metrics.k8s.io";
    public const string CustomVersion = "v1beta2";

    /// <summary>Whether <paramref name="path"/> is under <c>/apis/custom.metrics.k8s.io</c>.</summary>
    public static bool IsCustom(string path) => path.TrimEnd('/') == "/apis/" + CustomGroup || path.StartsWith("/apis/" + CustomGroup + "/", StringComparison.Ordinal);

    /// <summary>
    /// GET of the custom metrics API: the APIGroup, the APIResourceList (<c>pods/{metric}</c>, <c>services/{metric}</c>, … for
    /// each metric the pods report now), or a MetricValueList.
    /// </summary>
    public async Task<byte[]> GetCustomAsync(HttpRequest request, string path, CancellationToken ct)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (request.Method != "GET")
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({request.Method} {path}): the custom metrics API allows get");
        }
        if (segments.Length == 2)
        {
            return RestDiscovery.Write(w =>
            {
                w.WriteString("kind", "APIGroup");
                w.WriteString("apiVersion", "v1");
                RestDiscovery.WriteCustomMetricsGroupBody(w);
            });
        }
        if (segments[2] != CustomVersion)
        {
            throw RestPath.NotFound(path);
        }
        if (segments.Length == 3)
        {
            return CustomResourceList();
        }
        // namespaces/{ns}/{resource}/{name}/{metric}
        if (segments.Length != 8 || segments[3] != "namespaces")
        {
            throw RestPath.NotFound(path);
        }
        var list = await custom.GetAsync(segments[4], segments[5], segments[6], segments[7], request.Query["labelSelector"], request.Query["metricLabelSelector"], ct)
            .ConfigureAwait(false);
        return KubeSerializer.ToJsonBytes(list);
    }

    private byte[] CustomResourceList() => RestDiscovery.Write(w =>
    {
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", CustomGroup + "/" + CustomVersion);
        w.WriteStartArray("resources");
        foreach (var metric in source.MetricNames())
        {
            foreach (var resource in new[] { "pods", "services", "deployments.apps", "replicasets.apps" })
            {
                w.WriteStartObject();
                w.WriteString("name", resource + "/" + metric);
                w.WriteString("singularName", "");
                w.WriteBoolean("namespaced", true);
                w.WriteString("kind", "MetricValueList");
                w.WriteStartArray("verbs");
                w.WriteStringValue("get");
                w.WriteEndArray();
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
    });

    /// <summary>GET of metrics.k8s.io's PodMetrics and NodeMetrics (one, or a list).</summary>
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
