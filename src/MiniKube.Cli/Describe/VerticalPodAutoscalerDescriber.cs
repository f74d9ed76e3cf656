using System.Globalization;
using MiniKube.Api;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>A VerticalPodAutoscaler: target, update policy, resource policy, each container's recommendation and the conditions.</summary>
public sealed class VerticalPodAutoscalerDescriber : IDescriber
{
    public Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var vpa = (VerticalPodAutoscaler)obj;
        var spec = vpa.Spec ?? new VerticalPodAutoscalerSpec();
        w.Field(0, "Name", vpa.Metadata.Name);
        w.Field(0, "Namespace", vpa.Metadata.Namespace);
        w.Labels(0, "Labels", vpa.Metadata.Labels);
        w.Annotations(0, "Annotations", vpa.Metadata.Annotations);
        w.Field(0, "CreationTimestamp", Text.Timestamp(vpa.Metadata.CreationTimestamp));
        w.Field(0, "Reference", spec.TargetRef is { } t ? $"{t.Kind}/{t.Name}" : null);
        w.Field(0, "Update Mode", spec.UpdatePolicy?.UpdateMode ?? VpaUpdateMode.Default);
        w.Field(0, "Min Replicas", spec.UpdatePolicy?.MinReplicas is { } min ? min.ToString(CultureInfo.InvariantCulture) : "<unset>");
        var policies = spec.ResourcePolicy?.ContainerPolicies ?? [];
        if (policies.Count > 0)
        {
            w.Section(0, "Container Policies");
            foreach (var p in policies)
            {
                w.Section(1, p.ContainerName ?? "");
                w.Field(2, "Mode", p.Mode ?? ContainerScalingMode.Auto);
                w.Field(2, "Controlled Resources", p.ControlledResources is { Count: > 0 } r ? string.Join(", ", r) : "cpu, memory");
                w.Field(2, "Controlled Values", p.ControlledValues ?? VpaControlledValues.RequestsAndLimits);
                w.Field(2, "Min Allowed", Resources(p.MinAllowed));
                w.Field(2, "Max Allowed", Resources(p.MaxAllowed));
            }
        }
        var recommendations = vpa.Status?.Recommendation?.ContainerRecommendations ?? [];
        if (recommendations.Count == 0)
        {
            w.Field(0, "Recommendation", Text.None);
        }
        else
        {
            w.Section(0, "Recommendation");
            foreach (var r in recommendations)
            {
                w.Section(1, r.ContainerName);
                w.Field(2, "Target", Resources(r.Target));
                w.Field(2, "Lower Bound", Resources(r.LowerBound));
                w.Field(2, "Upper Bound", Resources(r.UpperBound));
                w.Field(2, "Uncapped Target", Resources(r.UncappedTarget));
            }
        }
        var conditions = vpa.Status?.Conditions ?? [];
        if (conditions.Count > 0)
        {
            w.Section(0, "Conditions");
            w.Table(1, ["Type", "Status", "Reason", "Message"], conditions.Select(c => (IReadOnlyList<string>)[c.Type, c.Status, c.Reason ?? "", c.Message ?? ""]));
        }
        return Task.CompletedTask;
    }

    private static string Resources(IReadOnlyDictionary<string, Quantity>? values) => values is { Count: > 0 }
        ? string.Join(", ", values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
        : Text.None;
}
