using MiniKube.Api;

namespace MiniKube.Api.Tests;

public sealed class PodSecurityStandardsTests
{
    private static Container C(string name, SecurityContext? sc = null) => new() { Name = name, Image = "busybox", SecurityContext = sc };

    private static PodSpec Spec(params Container[] containers) => new() { Containers = containers };

    /// <summary>A pod that passes restricted: non-root, RuntimeDefault seccomp, no escalation, ALL dropped.</summary>
    private static PodSpec RestrictedSpec(params Container[] containers) => new()
    {
        SecurityContext = new PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" } },
        Containers = containers.Length > 0 ? containers : [C("app", Hardened)],
    };

    private static readonly SecurityContext Hardened = new() { AllowPrivilegeEscalation = false, Capabilities = new Capabilities { Drop = ["ALL"] } };

    private static string Baseline(PodSpec spec, ObjectMeta? meta = null) => PodSecurityStandards.Describe(PodSecurityStandards.Check(PodSecurityLevel.Baseline, meta, spec));

    private static string Restricted(PodSpec spec) => PodSecurityStandards.Describe(PodSecurityStandards.Check(PodSecurityLevel.Restricted, null, spec));

    [Fact]
    public void A_plain_pod_passes_baseline_and_privileged_allows_anything()
    {
        Assert.Equal("", Baseline(Spec(C("app"))));
        var dangerous = Spec(C("app", new SecurityContext { Privileged = true })) with { HostNetwork = true, Volumes = [new Volume { Name = "root", HostPath = new HostPathVolumeSource { Path = "/" } }] };
        Assert.Empty(PodSecurityStandards.Check(PodSecurityLevel.Privileged, null, dangerous));
    }

    [Fact]
    public void HostPath_volumes_are_named_as_Kubernetes_names_them()
    {
        var one = Spec(C("app")) with { Volumes = [new Volume { Name = "root", HostPath = new HostPathVolumeSource { Path = "/" } }] };
        Assert.Equal("hostPath volumes (volume \"root\")", Baseline(one));
        var two = one with { Volumes = [.. one.Volumes!, new Volume { Name = "tmp", EmptyDir = new() }, new Volume { Name = "etc", HostPath = new() { Path = "/etc" } }] };
        Assert.Equal("hostPath volumes (volumes \"root\", \"etc\")", Baseline(two));
    }

    [Fact]
    public void Host_namespaces_list_each_one_set()
    {
        Assert.Equal("host namespaces (hostNetwork=true)", Baseline(Spec(C("app")) with { HostNetwork = true }));
        Assert.Equal("host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)", Baseline(Spec(C("app")) with { HostNetwork = true, HostPID = true, HostIPC = true }));
        Assert.Equal("", Baseline(Spec(C("app")) with { HostNetwork = false }));
    }

    [Fact]
    public void Privileged_containers_including_init_containers()
    {
        var spec = Spec(C("app", new() { Privileged = true })) with { InitContainers = [C("init", new() { Privileged = true })] };
        Assert.Equal("privileged (containers \"init\", \"app\" must not set securityContext.privileged=true)", Baseline(spec));
        Assert.Equal("", Baseline(Spec(C("app", new() { Privileged = false }))));
    }

    [Fact]
    public void Baseline_allows_the_default_capabilities_only()
    {
        Assert.Equal("", Baseline(Spec(C("app", new() { Capabilities = new() { Add = ["NET_BIND_SERVICE", "CHOWN", "KILL"] } }))));
        Assert.Equal("non-default capabilities (container \"app\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add)",
            Baseline(Spec(C("app", new() { Capabilities = new() { Add = ["SYS_ADMIN", "NET_ADMIN", "CHOWN"] } }))));
    }

    [Fact]
    public void Host_ports_list_containers_and_ports_sorted()
    {
        static Container Ported(string name, params int[] ports) => C(name) with { Ports = ports.Select(p => new ContainerPortSpec { ContainerPort = 80, HostPort = p }).ToList() };
        Assert.Equal("hostPort (container \"web\" uses hostPort 8080)", Baseline(Spec(Ported("web", 8080))));
        Assert.Equal("hostPort (containers \"a\", \"b\" use hostPorts 443, 80)", Baseline(Spec(Ported("a", 80), Ported("b", 443, 0))));
        Assert.Equal("", Baseline(Spec(Ported("a", 0))));
    }

    [Fact]
    public void Baseline_checks_seccomp_selinux_procMount_sysctls_apparmor_and_hostProcess()
    {
        Assert.Equal("seccompProfile (pod and container \"app\" must not set securityContext.seccompProfile.type to \"Unconfined\")",
            Baseline(Spec(C("app", new() { SeccompProfile = new() { Type = "Unconfined" } })) with
            {
                SecurityContext = new() { SeccompProfile = new() { Type = "Unconfined" } },
            }));
        Assert.Equal("seLinuxOptions (container \"app\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set)",
            Baseline(Spec(C("app", new() { SeLinuxOptions = new() { Type = "spc_t", User = "root" } }))));
        Assert.Equal("", Baseline(Spec(C("app", new() { SeLinuxOptions = new() { Type = "container_t", Level = "s0:c1" } }))));
        Assert.Equal("procMount (container \"app\" must not set securityContext.procMount to \"Unmasked\")",
            Baseline(Spec(C("app", new() { ProcMount = "Unmasked" }))));
        Assert.Equal("", Baseline(Spec(C("app", new() { ProcMount = "Unmasked" })) with { HostUsers = false }));
        Assert.Equal("forbidden sysctls (kernel.msgmax)", Baseline(Spec(C("app")) with
        {
            SecurityContext = new() { Sysctls = [new() { Name = "net.ipv4.tcp_syncookies", Value = "1" }, new() { Name = "kernel.msgmax", Value = "1" }] },
        }));
        Assert.Equal("forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/app=\"unconfined\")",
            Baseline(Spec(C("app")), new ObjectMeta { Annotations = new Dictionary<string, string> { [PodSecurityStandards.AppArmorAnnotationPrefix + "app"] = "unconfined" } }));
        Assert.Equal("", Baseline(Spec(C("app", new() { AppArmorProfile = new() { Type = "RuntimeDefault" } }))));
        Assert.Equal("forbidden AppArmor profile (container \"app\" must not set securityContext.appArmorProfile.type to \"Unconfined\")",
            Baseline(Spec(C("app", new() { AppArmorProfile = new() { Type = "Unconfined" } }))));
        Assert.Equal("hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)",
            Baseline(Spec(C("app")) with { SecurityContext = new() { WindowsOptions = new() { HostProcess = true } } }));
    }

