using System.Text;

namespace MiniKube.Api;

/// <summary>Node, Namespace, ConfigMap, Secret, Lease, HorizontalPodAutoscaler, Event and Binding validation.</summary>
public static partial class Validator
{
    /// <summary>ConfigMaps and Secrets live in etcd values and are mounted into pods; Kubernetes caps them at 1 MiB.</summary>
    public const int MaxDataBytes = 1024 * 1024;

    private static readonly string[] MetricSourceTypes = [MetricSourceType.ContainerResource, MetricSourceType.Object, MetricSourceType.Pods, MetricSourceType.Resource];
    private static readonly string[] MetricTargetTypes = [MetricTargetType.AverageValue, MetricTargetType.Utilization, MetricTargetType.Value];
    private static readonly string[] ScalingPolicyTypes = ["Percent", "Pods"];
    private static readonly string[] SelectPolicies = ["Disabled", "Max", "Min"];
    private static readonly string[] EventTypes = [EventType.Normal, EventType.Warning];

    private static void ValidateNode(Node node, List<FieldError> errs)
    {
        var taints = node.Spec?.Taints ?? [];
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < taints.Count; i++)
        {
            var t = taints[i];
            var tp = Paths.Index("spec.taints", i);
            foreach (var msg in NameRules.IsQualifiedName(t.Key ?? ""))
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "key"), t.Key ?? "", msg));
            }
            foreach (var msg in NameRules.IsValidLabelValue(t.Value ?? ""))
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "value"), t.Value, msg));
            }
            OneOf(t.Effect, Paths.Child(tp, "effect"), TaintEffects, errs, allowEmpty: false);
            if (!seen.Add((t.Key ?? "", t.Effect ?? "")))
            {
                errs.Add(new FieldError(tp, FieldErrorType.Duplicate, "taints must be unique by key and effect pair",
                    Raw(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["effect"] = t.Effect ?? "", ["key"] = t.Key ?? "" })));
            }
        }
    }

    private static void ValidateNamespace(Namespace ns, List<FieldError> errs)
    {
        errs.AddRange(PodSecurityLabels.Validate(ns.Metadata.Labels));
        var finalizers = ns.Spec?.Finalizers ?? [];
        for (var i = 0; i < finalizers.Count; i++)
        {
            foreach (var msg in NameRules.IsQualifiedName(finalizers[i]))
            {
                errs.Add(FieldError.Invalid(Paths.Index("spec.finalizers", i), finalizers[i], msg));
            }
        }
    }

    private static void ValidateConfigMap(ConfigMap cm, List<FieldError> errs)
    {
        long size = 0;
        var binary = cm.BinaryData ?? new Dictionary<string, byte[]>();
        foreach (var (key, value) in (cm.Data ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            DataKey(key, Paths.Key("data", key), errs);
            if (binary.ContainsKey(key))
            {
                errs.Add(FieldError.Invalid(Paths.Key("data", key), key, "duplicate of key present in binaryData"));
            }
            size += Encoding.UTF8.GetByteCount(value ?? "");
        }
        foreach (var (key, value) in binary.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            DataKey(key, Paths.Key("binaryData", key), errs);
            size += value?.Length ?? 0;
        }
        DataSize(size, errs);
    }

    private static void ValidateSecret(Secret secret, List<FieldError> errs)
    {
        long size = 0;
        foreach (var (key, value) in (secret.Data ?? new Dictionary<string, byte[]>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            DataKey(key, Paths.Key("data", key), errs);
            size += value?.Length ?? 0;
        }
        foreach (var (key, value) in (secret.StringData ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            DataKey(key, Paths.Key("stringData", key), errs);
            size += Encoding.UTF8.GetByteCount(value ?? "");
        }
        DataSize(size, errs);

        // Typed secrets promise consumers certain keys; stringData counts because it is merged into data.
        bool Has(string key) => (secret.Data?.ContainsKey(key) ?? false) || (secret.StringData?.ContainsKey(key) ?? false);
        switch (secret.Type)
        {
            case SecretType.Tls:
                foreach (var key in (string[])["tls.crt", "tls.key"])
                {
                    if (!Has(key))
                    {
                        errs.Add(FieldError.Required(Paths.Key("data", key)));
                    }
                }
                break;
            case SecretType.DockerConfigJson:
                if (!Has(".dockerconfigjson"))
                {
                    errs.Add(FieldError.Required(Paths.Key("data", ".dockerconfigjson")));
                }
                break;
            case SecretType.BasicAuth:
                if (!Has("username") && !Has("password"))
                {
                    errs.Add(FieldError.Required(Paths.Key("data", "username"), "must contain at least one of username or password"));
                }
                break;
        }
    }

    private static void DataKey(string key, string path, List<FieldError> errs)
    {
        foreach (var msg in NameRules.IsConfigMapKey(key))
        {
            errs.Add(FieldError.Invalid(path, key, msg));
        }
    }

    private static void DataSize(long size, List<FieldError> errs)
    {
        if (size > MaxDataBytes)
        {
            errs.Add(new FieldError("", FieldErrorType.TooLong, $"must have at most {MaxDataBytes} bytes"));
        }
    }

    private static void ValidateLease(Lease lease, List<FieldError> errs)
    {
        var spec = lease.Spec ?? new LeaseSpec();
        if (spec.LeaseDurationSeconds is { } duration && duration <= 0)
        {
            errs.Add(FieldError.Invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
        }
        NonNegativeField(spec.LeaseTransitions, "spec.leaseTransitions", errs);
    }

    private static void ValidateHpa(HorizontalPodAutoscaler hpa, List<FieldError> errs)
    {
        var spec = hpa.Spec ?? new HorizontalPodAutoscalerSpec();
        var target = spec.ScaleTargetRef ?? new CrossVersionObjectReference();
        if (string.IsNullOrEmpty(target.Kind))
        {
            errs.Add(FieldError.Required("spec.scaleTargetRef.kind"));
        }
        if (string.IsNullOrEmpty(target.Name))
        {
            errs.Add(FieldError.Required("spec.scaleTargetRef.name"));
        }
        else if (target.Name.Contains('/', StringComparison.Ordinal) || target.Name.Contains('%', StringComparison.Ordinal) || target.Name is "." or "..")
        {
            errs.Add(FieldError.Invalid("spec.scaleTargetRef.name", target.Name, "may not be '.' or '..' and may not contain '/' or '%'"));
        }
        if (spec.MinReplicas is { } min && min < 1)
        {
            errs.Add(FieldError.Invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
        }
        if (spec.MaxReplicas < 1)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than 0"));
        }
        if (spec.MinReplicas is { } floor && spec.MaxReplicas < floor)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than or equal to `minReplicas`"));
        }

        var metrics = spec.Metrics ?? [];
        for (var i = 0; i < metrics.Count; i++)
        {
            ValidateMetric(metrics[i], Paths.Index("spec.metrics", i), errs);
        }
        if (spec.Behavior is { } behavior)
        {
            if (behavior.ScaleUp is not null)
            {
                ValidateScalingRules(behavior.ScaleUp, "spec.behavior.scaleUp", errs);
            }
            if (behavior.ScaleDown is not null)
            {
                ValidateScalingRules(behavior.ScaleDown, "spec.behavior.scaleDown", errs);
            }
        }
    }

    private static void ValidateMetric(MetricSpec metric, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(metric.Type))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "type"), "must specify a metric source type"));
        }
        else
        {
            OneOf(metric.Type, Paths.Child(path, "type"), MetricSourceTypes, errs);
        }
        (object? Source, string Type, string Field)[] sources =
        [
            (metric.Resource, MetricSourceType.Resource, "resource"),
            (metric.ContainerResource, MetricSourceType.ContainerResource, "containerResource"),
            (metric.Pods, MetricSourceType.Pods, "pods"),
            (metric.Object, MetricSourceType.Object, "object"),
        ];
        foreach (var (source, type, field) in sources)
        {
            if (source is not null && metric.Type != type)
            {
                errs.Add(FieldError.Forbidden(Paths.Child(path, field), "must populate the given metric source only"));
            }
            else if (source is null && metric.Type == type)
            {
                errs.Add(FieldError.Required(Paths.Child(path, field), "must populate information for the given metric source"));
            }
        }
        if (metric.Type == MetricSourceType.Resource && metric.Resource is { } resource)
        {
            var rp = Paths.Child(path, "resource");
            if (string.IsNullOrEmpty(resource.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(rp, "name"), "must specify a resource name"));
            }
            ValidateResourceMetricTarget(resource.Target ?? new MetricTarget(), Paths.Child(rp, "target"), errs);
        }
        if (metric.Type == MetricSourceType.ContainerResource && metric.ContainerResource is { } container)
        {
            var cp = Paths.Child(path, "containerResource");
            if (string.IsNullOrEmpty(container.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(cp, "name"), "must specify a resource name"));
            }
            if (string.IsNullOrEmpty(container.Container))
            {
                errs.Add(FieldError.Required(Paths.Child(cp, "container"), "must specify a container"));
            }
            else
            {
                DnsLabel(container.Container, Paths.Child(cp, "container"), errs);
            }
            ValidateResourceMetricTarget(container.Target ?? new MetricTarget(), Paths.Child(cp, "target"), errs);
        }
        if (metric.Type == MetricSourceType.Pods && metric.Pods is { } pods)
        {
            var pp = Paths.Child(path, "pods");
            ValidateMetricIdentifier(pods.Metric ?? new MetricIdentifier(), Paths.Child(pp, "metric"), errs);
            var target = pods.Target ?? new MetricTarget();
            ValidateCustomMetricTarget(target, Paths.Child(pp, "target"), errs);
            if (target.AverageValue is null)
            {
                errs.Add(FieldError.Required(Paths.Child(pp, "target.averageValue"), "must specify a positive target averageValue"));
            }
        }
        if (metric.Type == MetricSourceType.Object && metric.Object is { } obj)
        {
            var op = Paths.Child(path, "object");
            var described = obj.DescribedObject ?? new CrossVersionObjectReference();
            if (string.IsNullOrEmpty(described.Kind))
            {
                errs.Add(FieldError.Required(Paths.Child(op, "describedObject.kind")));
            }
            if (string.IsNullOrEmpty(described.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(op, "describedObject.name")));
            }
            ValidateMetricIdentifier(obj.Metric ?? new MetricIdentifier(), Paths.Child(op, "metric"), errs);
            var target = obj.Target ?? new MetricTarget();
            ValidateCustomMetricTarget(target, Paths.Child(op, "target"), errs);
            if (target.Value is null && target.AverageValue is null)
            {
                errs.Add(FieldError.Required(Paths.Child(op, "target.averageValue"), "must set either a target value or averageValue"));
            }
        }
    }

    private static void ValidateMetricIdentifier(MetricIdentifier metric, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(metric.Name))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "name"), "must specify a metric name"));
        }
        if (metric.Selector is { } selector)
        {
            errs.AddRange(Selector.ValidateLabelSelector(selector, Paths.Child(path, "selector")));
        }
    }

    /// <summary>Pods and Object metrics: a Value or AverageValue target (never a Utilization, which needs requests), positive.</summary>
    private static void ValidateCustomMetricTarget(MetricTarget target, string path, List<FieldError> errs)
    {
        var tp = Paths.Child(path, "type");
        if (string.IsNullOrEmpty(target.Type))
        {
            errs.Add(FieldError.Required(tp, "must specify a metric target type"));
        }
        else if (target.Type is not (MetricTargetType.Value or MetricTargetType.AverageValue))
        {
            errs.Add(FieldError.NotSupported(tp, target.Type, [MetricTargetType.AverageValue, MetricTargetType.Value]));
        }
        if (target.AverageValue is { Sign: <= 0 } average)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "averageValue"), average.ToString(), "must be positive"));
        }
        if (target.Value is { Sign: <= 0 } value)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "value"), value.ToString(), "must be positive"));
        }
    }

    /// <summary>Resource metrics are averaged over pods, so their target is a utilization or an average value.</summary>
    private static void ValidateResourceMetricTarget(MetricTarget target, string path, List<FieldError> errs)
    {
        var tp = Paths.Child(path, "type");
        if (string.IsNullOrEmpty(target.Type))
        {
            errs.Add(FieldError.Required(tp, "must specify a metric target type"));
        }
        else if (!MetricTargetTypes.Contains(target.Type, StringComparer.Ordinal))
        {
            errs.Add(FieldError.NotSupported(tp, target.Type, MetricTargetTypes));
        }
        else if (target.Type == MetricTargetType.Value)
        {
            errs.Add(FieldError.NotSupported(tp, target.Type, [MetricTargetType.AverageValue, MetricTargetType.Utilization]));
        }
        if (target.Type == MetricTargetType.Utilization && target.AverageUtilization is null)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "averageUtilization"), "must populate averageUtilization when target type is Utilization"));
        }
        if (target.Type == MetricTargetType.AverageValue && target.AverageValue is null)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "averageValue"), "must populate averageValue when target type is AverageValue"));
        }
        if (target.AverageUtilization is { } utilization && utilization < 1)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "averageUtilization"), utilization, "must be greater than 0"));
        }
        if (target.AverageValue is { Sign: <= 0 } average)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "averageValue"), average.ToString(), "must be positive"));
        }
        if (target.Value is { Sign: <= 0 } value)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "value"), value.ToString(), "must be positive"));
        }
    }

    private static void ValidateScalingRules(HPAScalingRules rules, string path, List<FieldError> errs)
    {
        if (rules.StabilizationWindowSeconds is { } window)
        {
            NonNegativeField(window, Paths.Child(path, "stabilizationWindowSeconds"), errs);
            if (window > 3600)
            {
                errs.Add(FieldError.Invalid(Paths.Child(path, "stabilizationWindowSeconds"), window, "must be less than or equal to 3600"));
            }
        }
        OneOf(rules.SelectPolicy, Paths.Child(path, "selectPolicy"), SelectPolicies, errs);
        var policies = rules.Policies ?? [];
        for (var i = 0; i < policies.Count; i++)
        {
            var p = policies[i];
            var pp = Paths.Index(Paths.Child(path, "policies"), i);
            OneOf(p.Type, Paths.Child(pp, "type"), ScalingPolicyTypes, errs, allowEmpty: false);
            if (p.Value <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(pp, "value"), p.Value, "must be greater than zero"));
            }
            if (p.PeriodSeconds <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(pp, "periodSeconds"), p.PeriodSeconds, "must be greater than zero"));
            }
            else if (p.PeriodSeconds > 1800)
            {
                errs.Add(FieldError.Invalid(Paths.Child(pp, "periodSeconds"), p.PeriodSeconds, "must be less than or equal to 1800"));
            }
        }
    }

    private static void ValidateEvent(Event ev, List<FieldError> errs)
    {
        var involved = ev.InvolvedObject ?? new ObjectReference();
        if (string.IsNullOrEmpty(involved.Kind))
        {
            errs.Add(FieldError.Required("involvedObject.kind"));
        }
        if (string.IsNullOrEmpty(involved.Name))
        {
            errs.Add(FieldError.Required("involvedObject.name"));
        }
        if (!string.IsNullOrEmpty(involved.Namespace) && !string.IsNullOrEmpty(ev.Metadata.Namespace) && involved.Namespace != ev.Metadata.Namespace)
        {
            errs.Add(FieldError.Invalid("involvedObject.namespace", involved.Namespace, "does not match event.namespace"));
        }
        OneOf(ev.Type, "type", EventTypes, errs);
        NonNegativeField(ev.Count, "count", errs);
    }

    private static void ValidateBinding(Binding binding, List<FieldError> errs)
    {
        var target = binding.Target ?? new ObjectReference();
        if (!string.IsNullOrEmpty(target.Kind) && target.Kind != "Node")
        {
            errs.Add(FieldError.NotSupported("target.kind", target.Kind, ["Node"]));
        }
        if (string.IsNullOrEmpty(target.Name))
        {
            errs.Add(FieldError.Required("target.name"));
        }
        else
        {
            DnsSubdomain(target.Name, "target.name", errs);
        }
    }
}
