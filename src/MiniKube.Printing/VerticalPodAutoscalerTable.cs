using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary>
/// <c>NAME MODE CPU MEM PROVIDED AGE</c>: the VPA's printer columns (the first container's target, the
/// RecommendationProvided condition's status).
/// </summary>
public sealed class VerticalPodAutoscalerTable : ResourceTable<VerticalPodAutoscaler>
{
    public VerticalPodAutoscalerTable()
    {
        NameColumn();
        Column("MODE", v => v.Spec?.UpdatePolicy?.UpdateMode ?? "");
        Column("CPU", v => Target(v, ResourceName.Cpu));
        Column("MEM", v => Target(v, ResourceName.Memory));
        Column("PROVIDED", v => v.Status?.Conditions?.FirstOrDefault(c => c.Type == VpaConditionType.RecommendationProvided)?.Status ?? "");
        AgeColumn();
    }

    private static string Target(VerticalPodAutoscaler vpa, string resource) =>
        vpa.Status?.Recommendation?.ContainerRecommendations is [var first, ..] && first.Target?.TryGetValue(resource, out var q) == true
            ? q.ToString()
            : "";
}
