using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE</c>.</summary>
public sealed class HorizontalPodAutoscalerTable : ResourceTable<HorizontalPodAutoscaler>
{
    public HorizontalPodAutoscalerTable()
    {
        NameColumn();
        Column("REFERENCE", h => $"{h.Spec?.ScaleTargetRef.Kind}/{h.Spec?.ScaleTargetRef.Name}");
        Column("TARGETS", Targets);
        Column("MINPODS", h => h.Spec?.MinReplicas is { } min ? min.ToString(CultureInfo.InvariantCulture) : "<unset>");
        Column("MAXPODS", h => Text.Int(h.Spec?.MaxReplicas));
        Column("REPLICAS", h => Text.Int(h.Status?.CurrentReplicas));
        AgeColumn();
    }

    /// <summary>
    /// <c>cpu: 40%/80%</c> per metric, <c>queue_depth: 30/10</c> for a Pods metric and <c>requests: 12/10 (avg)</c> for an
    /// Object metric's AverageValue, as kubectl prints them; <c>&lt;unknown&gt;</c> for a current value not yet measured.
    /// </summary>
    public static string Targets(HorizontalPodAutoscaler hpa)
    {
        var metrics = hpa.Spec?.Metrics ?? [];
        if (metrics.Count == 0)
        {
            return Text.None;
        }
        var parts = new List<string>();
        for (var i = 0; i < metrics.Count; i++)
        {
            var spec = metrics[i];
            if (CustomTarget(hpa, spec) is { } custom)
            {
                parts.Add(custom);
                continue;
            }
            var (name, target) = spec.Type switch
            {
                MetricSourceType.Resource when spec.Resource is { } r => (r.Name, r.Target),
                MetricSourceType.ContainerResource when spec.ContainerResource is { } c => ($"{c.Name} ({c.Container})", c.Target),
                _ => ((string?)null, (MetricTarget?)null),
            };
            if (name is null || target is null)
            {
                parts.Add("<unknown>/<unknown>");
                continue;
            }
            var current = hpa.Status?.CurrentMetrics?.FirstOrDefault(m =>
                m.Resource?.Name == name || (m.ContainerResource is { } cr && $"{cr.Name} ({cr.Container})" == name));
            var currentValue = current?.Resource?.Current ?? current?.ContainerResource?.Current;
            parts.Add($"{name}: {Value(currentValue, target.Type)}/{TargetValue(target)}");
        }
        return string.Join(", ", parts);
    }

    private static string? CustomTarget(HorizontalPodAutoscaler hpa, MetricSpec spec)
    {
        var statuses = hpa.Status?.CurrentMetrics ?? [];
        if (spec is { Type: MetricSourceType.Pods, Pods: { } pods })
        {
            var now = statuses.FirstOrDefault(m => m.Pods?.Metric.Name == pods.Metric.Name)?.Pods?.Current.AverageValue;
            return $"{pods.Metric.Name}: {now?.ToString() ?? "<unknown>"}/{pods.Target.AverageValue?.ToString() ?? "<unknown>"}";
        }
        if (spec is { Type: MetricSourceType.Object, Object: { } obj })
        {
            var current = statuses.FirstOrDefault(m => m.Object is { } o && o.Metric.Name == obj.Metric.Name && o.DescribedObject.Kind == obj.DescribedObject.Kind
                && o.DescribedObject.Name == obj.DescribedObject.Name)?.Object?.Current;
            return obj.Target.AverageValue is { } average
                ? $"{obj.Metric.Name}: {current?.AverageValue?.ToString() ?? "<unknown>"}/{average} (avg)"
                : $"{obj.Metric.Name}: {current?.Value?.ToString() ?? "<unknown>"}/{obj.Target.Value?.ToString() ?? "<unknown>"}";
        }
        return null;
    }

    private static string TargetValue(MetricTarget target) => target.Type switch
    {
        MetricTargetType.Utilization => Percent(target.AverageUtilization),
        MetricTargetType.AverageValue => target.AverageValue?.ToString() ?? "<unknown>",
        _ => target.Value?.ToString() ?? "<unknown>",
    };

    private static string Value(MetricValueStatus? current, string targetType)
    {
        if (current is null)
        {
            return "<unknown>";
        }
        return targetType switch
        {
            MetricTargetType.Utilization => current.AverageUtilization is null ? "<unknown>" : Percent(current.AverageUtilization),
            MetricTargetType.AverageValue => current.AverageValue?.ToString() ?? "<unknown>",
            _ => current.Value?.ToString() ?? "<unknown>",
        };
    }

    private static string Percent(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) + "%" : "<unknown>";
}
