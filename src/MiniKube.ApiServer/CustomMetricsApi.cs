using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The custom metrics API (custom.metrics.k8s.io/v1beta2) for any wire: the gRPC <c>CustomMetrics</c> service and the REST
/// API's <c>/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/{resource}/{name}/{metric}</c> route here.
/// </summary>
internal interface ICustomMetrics
{
    /// <param name="resource"><c>pods</c>, or the plural (optionally <c>.group</c>) of a Service, Deployment, ReplicaSet, DaemonSet or Job.</param>
    /// <param name="name">The object's name, or <c>*</c> for every pod matching <paramref name="labelSelector"/> (pods only).</param>
    /// <param name="metricSelector">Matched against the samples' own labels; the values of all matching samples are summed.</param>
    Task<MetricValueList> GetAsync(string ns, string resource, string name, string metric, string? labelSelector, string? metricSelector, CancellationToken ct);
}

/// <summary>
/// <see cref="ICustomMetrics"/> over what the <see cref="CustomMetricsScraper"/> read from the pods: a pod's value is the
/// sum of its samples of the metric that match the metric selector; an object's value is the sum over the pods its
/// selector (a Service's <c>spec.selector</c>, a workload's <c>spec.selector</c>) picks that report the metric.
/// </summary>
internal sealed class CustomMetricsApi(ObjectApi api, CustomMetricsScraper source) : ICustomMetrics
{
    public async Task<MetricValueList> GetAsync(string ns, string resource, string name, string metric, string? labelSelector, string? metricSelector,
        CancellationToken ct)
    {
        ns = string.IsNullOrEmpty(ns) ? "default" : ns;
        if (string.IsNullOrEmpty(metric))
        {
            throw ApiException.BadRequest("a metric name is required");
        }
        var samples = ParseSelector(metricSelector, "metricSelector");
        var info = ResourceRegistry.ByPlural(resource) is { Stored: true, Namespaced: true } r ? r : throw NotFound(metric, resource, name);
        var metricId = new MetricIdentifier { Name = metric };
        if (info.Type == typeof(Pod) && name == "*")
        {
            var (pods, _) = await api.ListAsync(info, ObjectFilters.Parse(info, ns, labelSelector, null), ct).ConfigureAwait(false);
            var items = new List<MetricValue>();
            foreach (var cached in pods.OrderBy(p => p.Object.Metadata.Name, StringComparer.Ordinal))
            {
                var pod = (Pod)cached.Object;
                if (Value(pod, metric, samples) is { } v)
                {
                    items.Add(new MetricValue { DescribedObject = Reference(pod, "Pod"), Metric = metricId, Timestamp = v.Timestamp, Value = v.Value });
                }
            }
            return new MetricValueList { Items = items };
        }
        if (name == "*")
        {
            throw ApiException.BadRequest($"\"*\" names every pod; {resource} needs an object's name");
        }
        KubeObject obj;
        try
        {
            obj = (await api.GetAsync(info, ns, name, ct).ConfigureAwait(false)).Object;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            throw NotFound(metric, info.QualifiedPlural, name);
        }
        (Quantity Value, DateTimeOffset Timestamp)? total;
        if (obj is Pod single)
        {
            total = Value(single, metric, samples);
        }
        else
        {
            var selector = PodSelector(obj) ?? throw NotFound(metric, info.QualifiedPlural, name);
            var (pods, _) = await api.ListAsync(ResourceRegistry.For<Pod>(), new ObjectFilter(ns, selector, FieldSelector.Everything), ct).ConfigureAwait(false);
            total = null;
            foreach (var cached in pods)
            {
                if (Value((Pod)cached.Object, metric, samples) is { } v)
                {
                    total = total is { } t ? (t.Value + v.Value, v.Timestamp < t.Timestamp ? v.Timestamp : t.Timestamp) : v;
                }
            }
        }
        if (total is not { } found)
        {
            throw NotFound(metric, info.QualifiedPlural, name);
        }
        return new MetricValueList
        {
            Items = [new MetricValue { DescribedObject = Reference(obj, info.Kind), Metric = metricId, Timestamp = found.Timestamp, Value = found.Value }],
        };
    }

    /// <summary>The pod's value of the metric: the sum of its matching samples, if it reported any (and is the pod that reported).</summary>
    private (Quantity Value, DateTimeOffset Timestamp)? Value(Pod pod, string metric, Selector samples)
    {
        if (source.Pod(pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "") is not { } reported || reported.Uid != pod.Metadata.Uid)
        {
            return null;
        }
        var sum = 0m;
        var found = false;
        foreach (var s in reported.Samples)
        {
            if (s.Name == metric && samples.Matches(s.Labels))
            {
                sum += s.Value;
                found = true;
            }
        }
        // Milli-units, as Kubernetes' quantities of custom metrics carry them.
        return found ? (Quantity.FromDecimal(decimal.Round(sum, 3, MidpointRounding.AwayFromZero)), reported.Timestamp) : null;
    }

    private static Selector? PodSelector(KubeObject obj)
    {
        var labels = obj switch
        {
            Service s => s.Spec?.Selector is { Count: > 0 } map ? new LabelSelector { MatchLabels = map } : null,
            Deployment d => d.Spec?.Selector,
            ReplicaSet rs => rs.Spec?.Selector,
            DaemonSet ds => ds.Spec?.Selector,
            Job j => j.Spec?.Selector,
            _ => null,
        };
        return labels is null ? null : Selector.FromLabelSelector(labels);
    }

    private static ObjectReference Reference(KubeObject obj, string kind) => new()
    {
        Kind = kind,
        Namespace = obj.Metadata.Namespace,
        Name = obj.Metadata.Name,
        ApiVersion = ResourceRegistry.ByType(obj.GetType()).ApiVersion,
    };

    private static Selector ParseSelector(string? text, string parameter)
    {
        if (!Selector.TryParse(text, out var selector, out var error))
        {
            throw ApiException.BadRequest($"{parameter}: unable to parse requirement: {error}");
        }
        return selector;
    }

    private static ApiException NotFound(string metric, string resource, string name) => new(new Status
    {
        Outcome = "Failure",
        Code = 404,
        Reason = StatusReasons.NotFound,
        Message = $"the server could not find the metric {metric} for {resource} {name}",
        Details = new StatusDetails { Name = name, Group = "custom.metrics.k8s.io", Kind = resource },
    });
}
