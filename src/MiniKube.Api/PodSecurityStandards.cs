namespace MiniKube.Api;

/// <summary>One failed Pod Security check: Kubernetes' reason (<c>hostPath volumes</c>) and what set it (<c>volume "root"</c>).</summary>
public sealed record PodSecurityViolation(string Reason, string Detail)
{
    public override string ToString() => Detail.Length == 0 ? Reason : $"{Reason} ({Detail})";
}

/// <summary>
/// The Pod Security Standards (baseline and restricted) as Kubernetes' PodSecurity admission checks them, over the fields
/// MiniKube's pod has. Checks run in Kubernetes' order and speak its words, so a rejection reads as Kubernetes' does.
/// </summary>
public static class PodSecurityStandards
{
    /// <summary>The capabilities baseline lets a container add (the container runtimes' defaults).</summary>
    public static readonly IReadOnlySet<string> BaselineCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP",
        "SETUID", "SYS_CHROOT",
    };

    /// <summary>The sysctls baseline allows: namespaced ones that cannot affect other pods.</summary>
    public static readonly IReadOnlySet<string> SafeSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    };

    /// <summary>The AppArmor annotations' prefix (per container, before the appArmorProfile field existed).</summary>
    public const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    private static readonly HashSet<string> SeLinuxTypes = new(StringComparer.Ordinal) { "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t" };

    /// <summary>The violations of <paramref name="level"/> by a pod (or a workload's pod template); empty when it passes.</summary>
    public static IReadOnlyList<PodSecurityViolation> Check(PodSecurityLevel level, ObjectMeta? metadata, PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var found = new List<PodSecurityViolation>();
        if (level == PodSecurityLevel.Privileged)
        {
            return found;
        }
        var restricted = level == PodSecurityLevel.Restricted;
        var containers = (spec.InitContainers ?? []).Concat(spec.Containers).ToList();
        void Add(PodSecurityViolation? violation)
        {
            if (violation is not null)
            {
                found.Add(violation);
            }
        }
        // Kubernetes' order (its checks sorted by ID); a restricted check replaces the baseline check it tightens.
        if (restricted)
        {
            Add(AllowPrivilegeEscalation(containers));
        }
        Add(AppArmor(metadata, spec, containers));
        Add(restricted ? CapabilitiesRestricted(containers) : CapabilitiesBaseline(containers));
        Add(HostNamespaces(spec));
        if (!restricted)
        {
            Add(HostPathVolumes(spec));
        }
        Add(HostPorts(containers));
        Add(Privileged(containers));
        Add(ProcMount(spec, containers));
        if (restricted)
        {
            Add(RestrictedVolumes(spec));
            Add(RunAsNonRoot(spec, containers));
            Add(RunAsUser(spec, containers));
        }
        Add(SeLinux(spec, containers));
        Add(restricted ? SeccompRestricted(spec, containers) : SeccompBaseline(spec, containers));
        Add(Sysctls(spec));
        Add(HostProcess(spec, containers));
        return found;
    }

    /// <summary>Violations as Kubernetes lists them after <c>violates PodSecurity "…":</c>.</summary>
    public static string Describe(IReadOnlyList<PodSecurityViolation> violations) => string.Join(", ", violations);

    private static PodSecurityViolation? AllowPrivilegeEscalation(List<Container> containers)
    {
        var bad = Names(containers.Where(c => c.SecurityContext?.AllowPrivilegeEscalation != false));
        return bad.Count == 0 ? null : new("allowPrivilegeEscalation != false", $"{Containers(bad)} must set securityContext.allowPrivilegeEscalation=false");
    }

    private static PodSecurityViolation? AppArmor(ObjectMeta? metadata, PodSpec spec, List<Container> containers)
    {
        static bool Forbidden(AppArmorProfile? profile) => profile?.Type == "Unconfined";
        var bad = new List<string>();
        foreach (var (key, value) in metadata?.Annotations ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal)
                && !(value.Length == 0 || value == "runtime/default" || value.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                bad.Add($"{key}=\"{value}\"");
            }
        }
        if (Forbidden(spec.SecurityContext?.AppArmorProfile))
        {
            bad.Add("pod must not set securityContext.appArmorProfile.type to \"Unconfined\"");
        }
        foreach (var c in containers.Where(c => Forbidden(c.SecurityContext?.AppArmorProfile)))
        {
            bad.Add($"container \"{c.Name}\" must not set securityContext.appArmorProfile.type to \"Unconfined\"");
        }
        bad.Sort(StringComparer.Ordinal);
        return bad.Count == 0 ? null : new(Plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.Count), string.Join(", ", bad));
    }

    private static PodSecurityViolation? CapabilitiesBaseline(List<Container> containers)
    {
        var badContainers = new List<string>();
        var caps = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var added = (c.SecurityContext?.Capabilities?.Add ?? []).Where(a => !BaselineCapabilities.Contains(a)).ToList();
            if (added.Count > 0)
            {
                badContainers.Add(c.Name);
                caps.UnionWith(added);
            }
        }
        return badContainers.Count == 0 ? null
            : new("non-default capabilities", $"{Containers(badContainers)} must not include {Quote(caps)} in securityContext.capabilities.add");
    }

    private static PodSecurityViolation? CapabilitiesRestricted(List<Container> containers)
    {
        var noDropAll = Names(containers.Where(c => c.SecurityContext?.Capabilities?.Drop?.Contains("ALL") != true));
        var adding = new List<string>();
        var caps = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var added = (c.SecurityContext?.Capabilities?.Add ?? []).Where(a => a != "NET_BIND_SERVICE").ToList();
            if (added.Count > 0)
            {
                adding.Add(c.Name);
                caps.UnionWith(added);
            }
        }
        var details = new List<string>();
        if (noDropAll.Count > 0)
        {
            details.Add($"{Containers(noDropAll)} must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (adding.Count > 0)
        {
            details.Add($"{Containers(adding)} must not include {Quote(caps)} in securityContext.capabilities.add");
        }
        return details.Count == 0 ? null : new("unrestricted capabilities", string.Join("; ", details));
    }

    private static PodSecurityViolation? HostNamespaces(PodSpec spec)
    {
        var set = new List<string>();
        if (spec.HostNetwork == true)
        {
            set.Add("hostNetwork=true");
        }
        if (spec.HostPID == true)
        {
            set.Add("hostPID=true");
        }
        if (spec.HostIPC == true)
        {
            set.Add("hostIPC=true");
        }
        return set.Count == 0 ? null : new("host namespaces", string.Join(", ", set));
    }

    private static PodSecurityViolation? HostPathVolumes(PodSpec spec)
    {
        var bad = (spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => v.Name).ToList();
        return bad.Count == 0 ? null : new("hostPath volumes", $"{Plural("volume", "volumes", bad.Count)} {Quote(bad)}");
    }

    private static PodSecurityViolation? HostPorts(List<Container> containers)
    {
        var bad = new List<string>();
        var ports = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var used = (c.Ports ?? []).Where(p => p.HostPort is { } hp && hp != 0).Select(p => p.HostPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (used.Count > 0)
            {
                bad.Add(c.Name);
                ports.UnionWith(used);
            }
        }
        return bad.Count == 0 ? null
            : new("hostPort", $"{Containers(bad)} {Plural("uses", "use", bad.Count)} {Plural("hostPort", "hostPorts", ports.Count)} {string.Join(", ", ports)}");
    }

    private static PodSecurityViolation? Privileged(List<Container> containers)
    {
        var bad = Names(containers.Where(c => c.SecurityContext?.Privileged == true));
        return bad.Count == 0 ? null : new("privileged", $"{Containers(bad)} must not set securityContext.privileged=true");
    }

    private static PodSecurityViolation? ProcMount(PodSpec spec, List<Container> containers)
    {
        // A pod in a user namespace may unmask /proc: the host's is not exposed.
        if (spec.HostUsers == false)
        {
            return null;
        }
        var bad = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            if (c.SecurityContext?.ProcMount is { } mount && mount != "Default")
            {
                bad.Add(c.Name);
                values.Add(mount);
            }
        }
        return bad.Count == 0 ? null : new("procMount", $"{Containers(bad)} must not set securityContext.procMount to {Quote(values)}");
    }

    private static PodSecurityViolation? RestrictedVolumes(PodSpec spec)
    {
        // Of MiniKube's volume types only hostPath is outside restricted's list (configMap, downwardAPI, emptyDir,
        // persistentVolumeClaim, secret and others MiniKube does not have).
        var bad = (spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => v.Name).ToList();
        return bad.Count == 0 ? null
            : new("restricted volume types",
                $"{Plural("volume", "volumes", bad.Count)} {Quote(bad)} {Plural("uses", "use", bad.Count)} restricted volume type \"hostPath\"");
    }

    private static PodSecurityViolation? RunAsNonRoot(PodSpec spec, List<Container> containers)
    {
        if (spec.HostUsers == false)
        {
            return null;
        }
        var podNonRoot = spec.SecurityContext?.RunAsNonRoot;
        var setters = new List<string>();
        if (podNonRoot == false)
        {
            setters.Add("pod");
        }
        var explicitlyBad = Names(containers.Where(c => c.SecurityContext?.RunAsNonRoot == false));
        if (explicitlyBad.Count > 0)
        {
            setters.Add(Containers(explicitlyBad));
        }
        if (setters.Count > 0)
        {
            return new("runAsNonRoot != true", $"{string.Join(" and ", setters)} must not set securityContext.runAsNonRoot=false");
        }
        var implicitlyBad = Names(containers.Where(c => c.SecurityContext?.RunAsNonRoot is null && podNonRoot != true));
        return implicitlyBad.Count == 0 ? null
            : new("runAsNonRoot != true", $"pod or {Containers(implicitlyBad)} must set securityContext.runAsNonRoot=true");
    }

    private static PodSecurityViolation? RunAsUser(PodSpec spec, List<Container> containers)
    {
        if (spec.HostUsers == false)
        {
            return null;
        }
        var setters = new List<string>();
        if (spec.SecurityContext?.RunAsUser == 0)
        {
            setters.Add("pod");
        }
        var bad = Names(containers.Where(c => c.SecurityContext?.RunAsUser == 0));
        if (bad.Count > 0)
        {
            setters.Add(Containers(bad));
        }
        return setters.Count == 0 ? null : new("runAsUser=0", $"{string.Join(" and ", setters)} must not set runAsUser=0");
    }

    private static PodSecurityViolation? SeLinux(PodSpec spec, List<Container> containers)
    {
        var badTypes = new SortedSet<string>(StringComparer.Ordinal);
        var user = false;
        var role = false;
        bool Valid(SELinuxOptions? options)
        {
            if (options is null)
            {
                return true;
            }
            var valid = true;
            if (!SeLinuxTypes.Contains(options.Type ?? ""))
            {
                badTypes.Add(options.Type!);
                valid = false;
            }
            if (!string.IsNullOrEmpty(options.User))
            {
                user = true;
                valid = false;
            }
            if (!string.IsNullOrEmpty(options.Role))
            {
                role = true;
                valid = false;
            }
            return valid;
        }
        var setters = new List<string>();
        if (!Valid(spec.SecurityContext?.SeLinuxOptions))
        {
            setters.Add("pod");
        }
        var bad = Names(containers.Where(c => !Valid(c.SecurityContext?.SeLinuxOptions)));
        if (bad.Count > 0)
        {
            setters.Add(Containers(bad));
        }
        if (setters.Count == 0)
        {
            return null;
        }
        var what = new List<string>();
        if (badTypes.Count > 0)
        {
            what.Add($"{Plural("type", "types", badTypes.Count)} {Quote(badTypes)}");
        }
        if (user)
        {
            what.Add("user may not be set");
        }
        if (role)
        {
            what.Add("role may not be set");
        }
        return new("seLinuxOptions", $"{string.Join(" and ", setters)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", what)}");
    }

    private static PodSecurityViolation? SeccompBaseline(PodSpec spec, List<Container> containers)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.SeccompProfile?.Type == "Unconfined")
        {
            setters.Add("pod");
        }
        var bad = Names(containers.Where(c => c.SecurityContext?.SeccompProfile?.Type == "Unconfined"));
        if (bad.Count > 0)
        {
            setters.Add(Containers(bad));
        }
        return setters.Count == 0 ? null
            : new("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to \"Unconfined\"");
    }

    private static PodSecurityViolation? SeccompRestricted(PodSpec spec, List<Container> containers)
    {
        static bool Valid(string? type) => type is "RuntimeDefault" or "Localhost";
        var setters = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        var podSet = false;
        if (spec.SecurityContext?.SeccompProfile is { } podProfile)
        {
            if (Valid(podProfile.Type))
            {
                podSet = true;
            }
            else
            {
                setters.Add("pod");
                values.Add(podProfile.Type ?? "");
            }
        }
        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in containers)
        {
            if (c.SecurityContext?.SeccompProfile is { } profile)
            {
                if (!Valid(profile.Type))
                {
                    explicitlyBad.Add(c.Name);
                    values.Add(profile.Type ?? "");
                }
            }
            else if (!podSet)
            {
                implicitlyBad.Add(c.Name);
            }
        }
        if (explicitlyBad.Count > 0)
        {
            setters.Add(Containers(explicitlyBad));
        }
        if (setters.Count > 0)
        {
            return new("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {Quote(values)}");
        }
        return implicitlyBad.Count == 0 ? null
            : new("seccompProfile", $"pod or {Containers(implicitlyBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }

    private static PodSecurityViolation? Sysctls(PodSpec spec)
    {
        var bad = (spec.SecurityContext?.Sysctls ?? []).Select(s => s.Name).Where(n => !SafeSysctls.Contains(n)).ToList();
        return bad.Count == 0 ? null : new("forbidden sysctls", string.Join(", ", bad));
    }

    private static PodSecurityViolation? HostProcess(PodSpec spec, List<Container> containers)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.WindowsOptions?.HostProcess == true)
        {
            setters.Add("pod");
        }
        var bad = Names(containers.Where(c => c.SecurityContext?.WindowsOptions?.HostProcess == true));
        if (bad.Count > 0)
        {
            setters.Add(Containers(bad));
        }
        return setters.Count == 0 ? null : new("hostProcess", $"{string.Join(" and ", setters)} must not set securityContext.windowsOptions.hostProcess=true");
    }

    private static List<string> Names(IEnumerable<Container> containers) => containers.Select(c => c.Name).ToList();

    private static string Containers(IReadOnlyCollection<string> names) => $"{Plural("container", "containers", names.Count)} {Quote(names)}";

    private static string Plural(string one, string many, int count) => count == 1 ? one : many;

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));
}
