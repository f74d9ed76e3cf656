using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>The short texts the VPA pages show: the update mode, the recommendation per container, the RecommendationProvided condition.</summary>
public static class VpaText
{
    /// <summary><c>updatePolicy.updateMode</c>, or the VPA's default marked as such.</summary>
    public static string Mode(VerticalPodAutoscaler vpa) => vpa.Spec?.UpdatePolicy?.UpdateMode ?? $"{VpaUpdateMode.Default} (default)";

    /// <summary><c>app: cpu 250m, memory 128Mi; sidecar: …</c> from each container's target; <c>none yet</c> without one.</summary>
    public static string Recommendation(VerticalPodAutoscaler vpa)
    {
        var containers = vpa.Status?.Recommendation?.ContainerRecommendations ?? [];
        return containers.Count == 0 ? "none yet" : string.Join("; ", containers.Select(c => $"{c.ContainerName}: {Resources(c.Target)}"));
    }

    /// <summary><c>cpu 250m, memory 128Mi</c> (cpu and memory first, then any other resource).</summary>
    public static string Resources(IReadOnlyDictionary<string, Quantity>? resources) => resources is null || resources.Count == 0
        ? "—"
        : string.Join(", ", resources.OrderBy(r => r.Key switch { ResourceName.Cpu => 0, ResourceName.Memory => 1, _ => 2 }).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => $"{r.Key} {r.Value}"));

    public static string Provided(VerticalPodAutoscaler vpa) =>
        vpa.Status?.Conditions?.FirstOrDefault(c => c.Type == VpaConditionType.RecommendationProvided) is { } c
            ? c.Status + (c.Reason is { Length: > 0 } r ? $" ({r})" : "")
            : "—";
}
