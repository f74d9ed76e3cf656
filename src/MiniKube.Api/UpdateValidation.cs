using System.Text;

namespace MiniKube.Api;

/// <summary>
/// Kubernetes' immutability rules for updates. Both objects are compared as stored, so the API server should
/// default the new object (and carry over allocated values such as a Service's clusterIP) before calling
/// <see cref="Validator.ValidateUpdate"/>, as Kubernetes does.
/// </summary>
public static partial class Validator
{
    internal const string PodUpdateForbidden =
        "pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, " +
        "`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)";

    internal const string ImmutableWhenSet = "field is immutable when `immutable` is set";

    private static void ValidatePodUpdate(Pod updated, Pod old, List<FieldError> errs)
    {
        var spec = updated.Spec ?? new PodSpec();
        var oldSpec = old.Spec ?? new PodSpec();

        // Binding sets spec.nodeName once; after that the pod lives and dies on that node.
        if (!string.IsNullOrEmpty(oldSpec.NodeName) && spec.NodeName != oldSpec.NodeName)
        {
            errs.Add(FieldError.Invalid("spec.nodeName", spec.NodeName ?? "", Immutable));
        }

        if (spec.ActiveDeadlineSeconds is { } deadline)
        {
            if (oldSpec.ActiveDeadlineSeconds is { } oldDeadline && deadline > oldDeadline)
            {
                errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"));
            }
        }
        else if (oldSpec.ActiveDeadlineSeconds is not null)
        {
            errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", Raw(null), "must not update from a positive integer to nil value"));
        }

        // Tolerations may be added; existing ones may only change their tolerationSeconds.
        var tolerations = spec.Tolerations ?? [];
        foreach (var existing in oldSpec.Tolerations ?? [])
        {
            if (!tolerations.Any(t => t with { TolerationSeconds = existing.TolerationSeconds } == existing))
            {
                errs.Add(FieldError.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
                break;
            }
        }

        var containers = spec.Containers ?? [];
        var oldContainers = oldSpec.Containers ?? [];
        var initContainers = spec.InitContainers ?? [];
        var oldInitContainers = oldSpec.InitContainers ?? [];
        if (containers.Count != oldContainers.Count)
        {
            errs.Add(FieldError.Forbidden("spec.containers", "pod updates may not add or remove containers"));
            return;
        }
        if (initContainers.Count != oldInitContainers.Count)
        {
            errs.Add(FieldError.Forbidden("spec.initContainers", "pod updates may not add or remove containers"));
            return;
        }

        // Take over every field that may change from the old spec; whatever still differs may not change.
        var masked = spec with
        {
            Containers = containers.Select((c, i) => c with { Image = oldContainers[i].Image }).ToList(),
            InitContainers = initContainers.Select((c, i) => c with { Image = oldInitContainers[i].Image }).ToList(),
            ActiveDeadlineSeconds = oldSpec.ActiveDeadlineSeconds,
            Tolerations = oldSpec.Tolerations,
            NodeName = oldSpec.NodeName,
        };
        if (ToJson(masked) != ToJson(oldSpec))
        {
            errs.Add(FieldError.Forbidden("spec", PodUpdateForbidden));
        }
    }

    private static void ValidateSelectorUpdate(LabelSelector? updated, LabelSelector? old, List<FieldError> errs)
    {
        if (ToJson(updated) != ToJson(old))
        {
            errs.Add(FieldError.Invalid("spec.selector", Raw(updated), Immutable));
        }
    }

    private static void ValidateJobUpdate(Job updated, Job old, List<FieldError> errs)
    {
        var spec = updated.Spec ?? new JobSpec();
        var oldSpec = old.Spec ?? new JobSpec();
        ValidateSelectorUpdate(spec.Selector, oldSpec.Selector, errs);
        if (ToJson(spec.Template) != ToJson(oldSpec.Template))
        {
            errs.Add(FieldError.Invalid("spec.template", Raw(spec.Template), Immutable));
        }
        if (spec.Completions != oldSpec.Completions)
        {
            errs.Add(FieldError.Invalid("spec.completions", spec.Completions is { } c ? c : Raw(null), Immutable));
        }
        if ((spec.CompletionMode ?? "NonIndexed") != (oldSpec.CompletionMode ?? "NonIndexed"))
        {
            errs.Add(FieldError.Invalid("spec.completionMode", spec.CompletionMode ?? "", Immutable));
        }
    }

    private static void ValidateServiceUpdate(Service updated, Service old, List<FieldError> errs)
    {
        var spec = updated.Spec ?? new ServiceSpec();
        var oldSpec = old.Spec ?? new ServiceSpec();
        // As in Kubernetes: a clusterIP, once set, stays until the service becomes (or was) an ExternalName one; headless
        // stays headless. The API server carries the old value over when an update leaves it out.
        if (spec.Type == ServiceType.ExternalName || oldSpec.Type == ServiceType.ExternalName)
        {
            return;
        }
        if (spec.ClusterIP == "None" && oldSpec.ClusterIP == "None")
        {
            return;
        }
        var oldIPs = oldSpec.ClusterIPs is { Count: > 0 } o ? o : string.IsNullOrEmpty(oldSpec.ClusterIP) ? [] : [oldSpec.ClusterIP];
        var newIPs = spec.ClusterIPs is { Count: > 0 } n ? n : string.IsNullOrEmpty(spec.ClusterIP) ? [] : [spec.ClusterIP];
        if (oldIPs.Count > 0 && newIPs.Count == 0)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", "", "primary clusterIP can not be unset"));
            return;
        }
        for (var i = 0; i < Math.Min(oldIPs.Count, newIPs.Count); i++)
        {
            if (oldIPs[i] != newIPs[i])
            {
                errs.Add(FieldError.Invalid(Paths.Index("spec.clusterIPs", i), newIPs[i], "may not change once set"));
            }
        }
    }

    private static void ValidateConfigMapUpdate(ConfigMap updated, ConfigMap old, List<FieldError> errs)
    {
        if (old.Immutable != true)
        {
            return;
        }
        if (updated.Immutable != true)
        {
            errs.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
        }
        if (ToJson(updated.Data ?? new Dictionary<string, string>()) != ToJson(old.Data ?? new Dictionary<string, string>()))
        {
            errs.Add(FieldError.Forbidden("data", ImmutableWhenSet));
        }
        if (ToJson(updated.BinaryData ?? new Dictionary<string, byte[]>()) != ToJson(old.BinaryData ?? new Dictionary<string, byte[]>()))
        {
            errs.Add(FieldError.Forbidden("binaryData", ImmutableWhenSet));
        }
    }

    private static void ValidateSecretUpdate(Secret updated, Secret old, List<FieldError> errs)
    {
        if ((updated.Type is null or "" ? SecretType.Opaque : updated.Type) != (old.Type is null or "" ? SecretType.Opaque : old.Type))
        {
            errs.Add(FieldError.Invalid("type", updated.Type ?? "", Immutable));
        }
        if (old.Immutable != true)
        {
            return;
        }
        if (updated.Immutable != true)
        {
            errs.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
        }
        if (ToJson(EffectiveData(updated)) != ToJson(EffectiveData(old)))
        {
            errs.Add(FieldError.Forbidden("data", ImmutableWhenSet));
        }
    }

    /// <summary>A secret's data as it will be stored: stringData merged over data.</summary>
    internal static Dictionary<string, byte[]> EffectiveData(Secret secret)
    {
        var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        foreach (var (k, v) in secret.StringData ?? new Dictionary<string, string>())
        {
            data[k] = Encoding.UTF8.GetBytes(v ?? "");
        }
        return data;
    }
}
