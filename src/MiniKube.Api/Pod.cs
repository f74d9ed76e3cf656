namespace MiniKube.Api;

/// <summary>core/v1 Pod.</summary>
public sealed record Pod : KubeObject
{
    public Pod()
    {
        ApiVersion = "v1";
        Kind = "Pod";
    }

    public PodSpec? Spec { get; init; }
    public PodStatus? Status { get; init; }
}

/// <summary>core/v1 Binding: what the scheduler POSTs to assign a pod to a node.</summary>
public sealed record Binding : KubeObject
{
    public Binding()
    {
        ApiVersion = "v1";
        Kind = "Binding";
    }

    public ObjectReference Target { get; init; } = new();
}

public sealed record ObjectReference
{
    public string? Kind { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public string? ApiVersion { get; init; }
    public string? ResourceVersion { get; init; }
    public string? FieldPath { get; init; }
}

public sealed record LocalObjectReference
{
    public string? Name { get; init; }
}

public sealed record PodTemplateSpec
{
    public ObjectMeta? Metadata { get; init; }
    public PodSpec? Spec { get; init; }
}

public sealed record PodSpec
{
    public IReadOnlyList<Volume>? Volumes { get; init; }
    public IReadOnlyList<Container>? InitContainers { get; init; }
    public IReadOnlyList<Container> Containers { get; init; } = [];
    public string? RestartPolicy { get; init; }
    public long? TerminationGracePeriodSeconds { get; init; }
    public long? ActiveDeadlineSeconds { get; init; }
    public string? DnsPolicy { get; init; }
    public IReadOnlyDictionary<string, string>? NodeSelector { get; init; }
    public string? ServiceAccountName { get; init; }
    /// <summary>Deprecated alias of serviceAccountName, still written by older manifests.</summary>
    public string? ServiceAccount { get; init; }
    public bool? AutomountServiceAccountToken { get; init; }
    public string? NodeName { get; init; }
    public bool? HostNetwork { get; init; }
    public bool? HostPID { get; init; }
    public bool? HostIPC { get; init; }
    /// <summary>false runs the pod in a user namespace (read by Pod Security; this kubelet does not create user namespaces).</summary>
    public bool? HostUsers { get; init; }
    public bool? ShareProcessNamespace { get; init; }
    public PodSecurityContext? SecurityContext { get; init; }
    public IReadOnlyList<LocalObjectReference>? ImagePullSecrets { get; init; }
    public string? Hostname { get; init; }
    public string? Subdomain { get; init; }
    public Affinity? Affinity { get; init; }
    public string? SchedulerName { get; init; }
    public IReadOnlyList<Toleration>? Tolerations { get; init; }
    public IReadOnlyList<HostAlias>? HostAliases { get; init; }
    public string? PriorityClassName { get; init; }
    public int? Priority { get; init; }
    public PodDnsConfig? DnsConfig { get; init; }
    public string? RuntimeClassName { get; init; }
    public bool? EnableServiceLinks { get; init; }
    public string? PreemptionPolicy { get; init; }
    public IReadOnlyList<TopologySpreadConstraint>? TopologySpreadConstraints { get; init; }
    public PodOS? Os { get; init; }
}

public static class RestartPolicy
{
    public const string Always = "Always";
    public const string OnFailure = "OnFailure";
    public const string Never = "Never";
}

public static class DnsPolicy
{
    public const string ClusterFirst = "ClusterFirst";
    public const string ClusterFirstWithHostNet = "ClusterFirstWithHostNet";
    public const string Default = "Default";
    public const string None = "None";
}

public sealed record PodSecurityContext
{
    public long? RunAsUser { get; init; }
    public long? RunAsGroup { get; init; }
    public bool? RunAsNonRoot { get; init; }
    public IReadOnlyList<long>? SupplementalGroups { get; init; }
    public long? FsGroup { get; init; }
    public SeccompProfile? SeccompProfile { get; init; }
    public SELinuxOptions? SeLinuxOptions { get; init; }
    public WindowsSecurityContextOptions? WindowsOptions { get; init; }
    public AppArmorProfile? AppArmorProfile { get; init; }
    public IReadOnlyList<Sysctl>? Sysctls { get; init; }
}

public sealed record SELinuxOptions
{
    public string? User { get; init; }
    public string? Role { get; init; }
    public string? Type { get; init; }
    public string? Level { get; init; }
}

public sealed record WindowsSecurityContextOptions
{
    public string? GmsaCredentialSpecName { get; init; }
    public string? GmsaCredentialSpec { get; init; }
    public string? RunAsUserName { get; init; }
    public bool? HostProcess { get; init; }
}

public sealed record AppArmorProfile
{
    public string? Type { get; init; }
    public string? LocalhostProfile { get; init; }
}

public sealed record Sysctl
{
    public string Name { get; init; } = "";
    public string Value { get; init; } = "";
}

public sealed record SeccompProfile
{
    public string? Type { get; init; }
    public string? LocalhostProfile { get; init; }
}

public sealed record HostAlias
{
    public string? Ip { get; init; }
    public IReadOnlyList<string>? Hostnames { get; init; }
}

public sealed record PodDnsConfig
{
    public IReadOnlyList<string>? Nameservers { get; init; }
    public IReadOnlyList<string>? Searches { get; init; }
    public IReadOnlyList<PodDnsConfigOption>? Options { get; init; }
}

public sealed record PodDnsConfigOption
{
    public string? Name { get; init; }
    public string? Value { get; init; }
}

public sealed record PodOS
{
    public string Name { get; init; } = "";
}

public sealed record Container
{
    public string Name { get; init; } = "";
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public string? WorkingDir { get; init; }
    public IReadOnlyList<ContainerPortSpec>? Ports { get; init; }
    public IReadOnlyList<EnvFromSource>? EnvFrom { get; init; }
    public IReadOnlyList<EnvVar>? Env { get; init; }
    public ResourceRequirements? Resources { get; init; }
    /// <summary>How a resize of cpu or memory is applied (in-place resize); defaulted to NotRequired on Pods.</summary>
    public IReadOnlyList<ContainerResizePolicy>? ResizePolicy { get; init; }
    public IReadOnlyList<VolumeMount>? VolumeMounts { get; init; }
    public Probe? LivenessProbe { get; init; }
    public Probe? ReadinessProbe { get; init; }
    public Probe? StartupProbe { get; init; }
    public Lifecycle? Lifecycle { get; init; }
    public string? TerminationMessagePath { get; init; }
    public string? TerminationMessagePolicy { get; init; }
    public string? ImagePullPolicy { get; init; }
    public SecurityContext? SecurityContext { get; init; }
    /// <summary>Only meaningful on init containers: "Always" makes it a sidecar.</summary>
    public string? RestartPolicy { get; init; }
    public bool? Stdin { get; init; }
    public bool? StdinOnce { get; init; }
    public bool? Tty { get; init; }
}

public static class PullPolicy
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";
}

