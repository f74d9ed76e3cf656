namespace MiniKube.Api;

/// <summary>
/// What a VerticalPodAutoscaler's recommendation means for a pod's containers, shared by the API server's admission step
/// (new pods) and the updater (in-place resizes): each container with a recommendation gets its <c>target</c> as requests
/// for the recommended resources; under <c>controlledValues: RequestsAndLimits</c> (the default) a limit that was set is
/// scaled by the same factor, so the limit:request ratio is kept; under <c>RequestsOnly</c> limits stay as they are and the
/// recommendation (target and bounds) is capped at an existing limit, as Kubernetes' VPA caps it.
/// </summary>
public static class VpaPodResources
{
    /// <summary>The annotation the admission step leaves on a pod it changed (as the VPA's admission controller does).</summary>
    public const string UpdatesAnnotation = "vpaUpdates";

    /// <summary>Whether <paramref name="pod"/> belongs to the VPA's target: its controller is the target ReplicaSet, or a ReplicaSet the target Deployment controls.</summary>
    public static bool Targets(VerticalPodAutoscaler vpa, Pod pod, Func<string, ReplicaSet?> replicaSetByName)
    {
        ArgumentNullException.ThrowIfNull(vpa);
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(replicaSetByName);
        if (vpa.Spec?.TargetRef is not { } target || pod.Metadata.Namespace != vpa.Metadata.Namespace
            || pod.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true) is not { Kind: "ReplicaSet" } owner)
        {
            return false;
        }
        if (target.Kind == "ReplicaSet")
        {
            return owner.Name == target.Name;
        }
        return target.Kind == "Deployment" && replicaSetByName(owner.Name) is { } rs && rs.Metadata.Uid == owner.Uid
            && rs.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true) is { Kind: "Deployment" } d && d.Name == target.Name;
    }

    /// <summary>
    /// The pod with the recommended resources and a description of what changed (<c>container 0: cpu request, cpu limit</c>),
    /// or null when nothing changes.
    /// </summary>
    public static (Pod Pod, string Changes)? Apply(Pod pod, VerticalPodAutoscaler vpa)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(vpa);
        var spec = pod.Spec ?? new PodSpec();
        var containers = spec.Containers.ToList();
        var changes = new List<string>();
        for (var i = 0; i < containers.Count; i++)
        {
            if (Recommended(containers[i], vpa) is not { } resources)
            {
                continue;
            }
            var (updated, changed) = resources;
            containers[i] = containers[i] with { Resources = updated };
            changes.Add($"container {i}: {string.Join(", ", changed)}");
        }
        return changes.Count == 0 ? null : (pod with { Spec = spec with { Containers = containers } }, string.Join("; ", changes));
    }

    /// <summary>The container's resources under the VPA's recommendation and what changed; null when there is no change.</summary>
    public static (ResourceRequirements Resources, IReadOnlyList<string> Changed)? Recommended(Container container, VerticalPodAutoscaler vpa)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(vpa);
        var policy = vpa.Spec?.ResourcePolicy?.For(container.Name);
        if (policy?.Mode == ContainerScalingMode.Off || RecommendationFor(vpa, container.Name)?.Target is not { Count: > 0 } target)
        {
            return null;
        }
        var limitsToo = (policy?.ControlledValues ?? VpaControlledValues.RequestsAndLimits) == VpaControlledValues.RequestsAndLimits;
        var oldRequests = container.Resources?.Requests ?? new Dictionary<string, Quantity>();
        var oldLimits = container.Resources?.Limits ?? new Dictionary<string, Quantity>();
        var requests = new Dictionary<string, Quantity>(oldRequests, StringComparer.Ordinal);
        var limits = new Dictionary<string, Quantity>(oldLimits, StringComparer.Ordinal);
        var changed = new List<string>();
        foreach (var name in new[] { ResourceName.Cpu, ResourceName.Memory })
        {
            if (!target.TryGetValue(name, out var wanted) || !Controls(policy, name))
            {
                continue;
            }
            // Limits not controlled: a request may not pass its limit, so the recommendation is capped there (as Kubernetes does).
            if (!limitsToo && oldLimits.TryGetValue(name, out var cap) && wanted > cap)
            {
                wanted = cap;
            }
            var hadRequest = oldRequests.TryGetValue(name, out var oldRequest);
            if (!hadRequest || oldRequest != wanted)
            {
                requests[name] = wanted;
                changed.Add(name + " request");
            }
            if (limitsToo && oldLimits.TryGetValue(name, out var oldLimit))
            {
                // The limit:request ratio stays; a limit without a request was a request of the same size (defaulting).
                var ratio = hadRequest && !oldRequest.IsZero ? oldLimit.Amount / oldRequest.Amount : 1m;
                var limit = Round(name, wanted.Amount * ratio);
                if (limit != oldLimit)
                {
                    limits[name] = limit;
                    changed.Add(name + " limit");
                }
            }
        }
        if (changed.Count == 0)
        {
            return null;
        }
        return (new ResourceRequirements { Requests = requests, Limits = limits.Count == 0 ? container.Resources?.Limits : limits }, changed);
    }

    /// <summary>
    /// Whether a controlled request of the container is outside the recommendation's <c>[lowerBound, upperBound]</c> (a missing
    /// request counts as 0): the updater's reason to act.
    /// </summary>
    public static bool OutsideBounds(Container container, VerticalPodAutoscaler vpa)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(vpa);
        var policy = vpa.Spec?.ResourcePolicy?.For(container.Name);
        if (policy?.Mode == ContainerScalingMode.Off || RecommendationFor(vpa, container.Name) is not { } rec)
        {
            return false;
        }
        var requests = container.Resources?.Requests ?? new Dictionary<string, Quantity>();
        var limitsToo = (policy?.ControlledValues ?? VpaControlledValues.RequestsAndLimits) == VpaControlledValues.RequestsAndLimits;
        foreach (var name in new[] { ResourceName.Cpu, ResourceName.Memory })
        {
            if (!Controls(policy, name) || rec.Target?.ContainsKey(name) != true)
            {
                continue;
            }
            var request = requests.TryGetValue(name, out var q) ? q : Quantity.Zero;
            // Under RequestsOnly the bounds are capped at the container's limit too, so a request held there counts as in range.
            Quantity? limit = limitsToo || container.Resources?.Limits?.TryGetValue(name, out var l) != true ? null : l;
            if ((rec.LowerBound?.TryGetValue(name, out var lower) == true && request < Min(lower, limit))
                || (rec.UpperBound?.TryGetValue(name, out var upper) == true && request > Min(upper, limit)))
            {
                return true;
            }
        }
        return false;
    }

    public static RecommendedContainerResources? RecommendationFor(VerticalPodAutoscaler vpa, string container) =>
        vpa.Status?.Recommendation?.ContainerRecommendations?.FirstOrDefault(r => r.ContainerName == container);

    private static Quantity Min(Quantity a, Quantity? b) => b is { } c && c < a ? c : a;

    private static bool Controls(ContainerResourcePolicy? policy, string resource) =>
        policy?.ControlledResources is not { Count: > 0 } controlled || controlled.Contains(resource);

    // CPU up to whole millicores, memory up to whole bytes: a scaled limit never falls below its ratio.
    private static Quantity Round(string resource, decimal amount) => resource == ResourceName.Cpu
        ? Quantity.FromMilli((long)Math.Ceiling(amount * 1000m))
        : Quantity.FromValue((long)Math.Ceiling(amount), QuantityFormat.BinarySI);
}
