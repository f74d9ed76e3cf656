using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>
/// A pod plus what the scheduler derives from it once, instead of in every filter call for every node:
/// resource requests (plain and non-zero), host ports, controller owner, priority. Immutable; built when a
/// pod enters the queue or the cache.
/// </summary>
public sealed class PodInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private PodAffinityTerms? _affinityTerms;

    private PodInfo(Pod pod)
    {
        Pod = pod;
        Namespace = pod.Metadata.Namespace ?? "";
        Name = pod.Metadata.Name ?? "";
        Key = KeyOf(pod);
        Labels = pod.Metadata.Labels ?? NoLabels;
        var spec = pod.Spec;
        var holds = PodResources.ResizeAware(pod);
        Requests = PodResources.Requests(holds);
        (NonZeroMilliCpu, NonZeroMemory) = PodResources.NonZeroRequests(holds);
        HostPorts = HostPort.Of(spec);
        ControllerUid = ControllerOf(pod);
        IsTerminating = pod.Metadata.DeletionTimestamp is not null;
        Priority = spec?.Priority ?? 0;
        var affinity = spec?.Affinity;
        HasPodAffinityTerms = HasTerms(affinity?.PodAffinity) || HasTerms(affinity?.PodAntiAffinity);
        HasRequiredAntiAffinity = affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is { Count: > 0 };
    }

    public Pod Pod { get; }

    /// <summary>The pod's UID, or namespace/name for objects that have none yet (tests, dry runs).</summary>
    public string Key { get; }

    public string Namespace { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Requests for the fit check (missing requests count as zero).</summary>
    public Resource Requests { get; }

    /// <summary>CPU request for scoring, with 100m per container that states none.</summary>
    public long NonZeroMilliCpu { get; }

    /// <summary>Memory request for scoring, with 200Mi per container that states none.</summary>
    public long NonZeroMemory { get; }

    public HostPort[] HostPorts { get; }

    /// <summary>UID of the controlling owner (ReplicaSet, StatefulSet, Job, …); drives default spreading.</summary>
    public string? ControllerUid { get; }

    /// <summary>Being deleted: still occupies its node, but no longer counts for spreading.</summary>
    public bool IsTerminating { get; }

    public int Priority { get; }

    /// <summary>Has any pod affinity or anti-affinity term, required or preferred.</summary>
    public bool HasPodAffinityTerms { get; }

    public bool HasRequiredAntiAffinity { get; }

    /// <summary>The pod's (anti-)affinity terms, parsed on first use (most pods never need them).</summary>
    public PodAffinityTerms AffinityTerms => _affinityTerms ??= PodAffinityTerms.Of(Pod);

    public static PodInfo Create(Pod pod) => new(pod);

    public static string KeyOf(Pod pod) =>
        string.IsNullOrEmpty(pod.Metadata.Uid) ? $"{pod.Metadata.Namespace}/{pod.Metadata.Name}" : pod.Metadata.Uid;

    private static string? ControllerOf(Pod pod)
    {
        foreach (var o in pod.Metadata.OwnerReferences ?? [])
        {
            if (o.Controller == true && !string.IsNullOrEmpty(o.Uid))
            {
                return o.Uid;
            }
        }
        return null;
    }

    private static bool HasTerms(PodAffinity? a) =>
        a is not null
        && (a.RequiredDuringSchedulingIgnoredDuringExecution is { Count: > 0 }
            || a.PreferredDuringSchedulingIgnoredDuringExecution is { Count: > 0 });

    public override string ToString() => $"{Namespace}/{Name}";
}
