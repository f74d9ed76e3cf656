using System.Text;
using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

public sealed class DefaulterTests
{
    private static string J(object o) => KubeSerializer.ToJson(o);

    [Fact]
    public void Pod_gets_kubernetes_defaults()
    {
        var pod = Defaulter.Apply(ValidPod);
        var spec = pod.Spec!;
        Assert.Equal("Always", spec.RestartPolicy);
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.Equal("ClusterFirst", spec.DnsPolicy);
        Assert.Equal("default-scheduler", spec.SchedulerName);
        Assert.True(spec.EnableServiceLinks);
        var c = Assert.Single(spec.Containers);
        Assert.Equal("IfNotPresent", c.ImagePullPolicy);
        Assert.Equal("/dev/termination-log", c.TerminationMessagePath);
        Assert.Equal("File", c.TerminationMessagePolicy);
        Assert.Equal("TCP", Assert.Single(c.Ports!).Protocol);
        Assert.Equal("Pending", pod.Status!.Phase);
        Assert.Equal("BestEffort", pod.Status.QosClass);
    }

    [Fact]
    public void Pod_tolerates_not_ready_and_unreachable_nodes_for_five_minutes()
    {
        var pod = Defaulter.Apply(ValidPod);
        Assert.Equal(
            [
                new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
                new Toleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
            ],
            pod.Spec!.Tolerations!);
    }