    [Fact]
    public void Several_violations_are_joined_in_Kubernetes_order()
    {
        var spec = Spec(C("app", new() { Privileged = true })) with
        {
            HostPID = true,
            Volumes = [new Volume { Name = "root", HostPath = new() { Path = "/" } }],
        };
        Assert.Equal("host namespaces (hostPID=true), hostPath volumes (volume \"root\"), privileged (container \"app\" must not set securityContext.privileged=true)",
            Baseline(spec));
    }

    [Fact]
    public void Restricted_rejects_a_plain_pod_with_Kubernetes_four_reasons()
    {
        Assert.Equal(
            "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), "
            + "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            + "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), "
            + "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            Restricted(Spec(C("app"))));
    }

    [Fact]
    public void A_hardened_pod_passes_restricted()
    {
        Assert.Equal("", Restricted(RestrictedSpec()));
        // Container-level settings count as well as the pod's.
        var perContainer = Spec(C("app", Hardened with { RunAsNonRoot = true, SeccompProfile = new() { Type = "Localhost", LocalhostProfile = "p.json" } }));
        Assert.Equal("", Restricted(perContainer));
    }

    [Fact]
    public void Restricted_explicit_bad_values_are_named()
    {
        var spec = RestrictedSpec(C("app", Hardened with { RunAsNonRoot = false, RunAsUser = 0, Capabilities = new() { Drop = ["ALL"], Add = ["NET_BIND_SERVICE", "NET_RAW"] } }))
            with { SecurityContext = new() { RunAsNonRoot = true, RunAsUser = 0, SeccompProfile = new() { Type = "Unconfined" } } };
        Assert.Equal(
            "unrestricted capabilities (container \"app\" must not include \"NET_RAW\" in securityContext.capabilities.add), "
            + "runAsNonRoot != true (container \"app\" must not set securityContext.runAsNonRoot=false), "
            + "runAsUser=0 (pod and container \"app\" must not set runAsUser=0), "
            + "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")",
            Restricted(spec));
    }

    [Fact]
    public void Restricted_names_hostPath_as_a_restricted_volume_type_instead_of_the_baseline_reason()
    {
        var spec = RestrictedSpec() with
        {
            Volumes = [new Volume { Name = "root", HostPath = new() { Path = "/" } }, new Volume { Name = "cm", ConfigMap = new() { Name = "c" } }],
        };
        Assert.Equal("restricted volume types (volume \"root\" uses restricted volume type \"hostPath\")", Restricted(spec));
    }

    [Fact]
    public void Restricted_includes_the_baseline_checks()
    {
        Assert.Equal("host namespaces (hostNetwork=true)", Restricted(RestrictedSpec() with { HostNetwork = true }));
    }

    [Theory]
    [InlineData("enforce", "baseline", "latest", "")]
    [InlineData("enforce", "strict", "latest", "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted")]
    [InlineData("warn", "restricted", "1.30", "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"")]
    [InlineData("audit", "restricted", "v1.30", "")]
    public void Namespace_labels_are_validated(string mode, string level, string version, string expected)
    {
        var labels = new Dictionary<string, string> { [PodSecurityLabels.Prefix + mode] = level, [PodSecurityLabels.Prefix + mode + "-version"] = version };
        Assert.Equal(expected, string.Join("; ", PodSecurityLabels.Validate(labels)));
    }

    [Fact]
    public void Policies_fall_back_as_Kubernetes_does()
    {
        var labels = new Dictionary<string, string>
        {
            [PodSecurityLabels.Enforce] = "nonsense",
            [PodSecurityLabels.Warn] = "nonsense",
            [PodSecurityLabels.Audit] = "restricted",
            [PodSecurityLabels.AuditVersion] = "v1.31",
        };
        Assert.Equal("restricted:latest", PodSecurityLabels.PolicyFor(labels, PodSecurityLabels.Enforce, PodSecurityLabels.EnforceVersion, PodSecurityLevel.Baseline).ToString());
        Assert.Equal("privileged:latest", PodSecurityLabels.PolicyFor(labels, PodSecurityLabels.Warn, PodSecurityLabels.WarnVersion, PodSecurityLevel.Baseline).ToString());
        Assert.Equal("restricted:v1.31", PodSecurityLabels.PolicyFor(labels, PodSecurityLabels.Audit, PodSecurityLabels.AuditVersion, PodSecurityLevel.Privileged).ToString());
        Assert.Equal("baseline:latest", PodSecurityLabels.PolicyFor(null, PodSecurityLabels.Enforce, PodSecurityLabels.EnforceVersion, PodSecurityLevel.Baseline).ToString());
    }
}
