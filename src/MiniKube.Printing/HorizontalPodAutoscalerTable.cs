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

    /// <summary><c>cpu: 40%/80%</c> per metric; <c>&lt;unknown&gt;</c> for a current value not yet measured.</summary>
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
