using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>
/// Resource arithmetic as kube-scheduler does it: a pod requests max(sum of its containers, the largest init
/// step) — where sidecars (init containers with restartPolicy Always) keep running and so add to both — and
/// scoring uses "non-zero" requests, in which a container that states no CPU or memory request counts as
/// 100m / 200Mi so that best-effort pods still spread instead of piling onto one node.
/// </summary>
public static class PodResources
{
    /// <summary>kube-scheduler's DefaultMilliCPURequest.</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>kube-scheduler's DefaultMemoryRequest (200Mi).</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    /// <summary>What the pod needs for the fit check: missing requests count as zero.</summary>
    public static Resource Requests(PodSpec? spec) => ToResource(Sum(spec, nonMissingDefaults: false));

    /// <summary>
    /// The spec a bound pod holds room for: while it is being resized in place, each container counts the larger of its
    /// desired (spec), allocated and actual (status) requests, as kube-scheduler does.
    /// </summary>
    public static PodSpec? ResizeAware(Pod pod)
    {
        var spec = pod.Spec;
        var statuses = pod.Status?.ContainerStatuses;
        if (spec is null || statuses is null || statuses.All(s => s.AllocatedResources is null && s.Resources?.Requests is null))
        {
            return spec;
        }
        return spec with
        {
            Containers = spec.Containers.Select(c =>
            {
                var status = statuses.FirstOrDefault(s => s.Name == c.Name);
                if (status is null)
                {
                    return c;
                }
                var requests = new Dictionary<string, Quantity>(c.Resources?.Requests ?? new Dictionary<string, Quantity>(), StringComparer.Ordinal);
                foreach (var other in new[] { status.AllocatedResources, status.Resources?.Requests })
                {
                    foreach (var (name, q) in other ?? new Dictionary<string, Quantity>())
                    {
                        if (!requests.TryGetValue(name, out var have) || q > have)
                        {
                            requests[name] = q;
                        }
                    }
                }
                return c with { Resources = (c.Resources ?? new ResourceRequirements()) with { Requests = requests } };
            }).ToList(),
        };
    }

    /// <summary>CPU (milli) and memory for scoring, with 100m / 200Mi standing in for each missing container request.</summary>
    public static (long MilliCpu, long Memory) NonZeroRequests(PodSpec? spec)
    {
        var sums = Sum(spec, nonMissingDefaults: true);
        return (MilliOf(sums, ResourceName.Cpu), ValueOf(sums, ResourceName.Memory));
    }

    /// <summary>A node's allocatable (or any resource list) in scheduler units; "pods" is read separately.</summary>
    public static Resource FromList(IReadOnlyDictionary<string, Quantity>? list)
    {
        if (list is null || list.Count == 0)
        {
            return default;
        }
        var exact = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, q) in list)
        {
            exact[name] = q.Amount;
        }
        return ToResource(exact);
    }

    /// <summary>
    /// Kubernetes' IsScalarResourceName: extended resources and kubernetes.io-prefixed ones (anything with a
    /// '/'), hugepages-* and attachable-volumes-*. Other unprefixed names (besides cpu, memory,
    /// ephemeral-storage, pods) are not scheduled on, exactly as upstream ignores them.
    /// </summary>
    public static bool IsScalarResourceName(string name) =>
        name.Contains('/', StringComparison.Ordinal)
        || name.StartsWith("hugepages-", StringComparison.Ordinal)
        || name.StartsWith("attachable-volumes-", StringComparison.Ordinal);

    private static Dictionary<string, decimal> Sum(PodSpec? spec, bool nonMissingDefaults)
    {
        var total = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (spec is null)
        {
            return total;
        }
        foreach (var c in spec.Containers)
        {
            AddInto(total, ContainerRequests(c, nonMissingDefaults));
        }
        if (spec.InitContainers is { Count: > 0 } inits)
        {
            var sidecars = new Dictionary<string, decimal>(StringComparer.Ordinal);
            var initPeak = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var ic in inits)
            {
                var step = ContainerRequests(ic, nonMissingDefaults);
                if (ic.RestartPolicy == RestartPolicy.Always)
                {
                    // A sidecar runs for the pod's whole life: it adds to the steady state, and every later
                    // init step runs next to all sidecars started before it.
                    AddInto(total, step);
                    AddInto(sidecars, step);
                    step = new Dictionary<string, decimal>(sidecars, StringComparer.Ordinal);
                }
                else
                {
                    AddInto(step, sidecars);
                }
                MaxInto(initPeak, step);
            }
            MaxInto(total, initPeak);
        }
        return total;
    }

    private static Dictionary<string, decimal> ContainerRequests(Container c, bool nonMissingDefaults)
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var requests = c.Resources?.Requests;
        var limits = c.Resources?.Limits;
        if (requests is not null)
        {
            foreach (var (name, q) in requests)
            {
                result[name] = q.Amount;
            }
        }
        if (limits is not null)
        {
            // The API server defaults a missing request to its limit; applying the same rule here keeps the
            // answer right even for objects that reach us without that defaulting.
            foreach (var (name, q) in limits)
            {
                result.TryAdd(name, q.Amount);
            }
        }
        if (nonMissingDefaults)
        {
            result.TryAdd(ResourceName.Cpu, DefaultMilliCpuRequest / 1000m);
            result.TryAdd(ResourceName.Memory, DefaultMemoryRequest);
        }
        return result;
    }

    private static void AddInto(Dictionary<string, decimal> into, Dictionary<string, decimal> add)
    {
        foreach (var (name, v) in add)
        {
            into[name] = into.GetValueOrDefault(name) + v;
        }
    }

    private static void MaxInto(Dictionary<string, decimal> into, Dictionary<string, decimal> other)
    {
        foreach (var (name, v) in other)
        {
            if (!into.TryGetValue(name, out var current) || v > current)
            {
                into[name] = v;
            }
        }
    }

    private static Resource ToResource(Dictionary<string, decimal> exact)
    {
        List<ScalarResource>? scalars = null;
        foreach (var (name, v) in exact)
        {
            if (IsScalarResourceName(name) && v != 0)
            {
                (scalars ??= []).Add(new ScalarResource(name, Quantity.FromDecimal(v).Value));
            }
        }
        scalars?.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new Resource(
            MilliOf(exact, ResourceName.Cpu),
            ValueOf(exact, ResourceName.Memory),
            ValueOf(exact, ResourceName.EphemeralStorage),
            scalars?.ToArray());
    }

    private static long MilliOf(Dictionary<string, decimal> exact, string name) =>
        exact.TryGetValue(name, out var v) ? Quantity.FromDecimal(v).MilliValue : 0;

    private static long ValueOf(Dictionary<string, decimal> exact, string name) =>
        exact.TryGetValue(name, out var v) ? Quantity.FromDecimal(v).Value : 0;
}
