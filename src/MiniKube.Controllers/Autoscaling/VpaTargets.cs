using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>A VPA's target as the recommender and updater see it: the workload, its label selector and its live pods (informer caches).</summary>
internal sealed record VpaTarget(KubeObject Workload, string Selector, int Replicas, IReadOnlyList<Pod> Pods);

/// <summary>Resolves a VPA's <c>targetRef</c> (Deployment or ReplicaSet) and the pods it owns (Pod → ReplicaSet → Deployment).</summary>
internal sealed class VpaTargets(InformerFactory informers)
{
    private readonly InformerCache<Deployment> _deployments = informers.For<Deployment>().Cache;
    private readonly InformerCache<ReplicaSet> _replicaSets = informers.For<ReplicaSet>().Cache;
    private readonly InformerCache<Pod> _pods = informers.For<Pod>().Cache;

    /// <summary>The target, or an error message saying why it cannot be read.</summary>
    public (VpaTarget? Target, string? Error) Resolve(VerticalPodAutoscaler vpa)
    {
        var ns = vpa.Metadata.Namespace ?? "default";
        var target = vpa.Spec?.TargetRef ?? new CrossVersionObjectReference();
        KubeObject? workload = target.Kind switch
        {
            "Deployment" => _deployments.Get(ns, target.Name),
            "ReplicaSet" => _replicaSets.Get(ns, target.Name),
            _ => null,
        };
        var selector = workload switch
        {
            Deployment d => d.Spec?.Selector,
            ReplicaSet rs => rs.Spec?.Selector,
            _ => null,
        };
        if (workload is null || selector is null)
        {
            return (null, workload is null
                ? $"Cannot read targetRef: {target.Kind} {ns}/{target.Name} not found"
                : $"Cannot read targetRef: {target.Kind} {ns}/{target.Name} has no selector");
        }
        var replicas = workload switch
        {
            Deployment d => d.Spec?.Replicas ?? 1,
            ReplicaSet rs => rs.Spec?.Replicas ?? 1,
            _ => 1,
        };
        var pods = _pods.List(ns)
            .Where(p => Pods.IsActive(p) && VpaPodResources.Targets(vpa, p, name => _replicaSets.Get(ns, name)))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        return (new VpaTarget(workload, Selector.FromLabelSelector(selector).ToString(), replicas, pods), null);
    }
}