public static class Protocol
{
    public const string Tcp = "TCP";
    public const string Udp = "UDP";
    public const string Sctp = "SCTP";
}

/// <summary>v1.ContainerPort (renamed: C# forbids a member named like its type).</summary>
public sealed record ContainerPortSpec
{
    public string? Name { get; init; }
    public int? HostPort { get; init; }
    public int ContainerPort { get; init; }
    public string? Protocol { get; init; }
    public string? HostIP { get; init; }
}

public sealed record EnvVar
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
    public EnvVarSource? ValueFrom { get; init; }
}

public sealed record EnvVarSource
{
    public ObjectFieldSelector? FieldRef { get; init; }
    public ResourceFieldSelector? ResourceFieldRef { get; init; }
    public ConfigMapKeySelector? ConfigMapKeyRef { get; init; }
    public SecretKeySelector? SecretKeyRef { get; init; }
}

public sealed record ObjectFieldSelector
{
    public string? ApiVersion { get; init; }
    public string FieldPath { get; init; } = "";
}

public sealed record ResourceFieldSelector
{
    public string? ContainerName { get; init; }
    public string Resource { get; init; } = "";
    public Quantity? Divisor { get; init; }
}

public sealed record ConfigMapKeySelector
{
    public string? Name { get; init; }
    public string Key { get; init; } = "";
    public bool? Optional { get; init; }
}

public sealed record SecretKeySelector
{
    public string? Name { get; init; }
    public string Key { get; init; } = "";
    public bool? Optional { get; init; }
}

public sealed record EnvFromSource
{
    public string? Prefix { get; init; }
    public ConfigMapEnvSource? ConfigMapRef { get; init; }
    public SecretEnvSource? SecretRef { get; init; }
}

