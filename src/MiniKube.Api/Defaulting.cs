using System.Text;

namespace MiniKube.Api;

/// <summary>
/// Kubernetes' defaults per kind (SetDefaults_* plus the DefaultTolerationSeconds admission for pods and the
/// Job selector generation). <see cref="Apply"/> returns a changed copy and never mutates its input; it is
/// idempotent, and only fills what is unset, so user-chosen values always win.
/// </summary>
public static class Defaulter
{
    public const string DefaultSchedulerName = "default-scheduler";
    public const string TerminationMessagePath = "/dev/termination-log";
    public const long DefaultTolerationSeconds = 300;

    /// <summary>0644: what Kubernetes gives files projected from ConfigMaps, Secrets and the downward API.</summary>
    private const int DefaultFileMode = 420;

    public static KubeObject Apply(KubeObject obj) => Apply(obj, AdmissionDefaults.Kubernetes);

    /// <summary>As <see cref="Apply(KubeObject)"/>, with the API server's configured admission defaults.</summary>
    public static KubeObject Apply(KubeObject obj, AdmissionDefaults admission)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(admission);
        return obj switch
        {
            Pod pod => DefaultPod(pod, admission),
            Deployment d => DefaultDeployment(d),
            ReplicaSet rs => DefaultReplicaSet(rs),
            DaemonSet ds => DefaultDaemonSet(ds),
            Job job => DefaultJob(job),
            Service svc => DefaultService(svc),
            Endpoints ep => DefaultEndpoints(ep),
            Node node => DefaultNode(node),
            Namespace ns => DefaultNamespace(ns),
            Secret secret => DefaultSecret(secret),
            HorizontalPodAutoscaler hpa => DefaultHpa(hpa),
            Event ev => ev with { Count = ev.Count ?? 1 },
            _ => obj,
        };
    }

    /// <summary>Typed convenience over <see cref="Apply(KubeObject)"/>.</summary>
    public static T Apply<T>(T obj) where T : KubeObject => (T)Apply((KubeObject)obj);

    /// <summary>Typed convenience over <see cref="Apply(KubeObject, AdmissionDefaults)"/>.</summary>
    public static T Apply<T>(T obj, AdmissionDefaults admission) where T : KubeObject => (T)Apply((KubeObject)obj, admission);

    /// <summary>
    /// The QoS class Kubernetes derives from cpu and memory requests and limits: BestEffort with none,
    /// Guaranteed when every container limits both and requests equal limits, Burstable otherwise.
    /// </summary>
    public static string ComputeQosClass(PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var (name, q) in c.Resources?.Requests ?? new Dictionary<string, Quantity>())
            {
                if (IsQosResource(name) && q.Sign > 0)
                {
                    requests[name] = requests.GetValueOrDefault(name) + q.Amount;
                }
            }
            var limitedCpu = false;
            var limitedMemory = false;
            foreach (var (name, q) in c.Resources?.Limits ?? new Dictionary<string, Quantity>())
            {
                if (IsQosResource(name) && q.Sign > 0)
                {
                    limits[name] = limits.GetValueOrDefault(name) + q.Amount;
                    limitedCpu |= name == ResourceName.Cpu;
                    limitedMemory |= name == ResourceName.Memory;
                }
            }
            guaranteed &= limitedCpu && limitedMemory;
        }
        if (requests.Count == 0 && limits.Count == 0)
        {
            return "BestEffort";
        }
        guaranteed &= requests.All(r => limits.TryGetValue(r.Key, out var limit) && limit == r.Value);
        return guaranteed && requests.Count == limits.Count ? "Guaranteed" : "Burstable";
    }

    private static bool IsQosResource(string name) => name is ResourceName.Cpu or ResourceName.Memory;

    /// <summary>Always for ":latest" or an untagged image (it may move), IfNotPresent for a pinned tag or digest.</summary>
    public static string DefaultPullPolicy(string? image)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            return PullPolicy.IfNotPresent;
        }
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        // A ':' before the last '/' belongs to a registry host:port, not to a tag.
        var colon = name.IndexOf(':', name.LastIndexOf('/') + 1);
        var tag = colon >= 0 ? name[(colon + 1)..] : at >= 0 ? "" : "latest";
        return tag == "latest" ? PullPolicy.Always : PullPolicy.IfNotPresent;
    }

    // ---- pods and templates ----------------------------------------------------------------------------

    private static Pod DefaultPod(Pod pod, AdmissionDefaults admission)
    {
        var spec = DefaultPodSpec(pod.Spec ?? new PodSpec());
        spec = spec with
        {
            // Limits without requests mean "request what you limit" — on Pods only, not on templates.
            Containers = spec.Containers.Select(c => DefaultResizePolicy(RequestsFromLimits(c))).ToList(),
            InitContainers = spec.InitContainers?.Select(RequestsFromLimits).ToList(),
            EnableServiceLinks = spec.EnableServiceLinks ?? true,
            Tolerations = DefaultTolerations(spec.Tolerations, admission),
        };
        var status = pod.Status ?? new PodStatus();
        status = status with
        {
            Phase = Or(status.Phase, PodPhase.Pending),
            QosClass = Or(status.QosClass, ComputeQosClass(spec)),
        };
        return pod with { Spec = spec, Status = status };
    }

    /// <summary>
    /// Kubernetes' DefaultTolerationSeconds admission: a pod tolerates not-ready and unreachable nodes for five minutes
    /// (the API server's <c>--default-not-ready-toleration-seconds</c> / <c>--default-unreachable-toleration-seconds</c>)
    /// before it is evicted, unless it already says how long.
    /// </summary>
    private static IReadOnlyList<Toleration>? DefaultTolerations(IReadOnlyList<Toleration>? tolerations, AdmissionDefaults admission)
    {
        var list = tolerations ?? [];
        bool Tolerates(string key) => list.Any(t =>
            (t.Key == key || string.IsNullOrEmpty(t.Key)) && (t.Effect == TaintEffect.NoExecute || string.IsNullOrEmpty(t.Effect)));
        var added = new List<Toleration>();
        foreach (var (key, seconds) in (ReadOnlySpan<(string, long)>)[(WellKnownTaints.NodeNotReady, admission.NotReadyTolerationSeconds),
            (WellKnownTaints.NodeUnreachable, admission.UnreachableTolerationSeconds)])
        {
            if (!Tolerates(key))
            {
                added.Add(new Toleration { Key = key, Operator = "Exists", Effect = TaintEffect.NoExecute, TolerationSeconds = seconds });
            }
        }
        return added.Count == 0 ? tolerations : [.. list, .. added];
    }

    /// <summary>
    /// As Kubernetes' pod defaulting: a container that asks for cpu or memory (requests or limits) gets the resize policy
    /// NotRequired for each such resource it has no policy for, so an in-place resize never restarts it unasked.
    /// </summary>
    private static Container DefaultResizePolicy(Container c)
    {
        var policies = c.ResizePolicy ?? [];
        var added = new List<ContainerResizePolicy>();
        foreach (var name in (ReadOnlySpan<string>)[ResourceName.Cpu, ResourceName.Memory])
        {
            var asked = (c.Resources?.Requests?.ContainsKey(name) ?? false) || (c.Resources?.Limits?.ContainsKey(name) ?? false);
            if (asked && !policies.Any(p => p.ResourceName == name))
            {
                added.Add(new ContainerResizePolicy { ResourceName = name, RestartPolicy = ResizeRestartPolicy.NotRequired });
            }
        }
        return added.Count == 0 ? c : c with { ResizePolicy = [.. policies, .. added] };
    }

    private static Container RequestsFromLimits(Container c)
    {
        var limits = c.Resources?.Limits;
        if (limits is null || limits.Count == 0)
        {
            return c;
        }
        var requests = new Dictionary<string, Quantity>(c.Resources!.Requests ?? new Dictionary<string, Quantity>(), StringComparer.Ordinal);
        foreach (var (name, q) in limits)
        {
            requests.TryAdd(name, q);
        }
        return c with { Resources = c.Resources with { Requests = requests } };
    }

    private static PodTemplateSpec DefaultTemplate(PodTemplateSpec template) =>
        template with { Spec = DefaultPodSpec(template.Spec ?? new PodSpec()) };

    /// <summary>Defaults shared by Pods and pod templates.</summary>
    internal static PodSpec DefaultPodSpec(PodSpec spec)
    {
        var hostNetwork = spec.HostNetwork == true;
        return spec with
        {
            RestartPolicy = Or(spec.RestartPolicy, RestartPolicy.Always),
            TerminationGracePeriodSeconds = spec.TerminationGracePeriodSeconds ?? 30,
            DnsPolicy = Or(spec.DnsPolicy, DnsPolicy.ClusterFirst),
            SchedulerName = Or(spec.SchedulerName, DefaultSchedulerName),
            Containers = (spec.Containers ?? []).Select(c => DefaultContainer(c, hostNetwork)).ToList(),
            InitContainers = spec.InitContainers?.Select(c => DefaultContainer(c, hostNetwork)).ToList(),
            Volumes = spec.Volumes?.Select(DefaultVolume).ToList(),
        };
    }

    private static Container DefaultContainer(Container c, bool hostNetwork) => c with
    {
        ImagePullPolicy = Or(c.ImagePullPolicy, DefaultPullPolicy(c.Image)),
        TerminationMessagePath = Or(c.TerminationMessagePath, TerminationMessagePath),
        TerminationMessagePolicy = Or(c.TerminationMessagePolicy, "File"),
        Ports = c.Ports?.Select(p => p with
        {
            Protocol = Or(p.Protocol, Protocol.Tcp),
            // On the host network a container port is a host port.
            HostPort = hostNetwork && (p.HostPort ?? 0) == 0 ? p.ContainerPort : p.HostPort,
        }).ToList(),
        Env = c.Env?.Select(e => e.ValueFrom?.FieldRef is { } fieldRef
            ? e with { ValueFrom = e.ValueFrom with { FieldRef = DefaultFieldRef(fieldRef) } }
            : e).ToList(),
        LivenessProbe = DefaultProbe(c.LivenessProbe),
        ReadinessProbe = DefaultProbe(c.ReadinessProbe),
        StartupProbe = DefaultProbe(c.StartupProbe),
        Lifecycle = c.Lifecycle is null ? null : c.Lifecycle with
        {
            PostStart = c.Lifecycle.PostStart is { } post ? post with { HttpGet = DefaultHttpGet(post.HttpGet) } : null,
            PreStop = c.Lifecycle.PreStop is { } pre ? pre with { HttpGet = DefaultHttpGet(pre.HttpGet) } : null,
        },
    };

    private static ObjectFieldSelector DefaultFieldRef(ObjectFieldSelector fieldRef) =>
        fieldRef with { ApiVersion = Or(fieldRef.ApiVersion, "v1") };

    private static Probe? DefaultProbe(Probe? probe) => probe is null ? null : probe with
    {
        TimeoutSeconds = probe.TimeoutSeconds ?? 1,
        PeriodSeconds = probe.PeriodSeconds ?? 10,
        SuccessThreshold = probe.SuccessThreshold ?? 1,
        FailureThreshold = probe.FailureThreshold ?? 3,
        HttpGet = DefaultHttpGet(probe.HttpGet),
    };

    private static HttpGetAction? DefaultHttpGet(HttpGetAction? get) => get is null ? null : get with
    {
        Path = Or(get.Path, "/"),
        Scheme = Or(get.Scheme, "HTTP"),
    };

    private static Volume DefaultVolume(Volume v) => v with
    {
        HostPath = v.HostPath is { } hp ? hp with { Type = hp.Type ?? "" } : null,
        Secret = v.Secret is { } s ? s with { DefaultMode = s.DefaultMode ?? DefaultFileMode } : null,
        ConfigMap = v.ConfigMap is { } cm ? cm with { DefaultMode = cm.DefaultMode ?? DefaultFileMode } : null,
        DownwardAPI = v.DownwardAPI is { } d ? d with
        {
            DefaultMode = d.DefaultMode ?? DefaultFileMode,
            Items = d.Items?.Select(i => i.FieldRef is { } f ? i with { FieldRef = DefaultFieldRef(f) } : i).ToList(),
        } : null,
    };

    // ---- workloads -------------------------------------------------------------------------------------

    private static Deployment DefaultDeployment(Deployment d)
    {
        var spec = d.Spec ?? new DeploymentSpec();
        var strategy = spec.Strategy ?? new DeploymentStrategy();
        strategy = strategy with { Type = Or(strategy.Type, DeploymentStrategyType.RollingUpdate) };
        if (strategy.Type == DeploymentStrategyType.RollingUpdate)
        {
            var ru = strategy.RollingUpdate ?? new RollingUpdateDeployment();
            strategy = strategy with
            {
                RollingUpdate = ru with
                {
                    MaxUnavailable = ru.MaxUnavailable ?? IntOrString.FromString("25%"),
                    MaxSurge = ru.MaxSurge ?? IntOrString.FromString("25%"),
                },
            };
        }
        return d with
        {
            Spec = spec with
            {
                Replicas = spec.Replicas ?? 1,
                Strategy = strategy,
                RevisionHistoryLimit = spec.RevisionHistoryLimit ?? 10,
                ProgressDeadlineSeconds = spec.ProgressDeadlineSeconds ?? 600,
                Template = DefaultTemplate(spec.Template ?? new PodTemplateSpec()),
            },
        };
    }

    private static ReplicaSet DefaultReplicaSet(ReplicaSet rs)
    {
        var spec = rs.Spec ?? new ReplicaSetSpec();
        return rs with
        {
            Spec = spec with
            {
                Replicas = spec.Replicas ?? 1,
                Template = spec.Template is null ? null : DefaultTemplate(spec.Template),
            },
        };
    }

    private static DaemonSet DefaultDaemonSet(DaemonSet ds)
    {
        var spec = ds.Spec ?? new DaemonSetSpec();
        var strategy = spec.UpdateStrategy ?? new DaemonSetUpdateStrategy();
        strategy = strategy with { Type = Or(strategy.Type, DaemonSetUpdateStrategyType.RollingUpdate) };
        if (strategy.Type == DaemonSetUpdateStrategyType.RollingUpdate)
        {
            var ru = strategy.RollingUpdate ?? new RollingUpdateDaemonSet();
            strategy = strategy with
            {
                RollingUpdate = ru with
                {
                    MaxUnavailable = ru.MaxUnavailable ?? IntOrString.FromInt(1),
                    MaxSurge = ru.MaxSurge ?? IntOrString.FromInt(0),
                },
            };
        }
        return ds with
        {
            Spec = spec with
            {
                UpdateStrategy = strategy,
                RevisionHistoryLimit = spec.RevisionHistoryLimit ?? 10,
                Template = DefaultTemplate(spec.Template ?? new PodTemplateSpec()),
            },
        };
    }

    private static Job DefaultJob(Job job)
    {
        var spec = job.Spec ?? new JobSpec();
        var template = DefaultTemplate(spec.Template ?? new PodTemplateSpec());
        var meta = job.Metadata;
        // A Job without labels is labelled like its pods, as in Kubernetes.
        if ((meta.Labels is null || meta.Labels.Count == 0) && template.Metadata?.Labels is { Count: > 0 } templateLabels)
        {
            meta = meta with { Labels = new Dictionary<string, string>(templateLabels, StringComparer.Ordinal) };
        }
        var selector = spec.Selector;
        // Unless the user manages the selector, a Job selects its pods by its own uid, so two Jobs never share pods.
        if (selector is null && spec.ManualSelector != true && !string.IsNullOrEmpty(meta.Uid))
        {
            selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { [WellKnownLabels.JobControllerUid] = meta.Uid } };
            var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                [WellKnownLabels.JobControllerUid] = meta.Uid,
                [WellKnownLabels.LegacyJobControllerUid] = meta.Uid,
            };
            if (!string.IsNullOrEmpty(meta.Name))
            {
                labels[WellKnownLabels.JobName] = meta.Name;
                labels[WellKnownLabels.LegacyJobName] = meta.Name;
            }
            template = template with { Metadata = (template.Metadata ?? new ObjectMeta()) with { Labels = labels } };
        }
        var bothUnset = spec.Completions is null && spec.Parallelism is null;
        return job with
        {
            Metadata = meta,
            Spec = spec with
            {
                Completions = bothUnset ? 1 : spec.Completions,
                Parallelism = spec.Parallelism ?? 1,
                BackoffLimit = spec.BackoffLimit ?? 6,
                CompletionMode = Or(spec.CompletionMode, "NonIndexed"),
                Suspend = spec.Suspend ?? false,
                Selector = selector,
                Template = template,
            },
        };
    }

    // ---- services and the rest -------------------------------------------------------------------------

    private static Service DefaultService(Service svc)
    {
        var spec = svc.Spec ?? new ServiceSpec();
        var type = Or(spec.Type, ServiceType.ClusterIP);
        var exposesNodePorts = type is ServiceType.NodePort or ServiceType.LoadBalancer;
        var affinity = Or(spec.SessionAffinity, "None");
        var affinityConfig = spec.SessionAffinityConfig;
        if (affinity == "ClientIP" && affinityConfig?.ClientIP?.TimeoutSeconds is null)
        {
            // Three hours, Kubernetes' default stickiness.
            affinityConfig = (affinityConfig ?? new SessionAffinityConfig()) with
            {
                ClientIP = (affinityConfig?.ClientIP ?? new ClientIPConfig()) with { TimeoutSeconds = 10800 },
            };
        }
        var clusterIP = spec.ClusterIP;
        var clusterIPs = spec.ClusterIPs;
        IReadOnlyList<string>? families = spec.IpFamilies;
        var familyPolicy = spec.IpFamilyPolicy;
        if (type != ServiceType.ExternalName)
        {
            // clusterIP and clusterIPs[0] are one value; the allocator fills both when neither is given.
            if (!string.IsNullOrEmpty(clusterIP) && (clusterIPs is null || clusterIPs.Count == 0))
            {
                clusterIPs = [clusterIP];
            }
            else if (string.IsNullOrEmpty(clusterIP) && clusterIPs is { Count: > 0 })
            {
                clusterIP = clusterIPs[0];
            }
            // A single-stack IPv4 cluster. As in Kubernetes, a headless service without a selector asks for every family the
            // cluster has (RequireDualStack), since its endpoints may be of either; every other service gets one.
            var headlessWithoutSelector = clusterIP == "None" && (spec.Selector is null || spec.Selector.Count == 0);
            familyPolicy ??= headlessWithoutSelector ? "RequireDualStack" : "SingleStack";
            families = families is { Count: > 0 } ? families : ["IPv4"];
        }
        return svc with
        {
            Spec = spec with
            {
                Type = type,
                ClusterIP = clusterIP,
                ClusterIPs = clusterIPs,
                IpFamilies = families,
                IpFamilyPolicy = familyPolicy,
                SessionAffinity = affinity,
                SessionAffinityConfig = affinityConfig,
                Ports = spec.Ports?.Select(p => p with
                {
                    Protocol = Or(p.Protocol, Protocol.Tcp),
                    TargetPort = p.TargetPort is not { } t || (t.IsInt && t.IntValue == 0) || (t.IsString && t.StringValue.Length == 0)
                        ? IntOrString.FromInt(p.Port)
                        : t,
                }).ToList(),
                InternalTrafficPolicy = type == ServiceType.ExternalName ? spec.InternalTrafficPolicy : Or(spec.InternalTrafficPolicy, "Cluster"),
                ExternalTrafficPolicy = exposesNodePorts ? Or(spec.ExternalTrafficPolicy, "Cluster") : spec.ExternalTrafficPolicy,
                AllocateLoadBalancerNodePorts = type == ServiceType.LoadBalancer ? spec.AllocateLoadBalancerNodePorts ?? true : spec.AllocateLoadBalancerNodePorts,
            },
        };
    }

    private static Endpoints DefaultEndpoints(Endpoints ep) => ep with
    {
        Subsets = ep.Subsets?.Select(s => s with
        {
            Ports = s.Ports?.Select(p => p with { Protocol = Or(p.Protocol, Protocol.Tcp) }).ToList(),
        }).ToList(),
    };

    private static Node DefaultNode(Node node) =>
        node.Status is { Allocatable: null, Capacity: not null } status
            ? node with { Status = status with { Allocatable = status.Capacity } }
            : node;

    private static Namespace DefaultNamespace(Namespace ns)
    {
        var meta = ns.Metadata;
        // Kubernetes labels every namespace with its own name so namespaceSelectors can pick namespaces by name.
        if (!string.IsNullOrEmpty(meta.Name) && !(meta.Labels?.TryGetValue(WellKnownLabels.NamespaceName, out var v) == true && v == meta.Name))
        {
            meta = meta with
            {
                Labels = new Dictionary<string, string>(meta.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
                {
                    [WellKnownLabels.NamespaceName] = meta.Name,
                },
            };
        }
        var status = ns.Status ?? new NamespaceStatus();
        return ns with { Metadata = meta, Status = status with { Phase = Or(status.Phase, NamespacePhase.Active) } };
    }

    private static Secret DefaultSecret(Secret secret)
    {
        var type = Or(secret.Type, SecretType.Opaque);
        if (secret.StringData is null)
        {
            return secret with { Type = type };
        }
        var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        foreach (var (k, v) in secret.StringData)
        {
            data[k] = Encoding.UTF8.GetBytes(v ?? "");
        }
        return secret with { Type = type, Data = data, StringData = null };
    }

    private static HorizontalPodAutoscaler DefaultHpa(HorizontalPodAutoscaler hpa)
    {
        var spec = hpa.Spec ?? new HorizontalPodAutoscalerSpec();
        var metrics = spec.Metrics;
        if (metrics is null || metrics.Count == 0)
        {
            metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Resource,
                    Resource = new ResourceMetricSource
                    {
                        Name = ResourceName.Cpu,
                        Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = 80 },
                    },
                },
            ];
        }
        var behavior = spec.Behavior is { } b
            ? new HorizontalPodAutoscalerBehavior { ScaleUp = HpaBehaviorDefaults.ScaleUp(b.ScaleUp), ScaleDown = HpaBehaviorDefaults.ScaleDown(b.ScaleDown) }
            : null;
        return hpa with { Spec = spec with { MinReplicas = spec.MinReplicas ?? 1, Metrics = metrics, Behavior = behavior } };
    }

    private static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}

/// <summary>
/// Defaults that Kubernetes applies in admission plugins rather than in its SetDefaults functions, configured by API
/// server flags. Only DefaultTolerationSeconds has settings so far.
/// </summary>
public sealed record AdmissionDefaults
{
    /// <summary>Kubernetes' defaults: 300 s for both tolerations.</summary>
    public static readonly AdmissionDefaults Kubernetes = new();

    /// <summary><c>tolerationSeconds</c> of the <c>node.kubernetes.io/not-ready:NoExecute</c> toleration added to pods (<c>--default-not-ready-toleration-seconds</c>).</summary>
    public long NotReadyTolerationSeconds { get; init; } = Defaulter.DefaultTolerationSeconds;

    /// <summary><c>tolerationSeconds</c> of the <c>node.kubernetes.io/unreachable:NoExecute</c> toleration added to pods (<c>--default-unreachable-toleration-seconds</c>).</summary>
    public long UnreachableTolerationSeconds { get; init; } = Defaulter.DefaultTolerationSeconds;
}
