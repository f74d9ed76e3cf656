namespace MiniKube.Api;

/// <summary>
/// In-place pod resize (Kubernetes 1.35): the containers' <c>resizePolicy</c> on create, and what a write through the pod's
/// <c>resize</c> subresource may change — cpu and memory requests and limits of app containers, and their resize
/// policies, as long as the pod's QoS class stays what it was.
/// </summary>
public static partial class Validator
{
    /// <summary>Kubernetes' message for a resize that would move the pod to another QoS class.</summary>
    public const string PodQosImmutable = "Pod QoS is immutable";

    internal const string OnlyCpuAndMemoryMutable = "only cpu and memory resources are mutable";

    private static readonly string[] ResizableResources = [ResourceName.Cpu, ResourceName.Memory];
    private static readonly string[] ResizeRestartPolicies = [ResizeRestartPolicy.NotRequired, ResizeRestartPolicy.RestartContainer];

    internal static void ValidateResizePolicies(IReadOnlyList<Container> containers, string path, string? podRestartPolicy, List<FieldError> errs)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var policies = containers[i].ResizePolicy ?? [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < policies.Count; j++)
            {
                var p = policies[j];
                var pp = Paths.Index(Paths.Child(Paths.Index(path, i), "resizePolicy"), j);
                if (string.IsNullOrEmpty(p.ResourceName))
                {
                    errs.Add(FieldError.Required(Paths.Child(pp, "resourceName")));
                }
                else if (!ResizableResources.Contains(p.ResourceName))
                {
                    errs.Add(FieldError.NotSupported(Paths.Child(pp, "resourceName"), p.ResourceName, ResizableResources));
                }
                else if (!seen.Add(p.ResourceName))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(pp, "resourceName"), p.ResourceName));
                }
                if (string.IsNullOrEmpty(p.RestartPolicy))
                {
                    errs.Add(FieldError.Required(Paths.Child(pp, "restartPolicy")));
                }
                else if (!ResizeRestartPolicies.Contains(p.RestartPolicy))
                {
                    errs.Add(FieldError.NotSupported(Paths.Child(pp, "restartPolicy"), p.RestartPolicy, ResizeRestartPolicies));
                }
                else if (podRestartPolicy == RestartPolicy.Never && p.RestartPolicy != ResizeRestartPolicy.NotRequired)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(pp, "restartPolicy"), p.RestartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
                }
            }
        }
    }

    /// <summary>
    /// The resize subresource's write: <paramref name="requested"/> as the client sent it (defaulted), against the stored
    /// <paramref name="old"/>. Returns what to store — the old pod with the requested containers' resources and resize policies
    /// (other changes are dropped, as Kubernetes' resize strategy drops them) — and the problems with it.
    /// </summary>
    public static (Pod Resized, IReadOnlyList<FieldError> Errors) ValidatePodResize(Pod requested, Pod old)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(old);
        var oldSpec = old.Spec ?? new PodSpec();
        var wanted = (requested.Spec?.Containers ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var containers = oldSpec.Containers.Select(c => wanted.TryGetValue(c.Name, out var w) ? c with { Resources = w.Resources, ResizePolicy = w.ResizePolicy } : c).ToList();
        var resized = old with { Spec = oldSpec with { Containers = containers } };

        var errs = new List<FieldError>(Validate(resized));
        if (old.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            errs.Add(FieldError.Forbidden("spec", "Pod resizing is not allowed for pods in a terminal state"));
        }
        for (var i = 0; i < containers.Count; i++)
        {
            if (!SameExceptCpuAndMemory(containers[i].Resources, oldSpec.Containers[i].Resources))
            {
                errs.Add(FieldError.Forbidden(Paths.Child(Paths.Index("spec.containers", i), "resources"), OnlyCpuAndMemoryMutable));
            }
        }
        var oldQos = old.Status?.QosClass ?? Defaulter.ComputeQosClass(oldSpec);
        var newQos = Defaulter.ComputeQosClass(resized.Spec!);
        if (newQos != oldQos)
        {
            errs.Add(FieldError.Invalid("spec", newQos, PodQosImmutable));
        }
        return (resized, errs);
    }

    private static bool SameExceptCpuAndMemory(ResourceRequirements? a, ResourceRequirements? b)
    {
        static string Others(IReadOnlyDictionary<string, Quantity>? m) => string.Join(",", (m ?? new Dictionary<string, Quantity>())
            .Where(kv => !ResizableResources.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.Amount}"));
        return Others(a?.Requests) == Others(b?.Requests) && Others(a?.Limits) == Others(b?.Limits);
    }
}
