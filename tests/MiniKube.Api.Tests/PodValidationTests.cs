using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

public sealed class PodValidationTests
{
    private const string LabelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string NamePartMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private static Probe Http(int port = 80) => new() { HttpGet = new HttpGetAction { Port = port } };

    private static Volume EmptyDir(string name) => new() { Name = name, EmptyDir = new EmptyDirVolumeSource() };

    private static Affinity NodeAffinityExpr(string op, params string[] values) => new()
    {
        NodeAffinity = new NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector
            {
                NodeSelectorTerms = [new NodeSelectorTerm { MatchExpressions = [new NodeSelectorRequirement { Key = "zone", Operator = op, Values = values }] }],
            },
        },
    };

    /// <summary>Each case: an invalid pod and the exact errors Kubernetes would report for it.</summary>
    private static readonly Dictionary<string, (Pod Pod, string[] Errors)> Cases = new()
    {
        ["metadata name missing"] = (ValidPod with { Metadata = ValidPod.Metadata with { Name = null } }, ["metadata.name: Required value: name or generateName is required"]),
        ["metadata name not a subdomain"] = (ValidPod with { Metadata = ValidPod.Metadata with { Name = "Web" } }, [$"metadata.name: Invalid value: \"Web\": {SubdomainMsg}"]),
        ["metadata name too long"] = (ValidPod with { Metadata = ValidPod.Metadata with { Name = new string('a', 254) } },
            [$"metadata.name: Invalid value: \"{new string('a', 254)}\": must be no more than 253 characters"]),
        ["metadata generateName invalid"] = (ValidPod with { Metadata = ValidPod.Metadata with { Name = null, GenerateName = "Web-" } },
            [$"metadata.generateName: Invalid value: \"Web-\": {SubdomainMsg}"]),
        ["metadata namespace invalid"] = (ValidPod with { Metadata = ValidPod.Metadata with { Namespace = "Team_A" } }, [$"metadata.namespace: Invalid value: \"Team_A\": {LabelMsg}"]),
        ["metadata label key invalid"] = (ValidPod with { Metadata = ValidPod.Metadata with { Labels = Map("bad key!=x") } }, [$"metadata.labels: Invalid value: \"bad key!\": {NamePartMsg}"]),
        ["metadata label value invalid"] = (ValidPod with { Metadata = ValidPod.Metadata with { Labels = Map("app=-x") } },
            ["metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
        ["metadata annotation key invalid"] = (ValidPod with { Metadata = ValidPod.Metadata with { Annotations = Map("a b=x") } }, [$"metadata.annotations: Invalid value: \"a b\": {NamePartMsg}"]),
        ["metadata owner reference incomplete"] = (ValidPod with { Metadata = ValidPod.Metadata with { OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "rs" }] } },
            ["metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"]),

        ["no containers"] = (WithSpec(s => s with { Containers = [] }), ["spec.containers: Required value"]),
        ["container name missing"] = (WithContainer(c => c with { Name = "" }), ["spec.containers[0].name: Required value"]),
        ["container name invalid"] = (WithContainer(c => c with { Name = "Web" }), [$"spec.containers[0].name: Invalid value: \"Web\": {LabelMsg}"]),
        ["container name duplicate"] = (WithSpec(s => s with { Containers = [Web, Web with { Ports = null }] }), ["spec.containers[1].name: Duplicate value: \"web\""]),
        ["container name duplicates an init container"] = (WithSpec(s => s with { InitContainers = [Web with { Ports = null }] }), ["spec.containers[0].name: Duplicate value: \"web\""]),
        ["image missing"] = (WithContainer(c => c with { Image = null }), ["spec.containers[0].image: Required value"]),
        ["image blank"] = (WithContainer(c => c with { Image = "  " }), ["spec.containers[0].image: Required value"]),
        ["init container image missing"] = (WithSpec(s => s with { InitContainers = [new Container { Name = "init" }] }), ["spec.initContainers[0].image: Required value"]),
        ["imagePullPolicy unsupported"] = (WithContainer(c => c with { ImagePullPolicy = "Sometimes" }),
            ["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""]),

        ["containerPort missing"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec()] }), ["spec.containers[0].ports[0].containerPort: Required value"]),
        ["containerPort too big"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 70000 }] }),
            ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
        ["hostPort negative"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, HostPort = -1 }] }),
            ["spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive"]),
        ["hostPort too big"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, HostPort = 65536 }] }),
            ["spec.containers[0].ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive"]),
        ["port protocol unsupported"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, Protocol = "HTTP" }] }),
            ["spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""]),
        ["port name too long"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, Name = "a-very-long-port-name" }] }),
            ["spec.containers[0].ports[0].name: Invalid value: \"a-very-long-port-name\": must be no more than 15 characters"]),
        ["port name not IANA"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, Name = "8080" }] }),
            ["spec.containers[0].ports[0].name: Invalid value: \"8080\": must contain at least one letter (a-z)"]),
        ["port name duplicate"] = (WithContainer(c => c with { Ports = [new ContainerPortSpec { ContainerPort = 80, Name = "http" }, new ContainerPortSpec { ContainerPort = 81, Name = "http" }] }),
            ["spec.containers[0].ports[1].name: Duplicate value: \"http\""]),

        ["restartPolicy unsupported"] = (WithSpec(s => s with { RestartPolicy = "Sometimes" }),
            ["spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""]),
        ["dnsPolicy unsupported"] = (WithSpec(s => s with { DnsPolicy = "Google" }),
            ["spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""]),
        ["dnsPolicy None without dnsConfig"] = (WithSpec(s => s with { DnsPolicy = "None" }), ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]),
        ["terminationGracePeriodSeconds negative"] = (WithSpec(s => s with { TerminationGracePeriodSeconds = -1 }),
            ["spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"]),
        ["activeDeadlineSeconds zero"] = (WithSpec(s => s with { ActiveDeadlineSeconds = 0 }),
            ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"]),

        ["volume name missing"] = (WithSpec(s => s with { Volumes = [EmptyDir("")] }), ["spec.volumes[0].name: Required value"]),
        ["volume name invalid"] = (WithSpec(s => s with { Volumes = [EmptyDir("Data")] }), [$"spec.volumes[0].name: Invalid value: \"Data\": {LabelMsg}"]),
        ["volume name duplicate"] = (WithSpec(s => s with { Volumes = [EmptyDir("data"), EmptyDir("data")] }), ["spec.volumes[1].name: Duplicate value: \"data\""]),
        ["volume without source"] = (WithSpec(s => s with { Volumes = [new Volume { Name = "data" }] }), ["spec.volumes[0]: Required value: must specify a volume type"]),
        ["volume with two sources"] = (WithSpec(s => s with { Volumes = [EmptyDir("data") with { ConfigMap = new ConfigMapVolumeSource { Name = "cfg" } }] }),
            ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"]),
        ["hostPath volume without path"] = (WithSpec(s => s with { Volumes = [new Volume { Name = "host", HostPath = new HostPathVolumeSource() }] }),
            ["spec.volumes[0].hostPath.path: Required value"]),
        ["secret volume without name"] = (WithSpec(s => s with { Volumes = [new Volume { Name = "s", Secret = new SecretVolumeSource() }] }),
            ["spec.volumes[0].secret.secretName: Required value"]),
        ["configMap volume item escaping"] = (WithSpec(s => s with { Volumes = [new Volume { Name = "c", ConfigMap = new ConfigMapVolumeSource { Name = "cfg", Items = [new KeyToPath { Key = "k", Path = "../x" }] } }] }),
            ["spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'"]),
        ["volumeMount names no volume"] = (WithContainer(c => c with { VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/data" }] }),
            ["spec.containers[0].volumeMounts[0].name: Not found: \"data\""]),
        ["volumeMount name missing"] = (WithContainer(c => c with { VolumeMounts = [new VolumeMount { MountPath = "/data" }] }),
            ["spec.containers[0].volumeMounts[0].name: Required value"]),
        ["volumeMount mountPath missing"] = (WithSpec(s => s with { Volumes = [EmptyDir("data")], Containers = [Web with { VolumeMounts = [new VolumeMount { Name = "data" }] }] }),
            ["spec.containers[0].volumeMounts[0].mountPath: Required value"]),
        ["volumeMount mountPath repeated"] = (WithSpec(s => s with
            {
                Volumes = [EmptyDir("a"), EmptyDir("b")],
                Containers = [Web with { VolumeMounts = [new VolumeMount { Name = "a", MountPath = "/d" }, new VolumeMount { Name = "b", MountPath = "/d" }] }],
            }),
            ["spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/d\": must be unique"]),

        ["env name missing"] = (WithContainer(c => c with { Env = [new EnvVar { Value = "x" }] }), ["spec.containers[0].env[0].name: Required value"]),
        ["env name invalid"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "1X" }] }),
            ["spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"]),
        ["env valueFrom without source"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "X", ValueFrom = new EnvVarSource() }] }),
            ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"]),
        ["env valueFrom with two sources"] = (WithContainer(c => c with
            {
                Env = [new EnvVar
                {
                    Name = "X",
                    ValueFrom = new EnvVarSource
                    {
                        FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" },
                        SecretKeyRef = new SecretKeySelector { Name = "s", Key = "k" },
                    },
                }],
            }),
            ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not have more than one field specified at a time"]),
        ["env value and valueFrom"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "X", Value = "v", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" } } }] }),
            ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"]),
        ["env fieldPath unsupported"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "X", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "spec.hostname" } } }] }),
            ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"spec.hostname\": supported values: \"metadata.annotations['<KEY>']\", \"metadata.labels['<KEY>']\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.podIP\", \"status.podIPs\""]),
        ["env fieldPath label key invalid"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "X", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.labels['bad key']" } } }] }),
            [$"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"bad key\": {NamePartMsg}"]),
        ["env configMapKeyRef key invalid"] = (WithContainer(c => c with { Env = [new EnvVar { Name = "X", ValueFrom = new EnvVarSource { ConfigMapKeyRef = new ConfigMapKeySelector { Name = "cfg", Key = "a/b" } } }] }),
            ["spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"]),

        ["resource quantity negative"] = (WithContainer(c => c with { Resources = new ResourceRequirements { Limits = Res("cpu=-1") } }),
            ["spec.containers[0].resources.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"]),
        ["resource name unknown"] = (WithContainer(c => c with { Resources = new ResourceRequirements { Limits = Res("gpu=1") } }),
            ["spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified"]),
        ["requests above limits"] = (WithContainer(c => c with { Resources = new ResourceRequirements { Requests = Res("cpu=2"), Limits = Res("cpu=1") } }),
            ["spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"]),
        ["memory requests above limits"] = (WithContainer(c => c with { Resources = new ResourceRequirements { Requests = Res("memory=256Mi"), Limits = Res("memory=128Mi") } }),
            ["spec.containers[0].resources.requests: Invalid value: \"256Mi\": must be less than or equal to memory limit of 128Mi"]),
        ["extended resource without limit"] = (WithContainer(c => c with { Resources = new ResourceRequirements { Requests = Res("example.com/gpu=1") } }),
            ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"]),

        ["probe without handler"] = (WithContainer(c => c with { LivenessProbe = new Probe() }), ["spec.containers[0].livenessProbe: Required value: must specify a handler type"]),
        ["probe with two handlers"] = (WithContainer(c => c with { LivenessProbe = Http() with { TcpSocket = new TcpSocketAction { Port = 80 } } }),
            ["spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]),
        ["probe periodSeconds zero"] = (WithContainer(c => c with { ReadinessProbe = Http() with { PeriodSeconds = 0 } }),
            ["spec.containers[0].readinessProbe.periodSeconds: Invalid value: 0: must be greater than or equal to 1"]),
        ["probe timeoutSeconds zero"] = (WithContainer(c => c with { ReadinessProbe = Http() with { TimeoutSeconds = 0 } }),
            ["spec.containers[0].readinessProbe.timeoutSeconds: Invalid value: 0: must be greater than or equal to 1"]),
        ["probe failureThreshold zero"] = (WithContainer(c => c with { ReadinessProbe = Http() with { FailureThreshold = 0 } }),
            ["spec.containers[0].readinessProbe.failureThreshold: Invalid value: 0: must be greater than or equal to 1"]),
        ["probe initialDelaySeconds negative"] = (WithContainer(c => c with { ReadinessProbe = Http() with { InitialDelaySeconds = -1 } }),
            ["spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0"]),
        ["liveness successThreshold not 1"] = (WithContainer(c => c with { LivenessProbe = Http() with { SuccessThreshold = 2 } }),
            ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
        ["startup successThreshold not 1"] = (WithContainer(c => c with { StartupProbe = Http() with { SuccessThreshold = 3 } }),
            ["spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"]),
        ["httpGet port zero"] = (WithContainer(c => c with { LivenessProbe = Http(0) }),
            ["spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"]),
        ["httpGet port name invalid"] = (WithContainer(c => c with { LivenessProbe = new Probe { HttpGet = new HttpGetAction { Port = "Http" } } }),
            ["spec.containers[0].livenessProbe.httpGet.port: Invalid value: \"Http\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
        ["httpGet scheme unsupported"] = (WithContainer(c => c with { LivenessProbe = new Probe { HttpGet = new HttpGetAction { Port = 80, Scheme = "FTP" } } }),
            ["spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""]),
        ["tcpSocket port too big"] = (WithContainer(c => c with { ReadinessProbe = new Probe { TcpSocket = new TcpSocketAction { Port = 65536 } } }),
            ["spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 65536: must be between 1 and 65535, inclusive"]),
        ["exec probe without command"] = (WithContainer(c => c with { LivenessProbe = new Probe { Exec = new ExecAction() } }),
            ["spec.containers[0].livenessProbe.exec.command: Required value"]),
        ["init container with probe"] = (WithSpec(s => s with { InitContainers = [new Container { Name = "init", Image = "busybox", ReadinessProbe = Http() }] }),
            ["spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]),

        ["toleration operator unsupported"] = (WithSpec(s => s with { Tolerations = [new Toleration { Key = "k", Operator = "In" }] }),
            ["spec.tolerations[0].operator: Unsupported value: \"In\": supported values: \"Equal\", \"Exists\""]),
        ["toleration Exists with value"] = (WithSpec(s => s with { Tolerations = [new Toleration { Key = "k", Operator = "Exists", Value = "v" }] }),
            ["spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'"]),
        ["toleration effect unsupported"] = (WithSpec(s => s with { Tolerations = [new Toleration { Key = "k", Operator = "Exists", Effect = "Never" }] }),
            ["spec.tolerations[0].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""]),
        ["tolerationSeconds without NoExecute"] = (WithSpec(s => s with { Tolerations = [new Toleration { Key = "k", Operator = "Exists", Effect = "NoSchedule", TolerationSeconds = 60 }] }),
            ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"]),
        ["toleration without key must be Exists"] = (WithSpec(s => s with { Tolerations = [new Toleration { Operator = "Equal" }] }),
            ["spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""]),
        ["toleration key invalid"] = (WithSpec(s => s with { Tolerations = [new Toleration { Key = "bad key", Operator = "Exists" }] }),
            [$"spec.tolerations[0].key: Invalid value: \"bad key\": {NamePartMsg}"]),

        ["nodeSelector key invalid"] = (WithSpec(s => s with { NodeSelector = Map("bad key=x") }), [$"spec.nodeSelector: Invalid value: \"bad key\": {NamePartMsg}"]),
        ["nodeSelector value invalid"] = (WithSpec(s => s with { NodeSelector = Map("zone=a b") }),
            ["spec.nodeSelector: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),

        ["node affinity operator unknown"] = (WithSpec(s => s with { Affinity = NodeAffinityExpr("Near", "a") }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator"]),
        ["node affinity In without values"] = (WithSpec(s => s with { Affinity = NodeAffinityExpr("In") }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]),
        ["node affinity Exists with values"] = (WithSpec(s => s with { Affinity = NodeAffinityExpr("Exists", "a") }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]),
        ["node affinity Gt with two values"] = (WithSpec(s => s with { Affinity = NodeAffinityExpr("Gt", "1", "2") }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"]),
        ["node affinity Lt with a word"] = (WithSpec(s => s with { Affinity = NodeAffinityExpr("Lt", "many") }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: \"many\": must be an integer"]),
        ["node affinity without terms"] = (WithSpec(s => s with { Affinity = new Affinity { NodeAffinity = new NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector() } } }),
            ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"]),
        ["node affinity preferred weight zero"] = (WithSpec(s => s with
            {
                Affinity = new Affinity { NodeAffinity = new NodeAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new PreferredSchedulingTerm { Weight = 0 }] } },
            }),
            ["spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"]),
        ["pod affinity without topologyKey"] = (WithSpec(s => s with
            {
                Affinity = new Affinity { PodAffinity = new PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [new PodAffinityTerm { LabelSelector = AppWeb }] } },
            }),
            ["spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"]),
        ["pod anti-affinity weight too big"] = (WithSpec(s => s with
            {
                Affinity = new Affinity
                {
                    PodAntiAffinity = new PodAffinity
                    {
                        PreferredDuringSchedulingIgnoredDuringExecution =
                            [new WeightedPodAffinityTerm { Weight = 101, PodAffinityTerm = new PodAffinityTerm { TopologyKey = "kubernetes.io/hostname" } }],
                    },
                },
            }),
            ["spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100"]),
        ["pod affinity selector invalid"] = (WithSpec(s => s with
            {
                Affinity = new Affinity
                {
                    PodAffinity = new PodAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution =
                            [new PodAffinityTerm { TopologyKey = "zone", LabelSelector = new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "app", Operator = "In" }] } }],
                    },
                },
            }),
            ["spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]),

        ["topology spread maxSkew zero"] = (WithSpec(s => s with { TopologySpreadConstraints = [new TopologySpreadConstraint { MaxSkew = 0, TopologyKey = "zone", WhenUnsatisfiable = "DoNotSchedule" }] }),
            ["spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"]),
        ["topology spread whenUnsatisfiable unsupported"] = (WithSpec(s => s with { TopologySpreadConstraints = [new TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "zone", WhenUnsatisfiable = "Maybe" }] }),
            ["spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""]),
        ["topology spread without topologyKey"] = (WithSpec(s => s with { TopologySpreadConstraints = [new TopologySpreadConstraint { MaxSkew = 1, WhenUnsatisfiable = "ScheduleAnyway" }] }),
            ["spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Invalid_pod_reports_exact_errors(string name)
    {
        var (pod, expected) = Cases[name];
        Assert.Equal(expected, Errors(pod));
    }

    /// <summary>Object metadata, the restart policy and the active deadline follow other rules in templates.</summary>
    private static bool AppliesToTemplates(Pod pod, string[] errors) =>
        !errors.Any(e => e.StartsWith("metadata.", StringComparison.Ordinal)) && pod.Spec?.RestartPolicy is null && pod.Spec?.ActiveDeadlineSeconds is null;

    /// <summary>Only the cases that apply under a template: a case left out is not run, rather than shown as passed.</summary>
    private static List<string> TemplateCases => [.. Cases.Where(c => AppliesToTemplates(c.Value.Pod, c.Value.Errors)).Select(c => c.Key)];

    public static TheoryData<string> TemplateCaseNames => new(TemplateCases);

    [Fact]
    public void Only_metadata_restart_policy_and_deadline_cases_are_left_out_of_the_template_theory()
    {
        var left = Cases.Where(c => !AppliesToTemplates(c.Value.Pod, c.Value.Errors)).Select(c => c.Key).ToList();
        Assert.All(left, name => Assert.True(name.StartsWith("metadata ", StringComparison.Ordinal) || name.StartsWith("restartPolicy ", StringComparison.Ordinal)
            || name.StartsWith("activeDeadlineSeconds ", StringComparison.Ordinal), $"case \"{name}\" is left out of the template theory"));
        var run = TemplateCases;
        Assert.Equal(Cases.Keys.Order(), run.Concat(left).Order());
        Assert.True(run.Count > left.Count, $"{run.Count} template cases, {left.Count} left out");
    }

    [Theory]
    [MemberData(nameof(TemplateCaseNames))]
    public void Template_reports_the_same_errors_under_spec_template(string name)
    {
        var (pod, expected) = Cases[name];
        var deployment = ValidDeployment with { Spec = ValidDeployment.Spec! with { Template = Template() with { Spec = pod.Spec } } };
        Assert.Equal(expected.Select(e => "spec.template." + e), Errors(deployment));
    }

    public static TheoryData<string, Pod> ValidPods => new()
    {
        { "minimal", ValidPod },
        { "generateName only", ValidPod with { Metadata = ValidPod.Metadata with { Name = null, GenerateName = "web-" } } },
        { "defaulted", Defaulter.Apply(ValidPod) },
        {
            "everything", WithSpec(s => s with
            {
                Volumes = [EmptyDir("data"), new Volume { Name = "cfg", ConfigMap = new ConfigMapVolumeSource { Name = "cfg", Items = [new KeyToPath { Key = "a", Path = "a.conf" }] } }],
                InitContainers = [new Container { Name = "init", Image = "busybox", Command = ["true"] }],
                Containers =
                [
                    Web with
                    {
                        Ports = [new ContainerPortSpec { Name = "http", ContainerPort = 80, HostPort = 8080, Protocol = "TCP" }, new ContainerPortSpec { ContainerPort = 53, Protocol = "UDP" }],
                        Env =
                        [
                            new EnvVar { Name = "MY_NAME", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" } } },
                            new EnvVar { Name = "APP", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.labels['app']" } } },
                            new EnvVar { Name = "CPU", ValueFrom = new EnvVarSource { ResourceFieldRef = new ResourceFieldSelector { Resource = "limits.cpu" } } },
                            new EnvVar { Name = "my.var-1" },
                        ],
                        VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/data" }, new VolumeMount { Name = "cfg", MountPath = "/etc/app", ReadOnly = true }],
                        Resources = new ResourceRequirements { Requests = Res("cpu=250m", "memory=64Mi"), Limits = Res("cpu=1", "memory=64Mi", "example.com/gpu=1") },
                        LivenessProbe = new Probe { HttpGet = new HttpGetAction { Port = "http", Path = "/healthz" }, PeriodSeconds = 5 },
                        ReadinessProbe = new Probe { TcpSocket = new TcpSocketAction { Port = 80 }, SuccessThreshold = 2 },
                        StartupProbe = new Probe { Exec = new ExecAction { Command = ["true"] }, FailureThreshold = 30 },
                    },
                ],
                RestartPolicy = "OnFailure",
                DnsPolicy = "ClusterFirstWithHostNet",
                NodeSelector = Map("kubernetes.io/os=linux"),
                Tolerations = [new Toleration { Operator = "Exists" }, new Toleration { Key = "k", Value = "v", Effect = "NoExecute", TolerationSeconds = 10 }],
                Affinity = new Affinity
                {
                    NodeAffinity = new NodeAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector
                        {
                            NodeSelectorTerms =
                            [
                                new NodeSelectorTerm
                                {
                                    MatchExpressions = [new NodeSelectorRequirement { Key = "cpus", Operator = "Gt", Values = ["2"] }],
                                    MatchFields = [new NodeSelectorRequirement { Key = "metadata.name", Operator = "In", Values = ["n1"] }],
                                },
                            ],
                        },
                        PreferredDuringSchedulingIgnoredDuringExecution = [new PreferredSchedulingTerm { Weight = 100, Preference = new NodeSelectorTerm() }],
                    },
                    PodAntiAffinity = new PodAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution = [new PodAffinityTerm { LabelSelector = AppWeb, TopologyKey = "kubernetes.io/hostname" }],
                    },
                },
                TopologySpreadConstraints = [new TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "zone", WhenUnsatisfiable = "DoNotSchedule", MinDomains = 2 }],
            })
        },
    };

    [Theory]
    [MemberData(nameof(ValidPods))]
    public void Valid_pods_have_no_errors(string name, Pod pod)
    {
        Assert.True(Errors(pod).Length == 0, name + ": " + string.Join("\n", Errors(pod)));
    }

    [Fact]
    public void Every_problem_is_reported()
    {
        var pod = ValidPod with
        {
            Metadata = new ObjectMeta { Name = "Bad_Name" },
            Spec = new PodSpec
            {
                RestartPolicy = "Sometimes",
                Containers = [new Container { Name = "web" }, new Container { Name = "web", Image = "x", Ports = [new ContainerPortSpec()] }],
            },
        };
        Assert.Equal(
            [
                $"metadata.name: Invalid value: \"Bad_Name\": {SubdomainMsg}",
                "spec.containers[0].image: Required value",
                "spec.containers[1].name: Duplicate value: \"web\"",
                "spec.containers[1].ports[0].containerPort: Required value",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ],
            Errors(pod));
    }

    [Fact]
    public void Errors_carry_kubernetes_reasons()
    {
        var error = Assert.Single(Validator.Validate(WithContainer(c => c with { VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/d" }] })));
        Assert.Equal(FieldErrorType.NotFound, error.Type);
        Assert.Equal("FieldValueNotFound", error.Reason);
        Assert.Equal("spec.containers[0].volumeMounts[0].name", error.Path);
    }

    [Fact]
    public void Cluster_scoped_kinds_reject_a_namespace()
    {
        var node = new Node { Metadata = new ObjectMeta { Name = "n1", Namespace = "default" } };
        Assert.Equal(["metadata.namespace: Forbidden: not allowed on this type"], Errors(node));
    }
}
