using static MiniKube.Api.Validator;
using static MiniKube.Api.PodVolumeValidation;
using static MiniKube.Api.ProbeValidation;

namespace MiniKube.Api;

/// <summary>A pod's containers: images, ports, environment, volume mounts and resources.</summary>
internal static class ContainerValidation
{
    private static readonly string[] PullPolicies = [PullPolicy.Always, PullPolicy.IfNotPresent, PullPolicy.Never];
    private static readonly string[] TerminationMessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] StandardContainerResources = [ResourceName.Cpu, ResourceName.Memory, ResourceName.EphemeralStorage];
    private static readonly string[] ResourceFieldRefs =
        ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];
    /// <summary>Field paths the downward API can put in an environment variable (plus labels['k'] / annotations['k']).</summary>
    private static readonly string[] EnvFieldPaths =
    [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.podIP", "status.podIPs",
    ];

    internal static void ValidateContainers(
        IReadOnlyList<Container> containers, string path, bool isInit, HashSet<string> volumeNames, HashSet<string> names, List<FieldError> errs)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var cp = Paths.Index(path, i);
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

    internal static void ValidateObjectFieldSelector(ObjectFieldSelector selector, IReadOnlyList<string> allowed, string path, List<FieldError> errs)
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

    internal static void ValidateResourceFieldSelector(ResourceFieldSelector selector, string path, bool requireContainer, List<FieldError> errs)
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
}