    public static TheoryData<string, Toleration[], string[]> ExistingTolerations => new()
    {
        { "tolerates everything", [new Toleration { Operator = "Exists" }], [] },
        { "tolerates every NoExecute taint", [new Toleration { Operator = "Exists", Effect = "NoExecute" }], [] },
        {
            "own not-ready toleration",
            [new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 60 }],
            ["node.kubernetes.io/unreachable"]
        },
        {
            "NoSchedule does not count",
            [new Toleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoSchedule" }],
            ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
        },
        { "unrelated toleration", [new Toleration { Key = "gpu", Operator = "Exists" }], ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] },
    };

    [Theory]
    [MemberData(nameof(ExistingTolerations))]
    public void Default_tolerations_are_added_only_when_missing(string name, Toleration[] existing, string[] addedKeys)
    {
        var pod = Defaulter.Apply(WithSpec(s => s with { Tolerations = existing }));
        var tolerations = pod.Spec!.Tolerations!;
        Assert.Equal(existing, tolerations.Take(existing.Length));
        Assert.True(addedKeys.SequenceEqual(tolerations.Skip(existing.Length).Select(t => t.Key!)), name);
        Assert.All(tolerations.Skip(existing.Length), t => Assert.Equal(300, t.TolerationSeconds));
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.25", "IfNotPresent")]
    [InlineData("library/nginx", "Always")]
    [InlineData("registry.local:5000/nginx", "Always")]
    [InlineData("registry.local:5000/nginx:1.2", "IfNotPresent")]
    [InlineData("nginx@sha256:0123abcd", "IfNotPresent")]
    [InlineData("nginx:latest@sha256:0123abcd", "Always")]
    [InlineData("minikube/pause:3.9", "IfNotPresent")]
    public void Image_pull_policy_follows_the_tag(string image, string policy)
    {
        Assert.Equal(policy, Defaulter.DefaultPullPolicy(image));
        var pod = Defaulter.Apply(WithContainer(c => c with { Image = image }));
        Assert.Equal(policy, pod.Spec!.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void Explicit_values_are_kept()
    {
        var pod = Defaulter.Apply(ValidPod with
        {
            Spec = Spec with
            {
                RestartPolicy = "Never",
                TerminationGracePeriodSeconds = 5,
                DnsPolicy = "Default",
                SchedulerName = "mine",
                Containers = [Web with { Image = "nginx", ImagePullPolicy = "Never", Ports = [new ContainerPortSpec { ContainerPort = 53, Protocol = "UDP" }] }],
            },
            Status = new PodStatus { Phase = "Running", QosClass = "Guaranteed" },
        });
        Assert.Equal("Never", pod.Spec!.RestartPolicy);
        Assert.Equal(5, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("Default", pod.Spec.DnsPolicy);
        Assert.Equal("mine", pod.Spec.SchedulerName);
        Assert.Equal("Never", pod.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("UDP", pod.Spec.Containers[0].Ports![0].Protocol);
        Assert.Equal("Running", pod.Status!.Phase);
        Assert.Equal("Guaranteed", pod.Status.QosClass);
    }

    [Fact]
    public void Probes_and_env_references_are_defaulted()
    {
        var pod = Defaulter.Apply(WithContainer(c => c with
        {
            LivenessProbe = new Probe { HttpGet = new HttpGetAction { Port = 80 } },
            ReadinessProbe = new Probe { TcpSocket = new TcpSocketAction { Port = 80 }, PeriodSeconds = 3, FailureThreshold = 1 },
            Lifecycle = new Lifecycle { PreStop = new LifecycleHandler { HttpGet = new HttpGetAction { Port = 80, Path = "/stop" } } },
            Env = [new EnvVar { Name = "NODE", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "spec.nodeName" } } }],
        }));
        var c = pod.Spec!.Containers[0];
        Assert.Equal((1, 10, 1, 3), (c.LivenessProbe!.TimeoutSeconds, c.LivenessProbe.PeriodSeconds, c.LivenessProbe.SuccessThreshold, c.LivenessProbe.FailureThreshold));
        Assert.Equal(("/", "HTTP"), (c.LivenessProbe.HttpGet!.Path, c.LivenessProbe.HttpGet.Scheme));
        Assert.Equal((1, 3, 1, 1), (c.ReadinessProbe!.TimeoutSeconds, c.ReadinessProbe.PeriodSeconds, c.ReadinessProbe.SuccessThreshold, c.ReadinessProbe.FailureThreshold));
        Assert.Equal(("/stop", "HTTP"), (c.Lifecycle!.PreStop!.HttpGet!.Path, c.Lifecycle.PreStop.HttpGet.Scheme));
        Assert.Equal("v1", c.Env![0].ValueFrom!.FieldRef!.ApiVersion);
    }

    [Fact]
    public void Projected_volumes_get_mode_0644()
    {
        var pod = Defaulter.Apply(WithSpec(s => s with
        {
            Volumes =
            [
                new Volume { Name = "c", ConfigMap = new ConfigMapVolumeSource { Name = "cfg" } },
                new Volume { Name = "s", Secret = new SecretVolumeSource { SecretName = "sec", DefaultMode = 256 } },
            ],
        }));
        Assert.Equal(420, pod.Spec!.Volumes![0].ConfigMap!.DefaultMode);
        Assert.Equal(256, pod.Spec.Volumes[1].Secret!.DefaultMode);
    }

    public static TheoryData<string, string[], string[], string[], string[], string> QosCases => new()
    {
        // name, container 1 requests, container 1 limits, container 2 requests, container 2 limits, expected
        { "nothing", [], [], [], [], "BestEffort" },
        { "zero requests", ["cpu=0"], [], [], [], "BestEffort" },
        { "requests only", ["cpu=100m"], [], [], [], "Burstable" },
        { "limits equal requests", ["cpu=1", "memory=1Gi"], ["cpu=1", "memory=1Gi"], ["cpu=500m", "memory=64Mi"], ["cpu=500m", "memory=64Mi"], "Guaranteed" },
        { "limits only (requests default to limits)", [], ["cpu=1", "memory=1Gi"], [], ["cpu=500m", "memory=64Mi"], "Guaranteed" },
        { "limits only but one container unlimited", [], ["cpu=1", "memory=1Gi"], ["cpu=1"], [], "Burstable" },
        { "cpu limit only", [], ["cpu=1"], [], [], "Burstable" },
        { "requests below limits", ["cpu=500m", "memory=1Gi"], ["cpu=1", "memory=1Gi"], [], [], "Burstable" },
        { "extended resources do not count", ["example.com/gpu=1"], ["example.com/gpu=1"], [], [], "BestEffort" },
    };

    [Theory]
    [MemberData(nameof(QosCases))]
    public void Qos_class_follows_kubernetes_rules(string name, string[] req1, string[] lim1, string[] req2, string[] lim2, string expected)
    {
        static ResourceRequirements R(string[] req, string[] lim) => new() { Requests = Res(req), Limits = Res(lim) };
        var pod = Defaulter.Apply(WithSpec(s => s with
        {
            Containers = [Web with { Resources = R(req1, lim1) }, Web with { Name = "side", Ports = null, Resources = R(req2, lim2) }],
        }));
        Assert.True(expected == pod.Status!.QosClass, $"{name}: expected {expected}, got {pod.Status.QosClass}");
    }

    [Fact]
    public void Init_containers_count_for_qos()
    {
        var limits = new ResourceRequirements { Limits = Res("cpu=1", "memory=1Gi") };
        var pod = Defaulter.Apply(WithSpec(s => s with
        {
            InitContainers = [new Container { Name = "init", Image = "busybox" }],
            Containers = [Web with { Resources = limits }],
        }));
        Assert.Equal("Guaranteed", Defaulter.ComputeQosClass(pod.Spec! with { InitContainers = null }));
        Assert.Equal("Burstable", pod.Status!.QosClass);
    }

    [Fact]
    public void Pod_requests_default_to_limits_but_templates_keep_theirs()
    {
        var resources = new ResourceRequirements { Requests = Res("memory=64Mi"), Limits = Res("cpu=1", "memory=128Mi") };
        var pod = Defaulter.Apply(WithContainer(c => c with { Resources = resources }));
        var requests = pod.Spec!.Containers[0].Resources!.Requests!;
        Assert.Equal(Quantity.Parse("1"), requests["cpu"]);
        Assert.Equal("64Mi", requests["memory"].ToString());

        var deployment = Defaulter.Apply(WithDeploymentSpec(s => s with { Template = s.Template with { Spec = s.Template.Spec! with { Containers = [Web with { Resources = resources }] } } }));
        Assert.False(deployment.Spec!.Template.Spec!.Containers[0].Resources!.Requests!.ContainsKey("cpu"));
    }

    [Fact]
    public void Templates_get_pod_spec_defaults_but_no_admission_defaults()
    {
        var spec = Defaulter.Apply(ValidDeployment).Spec!.Template.Spec!;
        Assert.Equal(("Always", 30L, "ClusterFirst", "default-scheduler"), (spec.RestartPolicy, spec.TerminationGracePeriodSeconds, spec.DnsPolicy, spec.SchedulerName));
        Assert.Equal("IfNotPresent", spec.Containers[0].ImagePullPolicy);
        Assert.Null(spec.Tolerations);
        Assert.Null(spec.EnableServiceLinks);
    }

    [Fact]
    public void Deployment_defaults()
    {
        var spec = Defaulter.Apply(WithDeploymentSpec(s => s with { Replicas = null })).Spec!;
        Assert.Equal(1, spec.Replicas);
        Assert.Equal("RollingUpdate", spec.Strategy!.Type);
        Assert.Equal(IntOrString.FromString("25%"), spec.Strategy.RollingUpdate!.MaxUnavailable);
        Assert.Equal(IntOrString.FromString("25%"), spec.Strategy.RollingUpdate.MaxSurge);
        Assert.Equal(10, spec.RevisionHistoryLimit);
        Assert.Equal(600, spec.ProgressDeadlineSeconds);

        var recreate = Defaulter.Apply(WithDeploymentSpec(s => s with { Strategy = new DeploymentStrategy { Type = "Recreate" } })).Spec!;
        Assert.Null(recreate.Strategy!.RollingUpdate);

        var partial = Defaulter.Apply(WithDeploymentSpec(s => s with { Strategy = new DeploymentStrategy { RollingUpdate = new RollingUpdateDeployment { MaxSurge = 1 } } })).Spec!;
        Assert.Equal(IntOrString.FromInt(1), partial.Strategy!.RollingUpdate!.MaxSurge);
        Assert.Equal(IntOrString.FromString("25%"), partial.Strategy.RollingUpdate.MaxUnavailable);
    }

    [Fact]
    public void ReplicaSet_and_DaemonSet_defaults()
    {
        Assert.Equal(1, Defaulter.Apply(ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Replicas = null } }).Spec!.Replicas);
        Assert.Equal(0, Defaulter.Apply(ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Replicas = 0 } }).Spec!.Replicas);

        var ds = Defaulter.Apply(ValidDaemonSet).Spec!;
        Assert.Equal("RollingUpdate", ds.UpdateStrategy!.Type);
        Assert.Equal(IntOrString.FromInt(1), ds.UpdateStrategy.RollingUpdate!.MaxUnavailable);
        Assert.Equal(IntOrString.FromInt(0), ds.UpdateStrategy.RollingUpdate.MaxSurge);
        Assert.Equal(10, ds.RevisionHistoryLimit);
        Assert.Equal("Always", ds.Template.Spec!.RestartPolicy);

        var onDelete = Defaulter.Apply(ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { UpdateStrategy = new DaemonSetUpdateStrategy { Type = "OnDelete" } } }).Spec!;
        Assert.Null(onDelete.UpdateStrategy!.RollingUpdate);
    }

    [Theory]
    [InlineData(null, null, 1, 1)]
    [InlineData(null, 3, null, 3)]
    [InlineData(5, null, 5, 1)]
    [InlineData(5, 2, 5, 2)]
    public void Job_completions_and_parallelism(int? completions, int? parallelism, int? expectedCompletions, int expectedParallelism)
    {
        var spec = Defaulter.Apply(ValidJob with { Spec = ValidJob.Spec! with { Completions = completions, Parallelism = parallelism } }).Spec!;
        Assert.Equal(expectedCompletions, spec.Completions);
        Assert.Equal(expectedParallelism, spec.Parallelism);
    }

    [Fact]
    public void Job_defaults()
    {
        var job = Defaulter.Apply(ValidJob);
        Assert.Equal(6, job.Spec!.BackoffLimit);
        Assert.Equal("NonIndexed", job.Spec.CompletionMode);
        Assert.False(job.Spec.Suspend);
        Assert.Equal("Never", job.Spec.Template.Spec!.RestartPolicy);
        Assert.Equal(Map("app=web"), job.Metadata.Labels!);
        Assert.Null(job.Spec.Selector); // no uid yet: nothing to select by
    }

    [Fact]
    public void Job_selector_is_generated_from_its_uid()
    {
        var job = Defaulter.Apply(ValidJob with { Metadata = ValidJob.Metadata with { Uid = "abc-123" } });
        Assert.Equal(Map("batch.kubernetes.io/controller-uid=abc-123"), job.Spec!.Selector!.MatchLabels!);
        Assert.Equal(
            Map("app=web", "batch.kubernetes.io/controller-uid=abc-123", "batch.kubernetes.io/job-name=pi", "controller-uid=abc-123", "job-name=pi"),
            job.Spec.Template.Metadata!.Labels!.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary());
        Assert.Equal(Map("app=web"), job.Metadata.Labels!);
        Assert.Empty(Errors(job));

        var manual = Defaulter.Apply(ValidJob with { Metadata = ValidJob.Metadata with { Uid = "abc-123" }, Spec = ValidJob.Spec! with { ManualSelector = true, Selector = AppWeb } });
        Assert.Equal(Map("app=web"), manual.Spec!.Selector!.MatchLabels!);
        Assert.Equal(Map("app=web"), manual.Spec.Template.Metadata!.Labels!);
    }

    [Fact]
    public void Service_defaults()
    {
        var svc = Defaulter.Apply(WithServiceSpec(s => s with { Ports = [new ServicePort { Port = 80 }, new ServicePort { Port = 81, TargetPort = "web", Protocol = "UDP" }] }));
        var spec = svc.Spec!;
        Assert.Equal("ClusterIP", spec.Type);
        Assert.Equal("None", spec.SessionAffinity);
        Assert.Equal("Cluster", spec.InternalTrafficPolicy);
        Assert.Null(spec.ExternalTrafficPolicy);
        Assert.Equal(("TCP", IntOrString.FromInt(80)), (spec.Ports![0].Protocol, spec.Ports[0].TargetPort!.Value));
        Assert.Equal(("UDP", IntOrString.FromString("web")), (spec.Ports[1].Protocol, spec.Ports[1].TargetPort!.Value));

        var nodePort = Defaulter.Apply(WithServiceSpec(s => s with { Type = "NodePort" })).Spec!;
        Assert.Equal("Cluster", nodePort.ExternalTrafficPolicy);
        Assert.Null(nodePort.AllocateLoadBalancerNodePorts);

        var lb = Defaulter.Apply(WithServiceSpec(s => s with { Type = "LoadBalancer", ExternalTrafficPolicy = "Local" })).Spec!;
        Assert.Equal("Local", lb.ExternalTrafficPolicy);
        Assert.True(lb.AllocateLoadBalancerNodePorts);

        var external = Defaulter.Apply(WithServiceSpec(s => s with { Type = "ExternalName", ExternalName = "db.example.com" })).Spec!;
        Assert.Null(external.InternalTrafficPolicy);

        var sticky = Defaulter.Apply(WithServiceSpec(s => s with { SessionAffinity = "ClientIP" })).Spec!;
        Assert.Equal(10800, sticky.SessionAffinityConfig!.ClientIP!.TimeoutSeconds);
    }

    [Fact]
    public void Namespace_secret_hpa_event_node_endpoints_defaults()
    {
        var ns = Defaulter.Apply(new Namespace { Metadata = new ObjectMeta { Name = "team-a" } });
        Assert.Equal("Active", ns.Status!.Phase);
        Assert.Equal("team-a", ns.Metadata.Labels!["kubernetes.io/metadata.name"]);

        var secret = Defaulter.Apply(new Secret
        {
            Metadata = new ObjectMeta { Name = "s" },
            Data = new Dictionary<string, byte[]> { ["user"] = "old"u8.ToArray(), ["keep"] = "k"u8.ToArray() },
            StringData = Map("user=admin", "pass=päss"),
        });
        Assert.Equal("Opaque", secret.Type);
        Assert.Null(secret.StringData);
        Assert.Equal(["keep", "pass", "user"], secret.Data!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("admin", Encoding.UTF8.GetString(secret.Data["user"]));
        Assert.Equal("päss", Encoding.UTF8.GetString(secret.Data["pass"]));

        var hpa = Defaulter.Apply(ValidHpa with { Spec = ValidHpa.Spec! with { MinReplicas = null } });
        Assert.Equal(1, hpa.Spec!.MinReplicas);
        var metric = Assert.Single(hpa.Spec.Metrics!);
        Assert.Equal(("Resource", "cpu", "Utilization", 80), (metric.Type, metric.Resource!.Name, metric.Resource.Target.Type, metric.Resource.Target.AverageUtilization));

        Assert.Equal(1, Defaulter.Apply(new Event { Metadata = new ObjectMeta { Name = "e" } }).Count);
        Assert.Equal(5, Defaulter.Apply(new Event { Metadata = new ObjectMeta { Name = "e" }, Count = 5 }).Count);

        var node = Defaulter.Apply(new Node { Metadata = new ObjectMeta { Name = "n1" }, Status = new NodeStatus { Capacity = Res("cpu=2", "memory=4Gi") } });
        Assert.Equal(Res("cpu=2", "memory=4Gi"), node.Status!.Allocatable!);

        var ep = Defaulter.Apply(new Endpoints { Metadata = new ObjectMeta { Name = "web" }, Subsets = [new EndpointSubset { Ports = [new EndpointPort { Port = 80 }] }] });
        Assert.Equal("TCP", ep.Subsets![0].Ports![0].Protocol);
    }

    public static TheoryData<string, KubeObject> AllKinds => new()
    {
        { "pod", ValidPod },
        {
            "rich pod", WithSpec(s => s with
            {
                Volumes = [new Volume { Name = "d", DownwardAPI = new DownwardApiVolumeSource { Items = [new DownwardApiVolumeFile { Path = "labels", FieldRef = new ObjectFieldSelector { FieldPath = "metadata.labels" } }] } }],
                Containers = [Web with { Resources = new ResourceRequirements { Limits = Res("cpu=1", "memory=1Gi") }, LivenessProbe = new Probe { HttpGet = new HttpGetAction { Port = 80 } } }],
                Tolerations = [new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute" }],
            })
        },
        { "deployment", ValidDeployment },
        { "replicaset", ValidReplicaSet },
        { "daemonset", ValidDaemonSet },
        { "job", ValidJob with { Metadata = ValidJob.Metadata with { Uid = "u-1" } } },
        { "service", ValidService },
        { "sticky nodeport service", WithServiceSpec(s => s with { Type = "NodePort", SessionAffinity = "ClientIP" }) },
        { "namespace", new Namespace { Metadata = new ObjectMeta { Name = "ns" } } },
        { "secret", new Secret { Metadata = new ObjectMeta { Name = "s" }, StringData = Map("a=b") } },
        { "configmap", new ConfigMap { Metadata = new ObjectMeta { Name = "c" }, Data = Map("a=b") } },
        { "hpa", ValidHpa },
        { "event", new Event { Metadata = new ObjectMeta { Name = "e" }, InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web" } } },
        { "node", new Node { Metadata = new ObjectMeta { Name = "n" }, Status = new NodeStatus { Capacity = Res("cpu=1") } } },
        {
            "endpoints", new Endpoints
            {
                Metadata = new ObjectMeta { Name = "e" },
                Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.0.0.1" }], Ports = [new EndpointPort { Port = 1 }] }],
            }
        },
        { "lease", new Lease { Metadata = new ObjectMeta { Name = "l" }, Spec = new LeaseSpec { LeaseDurationSeconds = 10 } } },
    };

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Apply_is_idempotent(string name, KubeObject obj)
    {
        var once = Defaulter.Apply(obj);
        var twice = Defaulter.Apply(once);
        Assert.True(J(once) == J(twice), name + "\n" + J(once) + "\n" + J(twice));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Apply_never_mutates_its_input(string name, KubeObject obj)
    {
        var before = J(obj);
        var defaulted = Defaulter.Apply(obj);
        Assert.Equal(before, J(obj));
        Assert.Equal(obj.GetType(), defaulted.GetType());
        _ = name;
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Defaulted_objects_stay_valid(string name, KubeObject obj)
    {
        Assert.True(Errors(Defaulter.Apply(obj)).Length == 0, name + ": " + string.Join("\n", Errors(Defaulter.Apply(obj))));
    }

    [Fact]
    public void Typed_apply_keeps_the_type()
    {
        Pod pod = Defaulter.Apply(ValidPod);
        KubeObject obj = Defaulter.Apply((KubeObject)ValidPod);
        Assert.Equal(J(pod), J(obj));
    }
}