public sealed record ConfigMapEnvSource
{
    public string? Name { get; init; }
    public bool? Optional { get; init; }
}

public sealed record SecretEnvSource
{
    public string? Name { get; init; }
    public bool? Optional { get; init; }
}

/// <summary>Requests and limits by resource name ("cpu", "memory", "ephemeral-storage", …).</summary>
public sealed record ResourceRequirements
{
    public IReadOnlyDictionary<string, Quantity>? Limits { get; init; }
    public IReadOnlyDictionary<string, Quantity>? Requests { get; init; }
}

public sealed record ContainerResizePolicy
{
    /// <summary>cpu or memory.</summary>
    public string ResourceName { get; init; } = "";
    /// <summary>NotRequired or RestartContainer.</summary>
    public string RestartPolicy { get; init; } = "";
}

public static class ResizeRestartPolicy
{
    public const string NotRequired = "NotRequired";
    public const string RestartContainer = "RestartContainer";
}

public static class ResourceName
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Pods = "pods";
    public const string EphemeralStorage = "ephemeral-storage";
}

public sealed record VolumeMount
{
    public string Name { get; init; } = "";
    public bool? ReadOnly { get; init; }
    public string MountPath { get; init; } = "";
    public string? SubPath { get; init; }
}

public sealed record SecurityContext
{
    public Capabilities? Capabilities { get; init; }
    public bool? Privileged { get; init; }
    public long? RunAsUser { get; init; }
    public long? RunAsGroup { get; init; }
    public bool? RunAsNonRoot { get; init; }
    public bool? ReadOnlyRootFilesystem { get; init; }
    public bool? AllowPrivilegeEscalation { get; init; }
    public SeccompProfile? SeccompProfile { get; init; }
    public SELinuxOptions? SeLinuxOptions { get; init; }
    public WindowsSecurityContextOptions? WindowsOptions { get; init; }
    public AppArmorProfile? AppArmorProfile { get; init; }
    /// <summary>Default or Unmasked (read by Pod Security; this kubelet always uses Docker's default masking).</summary>
    public string? ProcMount { get; init; }
}

public sealed record Capabilities
{
    public IReadOnlyList<string>? Add { get; init; }
    public IReadOnlyList<string>? Drop { get; init; }
}

public sealed record Probe
{
    public ExecAction? Exec { get; init; }
    public HttpGetAction? HttpGet { get; init; }
    public TcpSocketAction? TcpSocket { get; init; }
    public GrpcAction? Grpc { get; init; }
    public int? InitialDelaySeconds { get; init; }
    public int? TimeoutSeconds { get; init; }
    public int? PeriodSeconds { get; init; }
    public int? SuccessThreshold { get; init; }
    public int? FailureThreshold { get; init; }
    public long? TerminationGracePeriodSeconds { get; init; }
}

public sealed record ExecAction
{
    public IReadOnlyList<string>? Command { get; init; }
}

public sealed record HttpGetAction
{
    public string? Path { get; init; }
    public IntOrString Port { get; init; }
    public string? Host { get; init; }
    public string? Scheme { get; init; }
    public IReadOnlyList<HttpHeader>? HttpHeaders { get; init; }
}

public sealed record HttpHeader
{
    public string Name { get; init; } = "";
    public string Value { get; init; } = "";
}

public sealed record TcpSocketAction
{
    public IntOrString Port { get; init; }
    public string? Host { get; init; }
}

public sealed record GrpcAction
{
    public int Port { get; init; }
    public string? Service { get; init; }
}

public sealed record SleepAction
{
    public long Seconds { get; init; }
}

public sealed record Lifecycle
{
    public LifecycleHandler? PostStart { get; init; }
    public LifecycleHandler? PreStop { get; init; }
}

public sealed record LifecycleHandler
{
    public ExecAction? Exec { get; init; }
    public HttpGetAction? HttpGet { get; init; }
    public TcpSocketAction? TcpSocket { get; init; }
    public SleepAction? Sleep { get; init; }
}

public sealed record Volume
{
    public string Name { get; init; } = "";
    public HostPathVolumeSource? HostPath { get; init; }
    public EmptyDirVolumeSource? EmptyDir { get; init; }
    public SecretVolumeSource? Secret { get; init; }
    public PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; init; }
    public DownwardApiVolumeSource? DownwardAPI { get; init; }
    public ConfigMapVolumeSource? ConfigMap { get; init; }
}

