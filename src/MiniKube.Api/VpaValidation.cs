namespace MiniKube.Api;

/// <summary>VerticalPodAutoscaler validation (the checks of the VPA's admission webhook, as field errors).</summary>
public static partial class Validator
{
    private static readonly string[] VpaTargetKinds = ["Deployment", "ReplicaSet"];
    private static readonly string[] VpaResources = [ResourceName.Cpu, ResourceName.Memory];

    private static void ValidateVpa(VerticalPodAutoscaler vpa, List<FieldError> errs)
    {
        var spec = vpa.Spec ?? new VerticalPodAutoscalerSpec();
        if (spec.TargetRef is not { } target)
        {
            errs.Add(FieldError.Required("spec.targetRef"));
        }
        else
        {
            if (string.IsNullOrEmpty(target.Kind))
            {
                errs.Add(FieldError.Required("spec.targetRef.kind"));
            }
            else
            {
                OneOf(target.Kind, "spec.targetRef.kind", VpaTargetKinds, errs);
            }
            if (string.IsNullOrEmpty(target.Name))
            {
                errs.Add(FieldError.Required("spec.targetRef.name"));
            }
        }
        if (spec.UpdatePolicy is { } update)
        {
            OneOf(update.UpdateMode, "spec.updatePolicy.updateMode", VpaUpdateMode.All, errs);
            if (update.MinReplicas is { } min && min <= 0)
            {
                errs.Add(FieldError.Invalid("spec.updatePolicy.minReplicas", min, "must be greater than 0"));
            }
        }
        var policies = spec.ResourcePolicy?.ContainerPolicies ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            var p = policies[i];
            var path = Paths.Index("spec.resourcePolicy.containerPolicies", i);
            if (string.IsNullOrEmpty(p.ContainerName))
            {
                errs.Add(FieldError.Required(Paths.Child(path, "containerName")));
            }
            else if (!names.Add(p.ContainerName))
            {
                errs.Add(FieldError.Duplicate(Paths.Child(path, "containerName"), p.ContainerName));
            }
            OneOf(p.Mode, Paths.Child(path, "mode"), ContainerScalingMode.All, errs);
            OneOf(p.ControlledValues, Paths.Child(path, "controlledValues"), VpaControlledValues.All, errs);
            if (p.Mode == ContainerScalingMode.Off && p.ControlledValues is not null)
            {
                errs.Add(FieldError.Forbidden(Paths.Child(path, "controlledValues"), "controlledValues shouldn't be specified if container scaling mode is off"));
            }
            var resources = p.ControlledResources ?? [];
            for (var r = 0; r < resources.Count; r++)
            {
                OneOf(resources[r], Paths.Index(Paths.Child(path, "controlledResources"), r), VpaResources, errs, allowEmpty: false);
            }
            ValidateVpaBounds(p, path, errs);
        }
    }

    private static void ValidateVpaBounds(ContainerResourcePolicy p, string path, List<FieldError> errs)
    {
        foreach (var (field, bounds) in new[] { ("minAllowed", p.MinAllowed), ("maxAllowed", p.MaxAllowed) })
        {
            foreach (var (name, value) in bounds ?? new Dictionary<string, Quantity>())
            {
                var at = Paths.Key(Paths.Child(path, field), name);
                OneOf(name, at, VpaResources, errs, allowEmpty: false);
                if (value < Quantity.Zero)
                {
                    errs.Add(FieldError.Invalid(at, value.ToString(), "must be greater than or equal to 0"));
                }
            }
        }
        foreach (var (name, min) in p.MinAllowed ?? new Dictionary<string, Quantity>())
        {
            if (p.MaxAllowed is { } max && max.TryGetValue(name, out var cap) && cap < min)
            {
                errs.Add(FieldError.Invalid(Paths.Key(Paths.Child(path, "maxAllowed"), name), cap.ToString(),
                    $"max resource for {name} is lower than min"));
            }
        }
    }
}
