using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>kubectl's HorizontalPodAutoscaler description: reference, metrics (current / target), bounds, pods, behavior, conditions.</summary>
public sealed class HorizontalPodAutoscalerDescriber : IDescriber
{
    public Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var hpa = (HorizontalPodAutoscaler)obj;
        var spec = hpa.Spec ?? new HorizontalPodAutoscalerSpec();
        var status = hpa.Status;
        w.Field(0, "Name", hpa.Metadata.Name);
        w.Field(0, "Namespace", hpa.Metadata.Namespace);
        w.Labels(0, "Labels", hpa.Metadata.Labels);
        w.Annotations(0, "Annotations", hpa.Metadata.Annotations);
        w.Field(0, "CreationTimestamp", Text.Timestamp(hpa.Metadata.CreationTimestamp));
        w.Field(0, "Reference", $"{spec.ScaleTargetRef.Kind}/{spec.ScaleTargetRef.Name}");
        w.Field(0, "Metrics", "( current / target )");
        var metrics = spec.Metrics ?? [];
        for (var i = 0; i < metrics.Count; i++)
        {
            var (label, line) = MetricLine(metrics[i], status?.CurrentMetrics);
            w.Field(1, label, line);
        }
        w.Field(0, "Min replicas", (spec.MinReplicas ?? 1).ToString(CultureInfo.InvariantCulture));
        w.Field(0, "Max replicas", spec.MaxReplicas.ToString(CultureInfo.InvariantCulture));
        if (spec.Behavior is { } behavior)
        {
            w.Section(0, "Behavior");
            Rules(w, "Scale Up", behavior.ScaleUp);
            Rules(w, "Scale Down", behavior.ScaleDown);
        }
        w.Field(0, $"{spec.ScaleTargetRef.Kind} pods", string.Create(CultureInfo.InvariantCulture,
            $"{status?.CurrentReplicas ?? 0} current / {status?.DesiredReplicas ?? 0} desired"));
        var conditions = status?.Conditions ?? [];
        if (conditions.Count > 0)
        {
            w.Section(0, "Conditions");
            w.Table(1, ["Type", "Status", "Reason", "Message"], conditions.Select(c => (IReadOnlyList<string>)[c.Type, c.Status, c.Reason ?? "", c.Message ?? ""]));
        }
        return Task.CompletedTask;
    }

    private static void Rules(DescribeWriter w, string title, HPAScalingRules? rules)
    {
        if (rules is null)
        {
            return;
        }
        w.Section(1, title);
        if (rules.StabilizationWindowSeconds is { } window)
        {
            w.Field(2, "Stabilization Window", string.Create(CultureInfo.InvariantCulture, $"{window} seconds"));
        }
        w.Field(2, "Select Policy", rules.SelectPolicy ?? ScalingPolicySelect.Max);
        w.Section(2, "Policies");
        foreach (var p in rules.Policies ?? [])
        {
            w.Line(3, string.Create(CultureInfo.InvariantCulture, $"- Type: {p.Type}\tValue: {p.Value}\tPeriod: {p.PeriodSeconds} seconds"));
        }
    }

    /// <summary>kubectl's metric line, e.g. <c>resource cpu on pods  (as a percentage of request):  85% (85m) / 50%</c>.</summary>
    public static (string Label, string Line) MetricLine(MetricSpec metric, IReadOnlyList<MetricStatus>? current)
    {
        switch (metric.Type)
        {
            case MetricSourceType.Resource when metric.Resource is { } r:
            {
                var now = current?.FirstOrDefault(m => m.Type == MetricSourceType.Resource && m.Resource?.Name == r.Name)?.Resource?.Current;
                return Line($"resource {r.Name} on pods", r.Target, now);
            }
            case MetricSourceType.ContainerResource when metric.ContainerResource is { } c:
            {
                var now = current?.FirstOrDefault(m => m.Type == MetricSourceType.ContainerResource && m.ContainerResource?.Name == c.Name
                    && m.ContainerResource.Container == c.Container)?.ContainerResource?.Current;
                return Line($"resource {c.Name} of container \"{c.Container}\" on pods", c.Target, now);
            }
            case MetricSourceType.Pods when metric.Pods is { } p:
            {
                var now = current?.FirstOrDefault(m => m.Type == MetricSourceType.Pods && m.Pods?.Metric.Name == p.Metric.Name)?.Pods?.Current.AverageValue;
                return ($"\"{p.Metric.Name}\" on pods", $"{now?.ToString() ?? "<unknown>"} / {p.Target.AverageValue?.ToString() ?? "<unknown>"}");
            }
            case MetricSourceType.Object when metric.Object is { } o:
            {
                var now = current?.FirstOrDefault(m => m.Type == MetricSourceType.Object && m.Object?.Metric.Name == o.Metric.Name
                    && m.Object.DescribedObject.Kind == o.DescribedObject.Kind && m.Object.DescribedObject.Name == o.DescribedObject.Name)?.Object?.Current;
                var what = $"\"{o.Metric.Name}\" on {o.DescribedObject.Kind}/{o.DescribedObject.Name}";
                return o.Target.Type == MetricTargetType.AverageValue
                    ? ($"{what} (target average value)", $"{now?.AverageValue?.ToString() ?? "<unknown>"} / {o.Target.AverageValue?.ToString() ?? "<unknown>"}")
                    : ($"{what} (target value)", $"{now?.Value?.ToString() ?? "<unknown>"} / {o.Target.Value?.ToString() ?? "<unknown>"}");
            }
            default:
                return ($"\"{metric.Type}\" metric", "<unknown> / <unknown> (not supported by MiniKube yet)");
        }
    }

    private static (string, string) Line(string what, MetricTarget target, MetricValueStatus? now)
    {
        if (target.AverageUtilization is { } percent)
        {
            var current = now?.AverageUtilization is { } u ? string.Create(CultureInfo.InvariantCulture, $"{u}% ({now.AverageValue})") : "<unknown>";
            return ($"{what}  (as a percentage of request)", string.Create(CultureInfo.InvariantCulture, $"{current} / {percent}%"));
        }
        return (what, $"{now?.AverageValue?.ToString() ?? "<unknown>"} / {target.AverageValue?.ToString() ?? "<unknown>"}");
    }
}
