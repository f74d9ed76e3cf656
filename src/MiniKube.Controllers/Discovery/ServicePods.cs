using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.Discovery;

/// <summary>What both endpoint controllers share: which pods back a Service, how its ports resolve on each pod, and which Services a pod event concerns.</summary>
public static class ServicePods
{
    /// <summary>The Service's selector when the controllers manage its endpoints: a non-empty selector on a non-ExternalName Service.</summary>
    public static Selector? SelectorOf(Service service)
    {
        var spec = service.Spec;
        if (spec?.Selector is not { Count: > 0 } selector || spec.Type == ServiceType.ExternalName)
        {
            return null;
        }
        return Selector.FromMap(selector);
    }

    /// <summary>
    /// Kubernetes' ShouldPodBeInEndpoints: not finished, has an IP, and — unless terminating pods are wanted — not being deleted.
    /// </summary>
    public static bool ShouldInclude(Pod pod, bool includeTerminating)
    {
        if (pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            return false;
        }
        if (string.IsNullOrEmpty(pod.Status?.PodIP))
        {
            return false;
        }
        return includeTerminating || pod.Metadata.DeletionTimestamp is null;
    }

    /// <summary>The pods of the Service's namespace its selector matches, in name order.</summary>
    public static List<Pod> Matching(InformerCache<Pod> pods, Service service, Selector selector) =>
        [.. pods.List(service.Metadata.Namespace ?? "default")
            .Where(p => selector.Matches(p.Metadata.Labels ?? new Dictionary<string, string>()))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>
    /// The container port a service port's targetPort names on this pod: a number is itself; a name is looked up among the
    /// pod's containers' ports of the same protocol. Null when the pod has no such port (the pod then lacks that port).
    /// </summary>
    public static int? ResolveTargetPort(ServicePort port, Pod pod)
    {
        var target = port.TargetPort;
        if (target is not { } t || (t.IsInt && t.IntValue == 0))
        {
            return port.Port;
        }
        if (t.IsInt)
        {
            return t.IntValue;
        }
        var protocol = string.IsNullOrEmpty(port.Protocol) ? Api.Protocol.Tcp : port.Protocol;
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var cp in container.Ports ?? [])
            {
                if (cp.Name == t.StringValue && (string.IsNullOrEmpty(cp.Protocol) ? Api.Protocol.Tcp : cp.Protocol) == protocol)
                {
                    return cp.ContainerPort;
                }
            }
        }
        return null;
    }

    /// <summary>Serving: the pod's Ready condition is True (terminating or not).</summary>
    public static bool IsServing(Pod pod) => Pods.IsReady(pod);

    public static bool IsTerminating(Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    /// <summary>Kubernetes' ShouldSetHostname: the pod names a hostname and this Service as its subdomain.</summary>
    public static string? HostnameFor(Pod pod, Service service) =>
        !string.IsNullOrEmpty(pod.Spec?.Hostname) && pod.Spec.Subdomain == service.Metadata.Name && pod.Metadata.Namespace == service.Metadata.Namespace
            ? pod.Spec.Hostname
            : null;

    public static ObjectReference PodReference(Pod pod) => new()
    {
        Kind = "Pod",
        Namespace = pod.Metadata.Namespace,
        Name = pod.Metadata.Name,
        Uid = pod.Metadata.Uid,
    };

    /// <summary>The Service keys whose selector matches the pod's labels before or after a change.</summary>
    public static IEnumerable<string> ServicesFor(InformerCache<Service> services, Pod? before, Pod? after)
    {
        var pod = after ?? before;
        if (pod is null)
        {
            yield break;
        }
        var ns = pod.Metadata.Namespace ?? "default";
        var empty = new Dictionary<string, string>();
        foreach (var service in services.List(ns))
        {
            if (SelectorOf(service) is not { } selector)
            {
                continue;
            }
            if ((after is not null && selector.Matches(after.Metadata.Labels ?? empty)) || (before is not null && selector.Matches(before.Metadata.Labels ?? empty)))
            {
                yield return ObjectKeys.For(service);
            }
        }
    }

    /// <summary>
    /// Labels of the controller's objects: the Service's own labels (as Kubernetes copies them), plus the headless marker.
    /// </summary>
    public static Dictionary<string, string> LabelsFor(Service service)
    {
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove(WellKnownLabels.ServiceName);
        labels.Remove(WellKnownLabels.EndpointSliceManagedBy);
        if (service.Spec?.ClusterIP == "None")
        {
            labels[WellKnownLabels.Headless] = "";
        }
        else
        {
            labels.Remove(WellKnownLabels.Headless);
        }
        return labels;
    }

    /// <summary>Whether a pod update can change any Service's endpoints (labels, IP, readiness, deletion, node, ports, hostname).</summary>
    public static bool Relevant(Pod before, Pod after) =>
        before.Status?.PodIP != after.Status?.PodIP
        || before.Status?.Phase != after.Status?.Phase
        || Pods.IsReady(before) != Pods.IsReady(after)
        || (before.Metadata.DeletionTimestamp is null) != (after.Metadata.DeletionTimestamp is null)
        || before.Spec?.NodeName != after.Spec?.NodeName
        || before.Spec?.Hostname != after.Spec?.Hostname
        || before.Spec?.Subdomain != after.Spec?.Subdomain
        || !SameLabels(before.Metadata.Labels, after.Metadata.Labels)
        || before.Metadata.Uid != after.Metadata.Uid;

    private static bool SameLabels(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        a ??= new Dictionary<string, string>();
        b ??= new Dictionary<string, string>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
