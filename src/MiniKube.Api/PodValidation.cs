namespace MiniKube.Api;

/// <summary>Pod spec validation, shared by Pods and by every pod template (paths under <c>spec.template.spec</c>).</summary>
public static partial class Validator
{
    internal static readonly string[] RestartPolicies = [RestartPolicy.Always, RestartPolicy.OnFailure, RestartPolicy.Never];
    internal static readonly string[] Protocols = [Protocol.Sctp, Protocol.Tcp, Protocol.Udp];
    internal static readonly string[] TaintEffects = [TaintEffect.NoSchedule, TaintEffect.PreferNoSchedule, TaintEffect.NoExecute];

    private static readonly string[] DnsPolicies = [DnsPolicy.ClusterFirstWithHostNet, DnsPolicy.ClusterFirst, DnsPolicy.Default, DnsPolicy.None];

    /// <summary>Validates a pod template: its labels and annotations, and its spec under <c>{path}.spec</c>.</summary>
    internal static void ValidatePodTemplate(PodTemplateSpec? template, string path, List<FieldError> errs)
    {
        if (template is null)
        {
            errs.Add(FieldError.Required(path));
            return;
        }
        ValidateLabelsAndAnnotations(template.Metadata?.Labels, template.Metadata?.Annotations, Paths.Child(path, "metadata"), errs);
        ValidatePodSpec(template.Spec ?? new PodSpec(), Paths.Child(path, "spec"), errs);
    }

    internal static void ValidatePodSpec(PodSpec spec, string path, List<FieldError> errs)
    {
        var volumeNames = PodVolumeValidation.ValidateVolumes(spec.Volumes ?? [], Paths.Child(path, "volumes"), errs);

        // Init containers and app containers share one name space: a name may appear only once in the pod.
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        ContainerValidation.ValidateContainers(spec.InitContainers ?? [], Paths.Child(path, "initContainers"), isInit: true, volumeNames, containerNames, errs);
        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "containers")));
        }
        else
        {
            ContainerValidation.ValidateContainers(spec.Containers, Paths.Child(path, "containers"), isInit: false, volumeNames, containerNames, errs);
            ValidateResizePolicies(spec.Containers, Paths.Child(path, "containers"), spec.RestartPolicy, errs);
        }

        OneOf(spec.RestartPolicy, Paths.Child(path, "restartPolicy"), RestartPolicies, errs);
        OneOf(spec.DnsPolicy, Paths.Child(path, "dnsPolicy"), DnsPolicies, errs);
        if (spec.DnsPolicy == DnsPolicy.None && spec.DnsConfig is null)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
        }
        NonNegativeField(spec.TerminationGracePeriodSeconds, Paths.Child(path, "terminationGracePeriodSeconds"), errs);
        if (spec.ActiveDeadlineSeconds is { } deadline && deadline is < 1 or > int.MaxValue)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "activeDeadlineSeconds"), deadline, "must be between 1 and 2147483647, inclusive"));
        }
        if (spec.NodeSelector is not null)
        {
            ValidateLabels(spec.NodeSelector, Paths.Child(path, "nodeSelector"), errs);
        }
        DnsSubdomain(spec.NodeName, Paths.Child(path, "nodeName"), errs);
        DnsSubdomain(spec.ServiceAccountName, Paths.Child(path, "serviceAccountName"), errs);
        DnsLabel(spec.Hostname, Paths.Child(path, "hostname"), errs);
        DnsLabel(spec.Subdomain, Paths.Child(path, "subdomain"), errs);
        PodSchedulingValidation.ValidateTolerations(spec.Tolerations ?? [], Paths.Child(path, "tolerations"), errs);
        if (spec.Affinity is not null)
        {
            PodSchedulingValidation.ValidateAffinity(spec.Affinity, Paths.Child(path, "affinity"), errs);
        }
        PodSchedulingValidation.ValidateTopologySpread(spec.TopologySpreadConstraints ?? [], Paths.Child(path, "topologySpreadConstraints"), errs);
    }

}