public sealed record HostPathVolumeSource
{
    public string Path { get; init; } = "";
    public string? Type { get; init; }
}

public sealed record EmptyDirVolumeSource
{
    public string? Medium { get; init; }
    public Quantity? SizeLimit { get; init; }
}

public sealed record KeyToPath
{
    public string Key { get; init; } = "";
    public string Path { get; init; } = "";
    public int? Mode { get; init; }
}

public sealed record ConfigMapVolumeSource
{
    public string? Name { get; init; }
    public IReadOnlyList<KeyToPath>? Items { get; init; }
    public int? DefaultMode { get; init; }
    public bool? Optional { get; init; }
}

public sealed record SecretVolumeSource
{
    public string? SecretName { get; init; }
    public IReadOnlyList<KeyToPath>? Items { get; init; }
    public int? DefaultMode { get; init; }
    public bool? Optional { get; init; }
}

public sealed record PersistentVolumeClaimVolumeSource
{
    public string ClaimName { get; init; } = "";
    public bool? ReadOnly { get; init; }
}

public sealed record DownwardApiVolumeSource
{
    public IReadOnlyList<DownwardApiVolumeFile>? Items { get; init; }
    public int? DefaultMode { get; init; }
}

public sealed record DownwardApiVolumeFile
{
    public string Path { get; init; } = "";
    public ObjectFieldSelector? FieldRef { get; init; }
    public ResourceFieldSelector? ResourceFieldRef { get; init; }
    public int? Mode { get; init; }
}

public sealed record Affinity
{
    public NodeAffinity? NodeAffinity { get; init; }
    public PodAffinity? PodAffinity { get; init; }
    public PodAffinity? PodAntiAffinity { get; init; }
}

public sealed record NodeAffinity
{
    public NodeSelector? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
    public IReadOnlyList<PreferredSchedulingTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; init; }
}

/// <summary>v1.NodeSelector: the terms are ORed.</summary>
public sealed record NodeSelector
{
    public IReadOnlyList<NodeSelectorTerm> NodeSelectorTerms { get; init; } = [];
}

/// <summary>The requirements of one term are ANDed.</summary>
public sealed record NodeSelectorTerm
{
    public IReadOnlyList<NodeSelectorRequirement>? MatchExpressions { get; init; }
    public IReadOnlyList<NodeSelectorRequirement>? MatchFields { get; init; }
}

public sealed record NodeSelectorRequirement
{
    public string Key { get; init; } = "";
    /// <summary>In, NotIn, Exists, DoesNotExist, Gt, Lt.</summary>
    public string Operator { get; init; } = "";
    public IReadOnlyList<string>? Values { get; init; }
}

public sealed record PreferredSchedulingTerm
{
    public int Weight { get; init; }
    public NodeSelectorTerm Preference { get; init; } = new();
}

/// <summary>Shape shared by podAffinity and podAntiAffinity.</summary>
public sealed record PodAffinity
{
    public IReadOnlyList<PodAffinityTerm>? RequiredDuringSchedulingIgnoredDuringExecution { get; init; }
    public IReadOnlyList<WeightedPodAffinityTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; init; }
}

public sealed record PodAffinityTerm
{
    public LabelSelector? LabelSelector { get; init; }
    public IReadOnlyList<string>? Namespaces { get; init; }
    public string TopologyKey { get; init; } = "";
    public LabelSelector? NamespaceSelector { get; init; }
}

public sealed record WeightedPodAffinityTerm
{
    public int Weight { get; init; }
    public PodAffinityTerm PodAffinityTerm { get; init; } = new();
}

public sealed record Toleration
{
    public string? Key { get; init; }
    /// <summary>Exists or Equal (the default).</summary>
    public string? Operator { get; init; }
    public string? Value { get; init; }
    public string? Effect { get; init; }
    public long? TolerationSeconds { get; init; }

