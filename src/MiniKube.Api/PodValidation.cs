namespace MiniKube.Api;

/// <summary>Pod spec validation, shared by Pods and by every pod template (paths under <c>spec.template.spec</c>).</summary>
public static partial class Validator
{
    internal static readonly string[] RestartPolicies = [RestartPolicy.Always, RestartPolicy.OnFailure, RestartPolicy.Never];
    internal static readonly string[] PullPolicies = [PullPolicy.Always, PullPolicy.IfNotPresent, PullPolicy.Never];
    internal static readonly string[] Protocols = [Protocol.Sctp, Protocol.Tcp, Protocol.Udp];
    internal static readonly string[] TaintEffects = [TaintEffect.NoSchedule, TaintEffect.PreferNoSchedule, TaintEffect.NoExecute];

    private static readonly string[] DnsPolicies = [DnsPolicy.ClusterFirstWithHostNet, DnsPolicy.ClusterFirst, DnsPolicy.Default, DnsPolicy.None];
    private static readonly string[] ProbeSchemes = ["HTTP", "HTTPS"];
    private static readonly string[] TerminationMessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] ScheduleActions = ["DoNotSchedule", "ScheduleAnyway"];
    private static readonly string[] HostPathTypes = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
    private static readonly string[] StorageMedia = ["", "Memory"];
    private static readonly string[] StandardContainerResources = [ResourceName.Cpu, ResourceName.Memory, ResourceName.EphemeralStorage];
    private static readonly string[] ResourceFieldRefs =
        ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];

    /// <summary>Field paths the downward API can put in an environment variable (plus labels['k'] / annotations['k']).</summary>
    private static readonly string[] EnvFieldPaths =
    [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.podIP", "status.podIPs",
    ];

    /// <summary>Field paths a downward API volume file can show (plus labels['k'] / annotations['k']).</summary>
    private static readonly string[] VolumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];

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
        var volumeNames = ValidateVolumes(spec.Volumes ?? [], Paths.Child(path, "volumes"), errs);
        // Refused rather than silently ignored until the kubelet implements them (planned: docs/reliability.md).
        if (spec.HostNetwork == true)
        {
            errs.Add(FieldError.Forbidden(Paths.Child(path, "hostNetwork"),
                "not supported by MiniKube's kubelet: every pod gets its own network namespace on the Docker bridge"));
        }

        // Init containers and app containers share one name space: a name may appear only once in the pod.
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        ValidateContainers(spec.InitContainers ?? [], Paths.Child(path, "initContainers"), isInit: true, volumeNames, containerNames, errs);
        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "containers")));
        }
        else
        {
            ValidateContainers(spec.Containers, Paths.Child(path, "containers"), isInit: false, volumeNames, containerNames, errs);
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
            Selector.ValidateLabels(spec.NodeSelector, Paths.Child(path, "nodeSelector"), errs);
        }
        DnsSubdomain(spec.NodeName, Paths.Child(path, "nodeName"), errs);
        DnsSubdomain(spec.ServiceAccountName, Paths.Child(path, "serviceAccountName"), errs);
        DnsLabel(spec.Hostname, Paths.Child(path, "hostname"), errs);
        DnsLabel(spec.Subdomain, Paths.Child(path, "subdomain"), errs);
        ValidateTolerations(spec.Tolerations ?? [], Paths.Child(path, "tolerations"), errs);
        if (spec.Affinity is not null)
        {
            ValidateAffinity(spec.Affinity, Paths.Child(path, "affinity"), errs);
        }
        ValidateTopologySpread(spec.TopologySpreadConstraints ?? [], Paths.Child(path, "topologySpreadConstraints"), errs);
    }

    // ---- volumes ---------------------------------------------------------------------------------------

    private static HashSet<string> ValidateVolumes(IReadOnlyList<Volume> volumes, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < volumes.Count; i++)
        {
            var v = volumes[i];
            var vp = Paths.Index(path, i);
            if (string.IsNullOrEmpty(v.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(vp, "name")));
            }
            else
            {
                DnsLabel(v.Name, Paths.Child(vp, "name"), errs);
                if (!names.Add(v.Name))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(vp, "name"), v.Name));
                }
            }

            var sources = new List<string>();
            if (v.HostPath is not null)
            {
                sources.Add("hostPath");
                if (string.IsNullOrEmpty(v.HostPath.Path))
                {
                    errs.Add(FieldError.Required(Paths.Child(vp, "hostPath.path")));
                }
                OneOf(v.HostPath.Type, Paths.Child(vp, "hostPath.type"), HostPathTypes, errs);
            }
            if (v.EmptyDir is not null)
            {
                sources.Add("emptyDir");
                OneOf(v.EmptyDir.Medium, Paths.Child(vp, "emptyDir.medium"), StorageMedia, errs);
                if (v.EmptyDir.SizeLimit is { Sign: < 0 } limit)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(vp, "emptyDir.sizeLimit"), limit.ToString(), NonNegative));
                }
            }
            if (v.Secret is not null)
            {
                sources.Add("secret");
                var sp = Paths.Child(vp, "secret");
                if (string.IsNullOrEmpty(v.Secret.SecretName))
                {
                    errs.Add(FieldError.Required(Paths.Child(sp, "secretName")));
                }
                ValidateKeyToPaths(v.Secret.Items ?? [], v.Secret.DefaultMode, sp, errs);
            }
            if (v.PersistentVolumeClaim is not null)
            {
                sources.Add("persistentVolumeClaim");
                if (string.IsNullOrEmpty(v.PersistentVolumeClaim.ClaimName))
                {
                    errs.Add(FieldError.Required(Paths.Child(vp, "persistentVolumeClaim.claimName")));
                }
            }
            if (v.DownwardAPI is not null)
            {
                sources.Add("downwardAPI");
                ValidateDownwardApiVolume(v.DownwardAPI, Paths.Child(vp, "downwardAPI"), errs);
            }
            if (v.ConfigMap is not null)
            {
                sources.Add("configMap");
                var cp = Paths.Child(vp, "configMap");
                if (string.IsNullOrEmpty(v.ConfigMap.Name))
                {
                    errs.Add(FieldError.Required(Paths.Child(cp, "name")));
                }
                ValidateKeyToPaths(v.ConfigMap.Items ?? [], v.ConfigMap.DefaultMode, cp, errs);
            }
            if (sources.Count == 0)
            {
                errs.Add(FieldError.Required(vp, "must specify a volume type"));
            }
            foreach (var extra in sources.Skip(1))
            {
                errs.Add(FieldError.Forbidden(Paths.Child(vp, extra), "may not specify more than 1 volume type"));
            }
        }
        return names;
    }

    private static void ValidateKeyToPaths(IReadOnlyList<KeyToPath> items, int? defaultMode, string path, List<FieldError> errs)
    {
        FileMode(defaultMode, Paths.Child(path, "defaultMode"), errs);
        for (var i = 0; i < items.Count; i++)
        {
            var ip = Paths.Index(Paths.Child(path, "items"), i);
            if (string.IsNullOrEmpty(items[i].Key))
            {
                errs.Add(FieldError.Required(Paths.Child(ip, "key")));
            }
            RelativePath(items[i].Path, Paths.Child(ip, "path"), errs);
            FileMode(items[i].Mode, Paths.Child(ip, "mode"), errs);
        }
    }

    private static void ValidateDownwardApiVolume(DownwardApiVolumeSource source, string path, List<FieldError> errs)
    {
        FileMode(source.DefaultMode, Paths.Child(path, "defaultMode"), errs);
        var items = source.Items ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var ip = Paths.Index(Paths.Child(path, "items"), i);
            RelativePath(item.Path, Paths.Child(ip, "path"), errs);
            FileMode(item.Mode, Paths.Child(ip, "mode"), errs);
            if (item.FieldRef is not null && item.ResourceFieldRef is not null)
            {
                errs.Add(FieldError.Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
            }
            else if (item.FieldRef is null && item.ResourceFieldRef is null)
            {
                errs.Add(FieldError.Required(ip, "one of fieldRef and resourceFieldRef is required"));
            }
            if (item.FieldRef is not null)
            {
                ValidateObjectFieldSelector(item.FieldRef, VolumeFieldPaths, Paths.Child(ip, "fieldRef"), errs);
            }
            if (item.ResourceFieldRef is not null)
            {
                ValidateResourceFieldSelector(item.ResourceFieldRef, Paths.Child(ip, "resourceFieldRef"), requireContainer: true, errs);
            }
        }
    }

    private static void FileMode(int? mode, string path, List<FieldError> errs)
    {
        if (mode is < 0 or > 511)
        {
            errs.Add(FieldError.Invalid(path, mode.Value, "must be a number between 0 and 0777 (octal), both inclusive"));
        }
    }

    /// <summary>A path inside a volume: relative and never climbing out with "..".</summary>
    private static void RelativePath(string? value, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(value))
        {
            errs.Add(FieldError.Required(path));
            return;
        }
        if (value.StartsWith('/'))
        {
            errs.Add(FieldError.Invalid(path, value, "must be a relative path"));
        }
        if (value.Split('/').Contains(".."))
        {
            errs.Add(FieldError.Invalid(path, value, "must not contain '..'"));
        }
    }

    // ---- containers ------------------------------------------------------------------------------------

    private static void ValidateContainers(
        IReadOnlyList<Container> containers, string path, bool isInit, HashSet<string> volumeNames, HashSet<string> names, List<FieldError> errs)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var cp = Paths.Index(path, i);
            if (c.SecurityContext?.Privileged == true)
            {
                errs.Add(FieldError.Forbidden(Paths.Child(Paths.Child(cp, "securityContext"), "privileged"), "privileged containers are not supported by MiniKube's kubelet"));
            }
            if (string.IsNullOrEmpty(c.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(cp, "name")));
            }
            else
            {
                DnsLabel(c.Name, Paths.Child(cp, "name"), errs);
                if (!names.Add(c.Name))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(cp, "name"), c.Name));
                }
            }
            if (string.IsNullOrWhiteSpace(c.Image))
            {
                errs.Add(FieldError.Required(Paths.Child(cp, "image")));
            }
            OneOf(c.ImagePullPolicy, Paths.Child(cp, "imagePullPolicy"), PullPolicies, errs);
            OneOf(c.TerminationMessagePolicy, Paths.Child(cp, "terminationMessagePolicy"), TerminationMessagePolicies, errs);

            // Sidecars are init containers with restartPolicy Always; nothing else may set it.
            var sidecar = isInit && c.RestartPolicy == RestartPolicy.Always;
            if (c.RestartPolicy is not null)
            {
                if (!isInit)
                {
                    errs.Add(FieldError.Forbidden(Paths.Child(cp, "restartPolicy"), "may not be set for non-init containers"));
                }
                else if (!sidecar)
                {
                    errs.Add(FieldError.NotSupported(Paths.Child(cp, "restartPolicy"), c.RestartPolicy, [RestartPolicy.Always]));
                }
            }

            ValidateContainerPorts(c.Ports ?? [], Paths.Child(cp, "ports"), errs);
            ValidateEnv(c.Env ?? [], Paths.Child(cp, "env"), errs);
            ValidateEnvFrom(c.EnvFrom ?? [], Paths.Child(cp, "envFrom"), errs);
            ValidateVolumeMounts(c.VolumeMounts ?? [], Paths.Child(cp, "volumeMounts"), volumeNames, errs);
            if (c.Resources is not null)
            {
                ValidateResources(c.Resources, Paths.Child(cp, "resources"), errs);
            }

            (Probe? Probe, string Name)[] probes = [(c.LivenessProbe, "livenessProbe"), (c.ReadinessProbe, "readinessProbe"), (c.StartupProbe, "startupProbe")];
            foreach (var (probe, name) in probes)
            {
                if (probe is null)
                {
                    continue;
                }
                if (isInit && !sidecar)
                {
                    errs.Add(FieldError.Forbidden(Paths.Child(cp, name), "may not be set for init containers without restartPolicy=Always"));
                    continue;
                }
                ValidateProbe(probe, Paths.Child(cp, name), mustSucceedOnce: name != "readinessProbe", errs);
            }
            if (c.Lifecycle is not null)
            {
                if (c.Lifecycle.PostStart is not null)
                {
                    ValidateLifecycleHandler(c.Lifecycle.PostStart, Paths.Child(cp, "lifecycle.postStart"), errs);
                }
                if (c.Lifecycle.PreStop is not null)
                {
                    ValidateLifecycleHandler(c.Lifecycle.PreStop, Paths.Child(cp, "lifecycle.preStop"), errs);
                }
            }
        }
    }

    private static void ValidateContainerPorts(IReadOnlyList<ContainerPortSpec> ports, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var pp = Paths.Index(path, i);
            if (!string.IsNullOrEmpty(p.Name))
            {
                foreach (var msg in NameRules.IsValidPortName(p.Name))
                {
                    errs.Add(FieldError.Invalid(Paths.Child(pp, "name"), p.Name, msg));
                }
                if (!names.Add(p.Name))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(pp, "name"), p.Name));
                }
            }
            if (p.ContainerPort == 0)
            {
                errs.Add(FieldError.Required(Paths.Child(pp, "containerPort")));
            }
            else
            {
                PortNumber(p.ContainerPort, Paths.Child(pp, "containerPort"), errs);
            }
            // hostPort 0 means "no host port".
            if (p.HostPort is { } hostPort && hostPort != 0)
            {
                PortNumber(hostPort, Paths.Child(pp, "hostPort"), errs);
            }
            OneOf(p.Protocol, Paths.Child(pp, "protocol"), Protocols, errs);
        }
    }

    private static void ValidateEnv(IReadOnlyList<EnvVar> env, string path, List<FieldError> errs)
    {
        for (var i = 0; i < env.Count; i++)
        {
            var e = env[i];
            var ep = Paths.Index(path, i);
            if (string.IsNullOrEmpty(e.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(ep, "name")));
            }
            else
            {
                foreach (var msg in NameRules.IsEnvVarName(e.Name))
                {
                    errs.Add(FieldError.Invalid(Paths.Child(ep, "name"), e.Name, msg));
                }
            }
            if (e.ValueFrom is null)
            {
                continue;
            }
            var vp = Paths.Child(ep, "valueFrom");
            var from = e.ValueFrom;
            var count = (from.FieldRef is null ? 0 : 1) + (from.ResourceFieldRef is null ? 0 : 1)
                + (from.ConfigMapKeyRef is null ? 0 : 1) + (from.SecretKeyRef is null ? 0 : 1);
            if (!string.IsNullOrEmpty(e.Value))
            {
                errs.Add(FieldError.Invalid(vp, "", "may not be specified when `value` is not empty"));
            }
            if (count == 0)
            {
                errs.Add(FieldError.Invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
            }
            else if (count > 1)
            {
                errs.Add(FieldError.Invalid(vp, "", "may not have more than one field specified at a time"));
            }
            if (from.FieldRef is not null)
            {
                ValidateObjectFieldSelector(from.FieldRef, EnvFieldPaths, Paths.Child(vp, "fieldRef"), errs);
            }
            if (from.ResourceFieldRef is not null)
            {
                ValidateResourceFieldSelector(from.ResourceFieldRef, Paths.Child(vp, "resourceFieldRef"), requireContainer: false, errs);
            }
            if (from.ConfigMapKeyRef is not null)
            {
                ValidateKeySelector(from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key, Paths.Child(vp, "configMapKeyRef"), errs);
            }
            if (from.SecretKeyRef is not null)
            {
                ValidateKeySelector(from.SecretKeyRef.Name, from.SecretKeyRef.Key, Paths.Child(vp, "secretKeyRef"), errs);
            }
        }
    }

    private static void ValidateKeySelector(string? name, string key, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(name))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "name")));
        }
        if (string.IsNullOrEmpty(key))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "key")));
            return;
        }
        foreach (var msg in NameRules.IsConfigMapKey(key))
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "key"), key, msg));
        }
    }

    private static void ValidateObjectFieldSelector(ObjectFieldSelector selector, IReadOnlyList<string> allowed, string path, List<FieldError> errs)
    {
        var fp = Paths.Child(path, "fieldPath");
        if (!string.IsNullOrEmpty(selector.ApiVersion) && selector.ApiVersion != "v1")
        {
            errs.Add(FieldError.NotSupported(Paths.Child(path, "apiVersion"), selector.ApiVersion, ["v1"]));
        }
        if (string.IsNullOrEmpty(selector.FieldPath))
        {
            errs.Add(FieldError.Required(fp));
            return;
        }
        // metadata.labels['key'] and metadata.annotations['key'] pick one entry; the key must be a label key.
        foreach (var prefix in (string[])["metadata.labels", "metadata.annotations"])
        {
            if (selector.FieldPath.StartsWith(prefix + "['", StringComparison.Ordinal) && selector.FieldPath.EndsWith("']", StringComparison.Ordinal))
            {
                var key = selector.FieldPath[(prefix.Length + 2)..^2];
                var checkedKey = prefix == "metadata.annotations" ? key.ToLowerInvariant() : key;
                foreach (var msg in NameRules.IsQualifiedName(checkedKey))
                {
                    errs.Add(FieldError.Invalid(fp, key, msg));
                }
                return;
            }
        }
        if (!allowed.Contains(selector.FieldPath, StringComparer.Ordinal))
        {
            errs.Add(FieldError.NotSupported(fp, selector.FieldPath,
                allowed.Concat(["metadata.annotations['<KEY>']", "metadata.labels['<KEY>']"]).Order(StringComparer.Ordinal)));
        }
    }

    private static void ValidateResourceFieldSelector(ResourceFieldSelector selector, string path, bool requireContainer, List<FieldError> errs)
    {
        if (requireContainer && string.IsNullOrEmpty(selector.ContainerName))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "containerName")));
        }
        if (string.IsNullOrEmpty(selector.Resource))
        {
            errs.Add(FieldError.Required(Paths.Child(path, "resource")));
        }
        else if (!ResourceFieldRefs.Contains(selector.Resource, StringComparer.Ordinal))
        {
            errs.Add(FieldError.NotSupported(Paths.Child(path, "resource"), selector.Resource, ResourceFieldRefs));
        }
        if (selector.Divisor is { Sign: <= 0 } divisor)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "divisor"), divisor.ToString(), "must be greater than 0"));
        }
    }

    private static void ValidateEnvFrom(IReadOnlyList<EnvFromSource> sources, string path, List<FieldError> errs)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            var s = sources[i];
            var sp = Paths.Index(path, i);
            if (!string.IsNullOrEmpty(s.Prefix))
            {
                foreach (var msg in NameRules.IsEnvVarName(s.Prefix))
                {
                    errs.Add(FieldError.Invalid(Paths.Child(sp, "prefix"), s.Prefix, msg));
                }
            }
            var count = (s.ConfigMapRef is null ? 0 : 1) + (s.SecretRef is null ? 0 : 1);
            if (count == 0)
            {
                errs.Add(FieldError.Invalid(sp, "", "must specify one of: `configMapRef` or `secretRef`"));
            }
            else if (count > 1)
            {
                errs.Add(FieldError.Invalid(sp, "", "may not have more than one field specified at a time"));
            }
            if (s.ConfigMapRef is not null && string.IsNullOrEmpty(s.ConfigMapRef.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(sp, "configMapRef.name")));
            }
            if (s.SecretRef is not null && string.IsNullOrEmpty(s.SecretRef.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(sp, "secretRef.name")));
            }
        }
    }

    private static void ValidateVolumeMounts(IReadOnlyList<VolumeMount> mounts, string path, HashSet<string> volumeNames, List<FieldError> errs)
    {
        var mountPaths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < mounts.Count; i++)
        {
            var m = mounts[i];
            var mp = Paths.Index(path, i);
            if (string.IsNullOrEmpty(m.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(mp, "name")));
            }
            else if (!volumeNames.Contains(m.Name))
            {
                errs.Add(FieldError.NotFound(Paths.Child(mp, "name"), m.Name));
            }
            if (string.IsNullOrEmpty(m.MountPath))
            {
                errs.Add(FieldError.Required(Paths.Child(mp, "mountPath")));
            }
            else if (!mountPaths.Add(m.MountPath))
            {
                errs.Add(FieldError.Invalid(Paths.Child(mp, "mountPath"), m.MountPath, "must be unique"));
            }
            if (!string.IsNullOrEmpty(m.SubPath))
            {
                RelativePath(m.SubPath, Paths.Child(mp, "subPath"), errs);
            }
        }
    }

    // ---- resources -------------------------------------------------------------------------------------

    private static void ValidateResources(ResourceRequirements resources, string path, List<FieldError> errs)
    {
        var limPath = Paths.Child(path, "limits");
        var reqPath = Paths.Child(path, "requests");
        var limits = resources.Limits ?? new Dictionary<string, Quantity>();
        foreach (var (name, q) in limits.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var fp = Paths.Key(limPath, name);
            ValidateContainerResourceName(name, fp, errs);
            if (q.Sign < 0)
            {
                errs.Add(FieldError.Invalid(fp, q.ToString(), NonNegative));
            }
        }
        foreach (var (name, q) in (resources.Requests ?? new Dictionary<string, Quantity>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var fp = Paths.Key(reqPath, name);
            ValidateContainerResourceName(name, fp, errs);
            if (q.Sign < 0)
            {
                errs.Add(FieldError.Invalid(fp, q.ToString(), NonNegative));
            }
            var hasLimit = limits.TryGetValue(name, out var limit);
            if (IsOvercommittable(name))
            {
                if (hasLimit && q > limit)
                {
                    errs.Add(FieldError.Invalid(reqPath, q.ToString(), $"must be less than or equal to {name} limit of {limit}"));
                }
            }
            else if (!hasLimit)
            {
                errs.Add(FieldError.Required(limPath, "Limit must be set for non overcommitable resources"));
            }
            else if (q != limit)
            {
                errs.Add(FieldError.Invalid(reqPath, q.ToString(), $"must be equal to {name} limit of {limit}"));
            }
        }
    }

    /// <summary>Only Kubernetes' own compute resources can be over-committed; extended resources (devices) cannot.</summary>
    private static bool IsOvercommittable(string name) =>
        (!name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal))
        && !name.StartsWith("hugepages-", StringComparison.Ordinal);

    private static void ValidateContainerResourceName(string name, string path, List<FieldError> errs)
    {
        var msgs = NameRules.IsQualifiedName(name);
        foreach (var msg in msgs)
        {
            errs.Add(FieldError.Invalid(path, name, msg));
        }
        if (msgs.Count == 0 && !name.Contains('/', StringComparison.Ordinal)
            && !StandardContainerResources.Contains(name, StringComparer.Ordinal) && !name.StartsWith("hugepages-", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid(path, name, "must be a standard resource type or fully qualified"));
        }
    }

    // ---- probes and lifecycle --------------------------------------------------------------------------

    private static void ValidateProbe(Probe probe, string path, bool mustSucceedOnce, List<FieldError> errs)
    {
        var handlers = new List<string>();
        if (probe.Exec is not null)
        {
            handlers.Add("exec");
            ValidateExec(probe.Exec, Paths.Child(path, "exec"), errs);
        }
        if (probe.HttpGet is not null)
        {
            handlers.Add("httpGet");
            ValidateHttpGet(probe.HttpGet, Paths.Child(path, "httpGet"), errs);
        }
        if (probe.TcpSocket is not null)
        {
            handlers.Add("tcpSocket");
            PortNumberOrName(probe.TcpSocket.Port, Paths.Child(path, "tcpSocket.port"), errs);
        }
        if (probe.Grpc is not null)
        {
            handlers.Add("grpc");
            PortNumber(probe.Grpc.Port, Paths.Child(path, "grpc.port"), errs);
        }
        HandlerCount(handlers, path, errs);

        NonNegativeField(probe.InitialDelaySeconds, Paths.Child(path, "initialDelaySeconds"), errs);
        AtLeastField(probe.TimeoutSeconds, 1, Paths.Child(path, "timeoutSeconds"), errs);
        AtLeastField(probe.PeriodSeconds, 1, Paths.Child(path, "periodSeconds"), errs);
        AtLeastField(probe.SuccessThreshold, 1, Paths.Child(path, "successThreshold"), errs);
        AtLeastField(probe.FailureThreshold, 1, Paths.Child(path, "failureThreshold"), errs);
        // A liveness or startup probe that needed several successes would never "recover" a container.
        if (mustSucceedOnce && probe.SuccessThreshold is { } st and not 1)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "successThreshold"), st, "must be 1"));
        }
        if (probe.TerminationGracePeriodSeconds is { } grace)
        {
            if (!mustSucceedOnce)
            {
                errs.Add(FieldError.Forbidden(Paths.Child(path, "terminationGracePeriodSeconds"), "must not be set for readinessProbes"));
            }
            else if (grace <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"));
            }
        }
    }

    private static void ValidateLifecycleHandler(LifecycleHandler handler, string path, List<FieldError> errs)
    {
        var handlers = new List<string>();
        if (handler.Exec is not null)
        {
            handlers.Add("exec");
            ValidateExec(handler.Exec, Paths.Child(path, "exec"), errs);
        }
        if (handler.HttpGet is not null)
        {
            handlers.Add("httpGet");
            ValidateHttpGet(handler.HttpGet, Paths.Child(path, "httpGet"), errs);
        }
        if (handler.TcpSocket is not null)
        {
            handlers.Add("tcpSocket");
            PortNumberOrName(handler.TcpSocket.Port, Paths.Child(path, "tcpSocket.port"), errs);
        }
        if (handler.Sleep is not null)
        {
            handlers.Add("sleep");
            NonNegativeField(handler.Sleep.Seconds, Paths.Child(path, "sleep.seconds"), errs);
        }
        HandlerCount(handlers, path, errs);
    }

    private static void HandlerCount(List<string> handlers, string path, List<FieldError> errs)
    {
        if (handlers.Count == 0)
        {
            errs.Add(FieldError.Required(path, "must specify a handler type"));
        }
        foreach (var extra in handlers.Skip(1))
        {
            errs.Add(FieldError.Forbidden(Paths.Child(path, extra), "may not specify more than 1 handler type"));
        }
    }

    private static void ValidateExec(ExecAction exec, string path, List<FieldError> errs)
    {
        if (exec.Command is null || exec.Command.Count == 0)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "command")));
        }
    }

    private static void ValidateHttpGet(HttpGetAction get, string path, List<FieldError> errs)
    {
        PortNumberOrName(get.Port, Paths.Child(path, "port"), errs);
        OneOf(get.Scheme, Paths.Child(path, "scheme"), ProbeSchemes, errs);
        var headers = get.HttpHeaders ?? [];
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.IsNullOrEmpty(headers[i].Name) || headers[i].Name.Any(c => c <= ' ' || c == ':' || c > '~'))
            {
                errs.Add(FieldError.Invalid(Paths.Child(Paths.Index(Paths.Child(path, "httpHeaders"), i), "name"), headers[i].Name, "a valid HTTP header must consist of alphanumeric characters or '-'"));
            }
        }
    }

    // ---- scheduling constraints ------------------------------------------------------------------------

    private static void ValidateTolerations(IReadOnlyList<Toleration> tolerations, string path, List<FieldError> errs)
    {
        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            var tp = Paths.Index(path, i);
            if (!string.IsNullOrEmpty(t.Key))
            {
                foreach (var msg in NameRules.IsQualifiedName(t.Key))
                {
                    errs.Add(FieldError.Invalid(Paths.Child(tp, "key"), t.Key, msg));
                }
            }
            else if (t.Operator != "Exists")
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "operator"), t.Operator ?? "",
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (t.TolerationSeconds is not null && t.Effect != TaintEffect.NoExecute)
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "effect"), t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            switch (t.Operator)
            {
                case null or "" or "Equal":
                    foreach (var msg in NameRules.IsValidLabelValue(t.Value ?? ""))
                    {
                        errs.Add(FieldError.Invalid(Paths.Child(tp, "value"), t.Value, msg));
                    }
                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value))
                    {
                        errs.Add(FieldError.Invalid(Paths.Child(tp, "operator"), t.Value, "value must be empty when `operator` is 'Exists'"));
                    }
                    break;
                default:
                    errs.Add(FieldError.NotSupported(Paths.Child(tp, "operator"), t.Operator, ["Equal", "Exists"]));
                    break;
            }
            OneOf(t.Effect, Paths.Child(tp, "effect"), TaintEffects, errs);
        }
    }

    private static void ValidateAffinity(Affinity affinity, string path, List<FieldError> errs)
    {
        if (affinity.NodeAffinity is { } na)
        {
            var np = Paths.Child(path, "nodeAffinity");
            if (na.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
            {
                var rp = Paths.Child(np, "requiredDuringSchedulingIgnoredDuringExecution");
                var terms = required.NodeSelectorTerms ?? [];
                if (terms.Count == 0)
                {
                    errs.Add(FieldError.Required(Paths.Child(rp, "nodeSelectorTerms"), "must have at least one node selector term"));
                }
                for (var i = 0; i < terms.Count; i++)
                {
                    ValidateNodeSelectorTerm(terms[i], Paths.Index(Paths.Child(rp, "nodeSelectorTerms"), i), errs);
                }
            }
            var preferred = na.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
            for (var i = 0; i < preferred.Count; i++)
            {
                var pp = Paths.Index(Paths.Child(np, "preferredDuringSchedulingIgnoredDuringExecution"), i);
                Weight(preferred[i].Weight, Paths.Child(pp, "weight"), errs);
                ValidateNodeSelectorTerm(preferred[i].Preference ?? new NodeSelectorTerm(), Paths.Child(pp, "preference"), errs);
            }
        }
        if (affinity.PodAffinity is { } pa)
        {
            ValidatePodAffinity(pa, Paths.Child(path, "podAffinity"), errs);
        }
        if (affinity.PodAntiAffinity is { } paa)
        {
            ValidatePodAffinity(paa, Paths.Child(path, "podAntiAffinity"), errs);
        }
    }

    private static void Weight(int weight, string path, List<FieldError> errs)
    {
        if (weight is < 1 or > 100)
        {
            errs.Add(FieldError.Invalid(path, weight, "must be in the range 1-100"));
        }
    }

    private static void ValidateNodeSelectorTerm(NodeSelectorTerm term, string path, List<FieldError> errs)
    {
        var exprs = term.MatchExpressions ?? [];
        for (var i = 0; i < exprs.Count; i++)
        {
            var e = exprs[i];
            var ep = Paths.Index(Paths.Child(path, "matchExpressions"), i);
            var count = e.Values?.Count ?? 0;
            switch (e.Operator)
            {
                case "In" or "NotIn":
                    if (count == 0)
                    {
                        errs.Add(FieldError.Required(Paths.Child(ep, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case "Exists" or "DoesNotExist":
                    if (count > 0)
                    {
                        errs.Add(FieldError.Forbidden(Paths.Child(ep, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                case "Gt" or "Lt":
                    if (count != 1)
                    {
                        errs.Add(FieldError.Required(Paths.Child(ep, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                    }
                    else if (!long.TryParse(e.Values![0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                    {
                        errs.Add(FieldError.Invalid(Paths.Index(Paths.Child(ep, "values"), 0), e.Values[0], "must be an integer"));
                    }
                    break;
                default:
                    errs.Add(FieldError.Invalid(Paths.Child(ep, "operator"), e.Operator, "not a valid selector operator"));
                    break;
            }
            foreach (var msg in NameRules.IsQualifiedName(e.Key))
            {
                errs.Add(FieldError.Invalid(Paths.Child(ep, "key"), e.Key, msg));
            }
        }
        var fields = term.MatchFields ?? [];
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            var fp = Paths.Index(Paths.Child(path, "matchFields"), i);
            if (f.Key != "metadata.name")
            {
                errs.Add(FieldError.Invalid(Paths.Child(fp, "key"), f.Key, "not a valid field selector key"));
            }
            if (f.Operator is "In" or "NotIn")
            {
                if ((f.Values?.Count ?? 0) != 1)
                {
                    errs.Add(FieldError.Required(Paths.Child(fp, "values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
                }
            }
            else
            {
                errs.Add(FieldError.Invalid(Paths.Child(fp, "operator"), f.Operator, "not a valid selector operator"));
            }
        }
    }

    private static void ValidatePodAffinity(PodAffinity affinity, string path, List<FieldError> errs)
    {
        var required = affinity.RequiredDuringSchedulingIgnoredDuringExecution ?? [];
        for (var i = 0; i < required.Count; i++)
        {
            ValidatePodAffinityTerm(required[i], Paths.Index(Paths.Child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i), errs);
        }
        var preferred = affinity.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
        for (var i = 0; i < preferred.Count; i++)
        {
            var pp = Paths.Index(Paths.Child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
            Weight(preferred[i].Weight, Paths.Child(pp, "weight"), errs);
            ValidatePodAffinityTerm(preferred[i].PodAffinityTerm ?? new PodAffinityTerm(), Paths.Child(pp, "podAffinityTerm"), errs);
        }
    }

    private static void ValidatePodAffinityTerm(PodAffinityTerm term, string path, List<FieldError> errs)
    {
        if (term.LabelSelector is not null)
        {
            errs.AddRange(Selector.ValidateLabelSelector(term.LabelSelector, Paths.Child(path, "labelSelector")));
        }
        if (term.NamespaceSelector is not null)
        {
            errs.AddRange(Selector.ValidateLabelSelector(term.NamespaceSelector, Paths.Child(path, "namespaceSelector")));
        }
        var namespaces = term.Namespaces ?? [];
        for (var i = 0; i < namespaces.Count; i++)
        {
            foreach (var msg in NameRules.IsDns1123Label(namespaces[i]))
            {
                errs.Add(FieldError.Invalid(Paths.Index(Paths.Child(path, "namespaces"), i), namespaces[i], msg));
            }
        }
        TopologyKey(term.TopologyKey, Paths.Child(path, "topologyKey"), errs);
    }

    private static void TopologyKey(string? key, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(key))
        {
            errs.Add(FieldError.Required(path, "can not be empty"));
            return;
        }
        foreach (var msg in NameRules.IsQualifiedName(key))
        {
            errs.Add(FieldError.Invalid(path, key, msg));
        }
    }

    private static void ValidateTopologySpread(IReadOnlyList<TopologySpreadConstraint> constraints, string path, List<FieldError> errs)
    {
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < constraints.Count; i++)
        {
            var c = constraints[i];
            var cp = Paths.Index(path, i);
            if (c.MaxSkew <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(cp, "maxSkew"), c.MaxSkew, "must be greater than zero"));
            }
            TopologyKey(c.TopologyKey, Paths.Child(cp, "topologyKey"), errs);
            if (!ScheduleActions.Contains(c.WhenUnsatisfiable ?? "", StringComparer.Ordinal))
            {
                errs.Add(FieldError.NotSupported(Paths.Child(cp, "whenUnsatisfiable"), c.WhenUnsatisfiable ?? "", ScheduleActions));
            }
            if (c.MinDomains is { } minDomains)
            {
                if (minDomains < 1)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(cp, "minDomains"), minDomains, "must be greater than 0"));
                }
                else if (c.WhenUnsatisfiable != "DoNotSchedule")
                {
                    errs.Add(FieldError.Invalid(Paths.Child(cp, "minDomains"), minDomains,
                        $"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {c.WhenUnsatisfiable}"));
                }
            }
            if (c.LabelSelector is not null)
            {
                errs.AddRange(Selector.ValidateLabelSelector(c.LabelSelector, Paths.Child(cp, "labelSelector")));
            }
            if (!seen.Add((c.TopologyKey ?? "", c.WhenUnsatisfiable ?? "")))
            {
                errs.Add(FieldError.Duplicate(cp, $"{{{c.TopologyKey}, {c.WhenUnsatisfiable}}}"));
            }
        }
    }
}
