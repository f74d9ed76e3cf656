using MiniKube.Api;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// Turns a container's estimates into its <c>containerRecommendations</c> entry under the VPA's resource policy:
/// containers in mode Off get none; only <c>controlledResources</c> (cpu and memory by default) appear; target and
/// bounds are capped to <c>[minAllowed, maxAllowed]</c>, <c>uncappedTarget</c> keeps the estimate. CPU is rounded up to
/// whole millicores and memory up to whole bytes, so a recommendation is never below its estimate.
/// </summary>
public static class RecommendationPolicy
{
    private static readonly string[] DefaultResources = [ResourceName.Cpu, ResourceName.Memory];

    public static RecommendedContainerResources? Apply(string containerName, ContainerEstimates estimates, PodResourcePolicy? policy)
    {
        var p = policy?.For(containerName);
        if (p?.Mode == ContainerScalingMode.Off)
        {
            return null;
        }
        var resources = p?.ControlledResources is { Count: > 0 } controlled ? controlled : DefaultResources;
        var uncapped = ToQuantities(estimates.Target, resources);
        return new RecommendedContainerResources
        {
            ContainerName = containerName,
            Target = Cap(uncapped, p),
            LowerBound = Cap(ToQuantities(estimates.LowerBound, resources), p),
            UpperBound = Cap(ToQuantities(estimates.UpperBound, resources), p),
            UncappedTarget = uncapped,
        };
    }

    private static Dictionary<string, Quantity> ToQuantities(ResourceEstimate e, IReadOnlyList<string> resources)
    {
        var result = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        if (resources.Contains(ResourceName.Cpu))
        {
            result[ResourceName.Cpu] = Quantity.FromMilli((long)Math.Ceiling(e.Cores * 1000));
        }
        if (resources.Contains(ResourceName.Memory))
        {
            result[ResourceName.Memory] = Quantity.FromValue((long)Math.Ceiling(e.Bytes), QuantityFormat.BinarySI);
        }
        return result;
    }

    private static Dictionary<string, Quantity> Cap(Dictionary<string, Quantity> values, ContainerResourcePolicy? p)
    {
        var capped = new Dictionary<string, Quantity>(values, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (p?.MinAllowed is { } min && min.TryGetValue(name, out var floor) && value < floor)
            {
                capped[name] = floor;
            }
            if (p?.MaxAllowed is { } max && max.TryGetValue(name, out var ceiling) && value > ceiling)
            {
                capped[name] = ceiling;
            }
        }
        return capped;
    }
}