    /// <summary>
    /// Kubernetes' ToleratesTaint: an empty effect matches every effect, an empty key (only valid with Exists) every
    /// key; Exists ignores the value, Equal (also the default) compares it. Any other operator tolerates nothing.
    /// </summary>
    public bool ToleratesTaint(Taint taint)
    {
        if (!string.IsNullOrEmpty(Effect) && Effect != taint.Effect)
        {
            return false;
        }
        if (!string.IsNullOrEmpty(Key) && Key != taint.Key)
        {
            return false;
        }
        return Operator switch
        {
            null or "" or "Equal" => (Value ?? "") == (taint.Value ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    /// <summary>Whether any of <paramref name="tolerations"/> tolerates <paramref name="taint"/>.</summary>
    public static bool AnyTolerates(IReadOnlyList<Toleration>? tolerations, Taint taint)
    {
        if (tolerations is null)
        {
            return false;
        }
        for (var i = 0; i < tolerations.Count; i++)
        {
            if (tolerations[i].ToleratesTaint(taint))
            {
                return true;
            }
        }
        return false;
    }
}

public sealed record TopologySpreadConstraint
{
    public int MaxSkew { get; init; }
    public string TopologyKey { get; init; } = "";
    /// <summary>DoNotSchedule or ScheduleAnyway.</summary>
    public string WhenUnsatisfiable { get; init; } = "";
    public LabelSelector? LabelSelector { get; init; }
    public int? MinDomains { get; init; }
    public IReadOnlyList<string>? MatchLabelKeys { get; init; }
}

public sealed record PodStatus
{
    public string? Phase { get; init; }
    public IReadOnlyList<PodCondition>? Conditions { get; init; }
    public string? Message { get; init; }
    public string? Reason { get; init; }
    public string? NominatedNodeName { get; init; }
    public string? HostIP { get; init; }
    public string? PodIP { get; init; }
    public IReadOnlyList<PodIP>? PodIPs { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public IReadOnlyList<ContainerStatus>? InitContainerStatuses { get; init; }
    public IReadOnlyList<ContainerStatus>? ContainerStatuses { get; init; }
    public string? QosClass { get; init; }
    /// <summary>The metadata.generation the kubelet last acted on.</summary>
    public long? ObservedGeneration { get; init; }
}

public static class PodPhase
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Unknown = "Unknown";
}

public static class PodConditionType
{
    public const string PodScheduled = "PodScheduled";
    public const string Initialized = "Initialized";
    public const string ContainersReady = "ContainersReady";
    public const string Ready = "Ready";
    /// <summary>A resize the kubelet cannot admit yet (reason Deferred) or ever (reason Infeasible).</summary>
    public const string PodResizePending = "PodResizePending";
    /// <summary>An admitted resize not yet applied to the containers (reason Error when applying it failed).</summary>
    public const string PodResizeInProgress = "PodResizeInProgress";
}

public static class PodResizeReason
{
    public const string Deferred = "Deferred";
    public const string Infeasible = "Infeasible";
    public const string Error = "Error";
}

/// <summary>Values of every condition's <c>status</c>.</summary>
public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";
}

public sealed record PodCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public long? ObservedGeneration { get; init; }
    public DateTimeOffset? LastProbeTime { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

public sealed record PodIP
{
    public string Ip { get; init; } = "";
}

public sealed record ContainerStatus
{
    public string Name { get; init; } = "";
    public ContainerState? State { get; init; }
    public ContainerState? LastState { get; init; }
    public bool Ready { get; init; }
    public int RestartCount { get; init; }
    public string Image { get; init; } = "";
    public string ImageID { get; init; } = "";
    public string? ContainerID { get; init; }
    public bool? Started { get; init; }
    /// <summary>The requests the kubelet admitted for the container (in-place resize).</summary>
    public IReadOnlyDictionary<string, Quantity>? AllocatedResources { get; init; }
    /// <summary>The requests and limits the running container has (read from the runtime), else the allocated ones.</summary>
    public ResourceRequirements? Resources { get; init; }
}

/// <summary>At most one of the three members is set.</summary>
public sealed record ContainerState
{
    public ContainerStateWaiting? Waiting { get; init; }
    public ContainerStateRunning? Running { get; init; }
    public ContainerStateTerminated? Terminated { get; init; }
}

public sealed record ContainerStateWaiting
{
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

public sealed record ContainerStateRunning
{
    public DateTimeOffset? StartedAt { get; init; }
}

public sealed record ContainerStateTerminated
{
    public int ExitCode { get; init; }
    public int? Signal { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? ContainerID { get; init; }
}
