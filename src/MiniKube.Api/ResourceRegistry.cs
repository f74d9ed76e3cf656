namespace MiniKube.Api;

/// <summary>Every resource type MiniKube serves, with Kubernetes' names, scopes and field-selector fields.</summary>
public static class ResourceRegistry
{
    public static IReadOnlyList<ResourceInfo> All { get; } =
    [
        Core<Pod>("pods", "pod", ["po"], namespaced: true, hasStatus: true) with { Fields = PodFields },
        Core<Node>("nodes", "node", ["no"], namespaced: false, hasStatus: true) with { Fields = NodeFields },
        Core<Service>("services", "service", ["svc"], namespaced: true, hasStatus: true),
        Core<Endpoints>("endpoints", "endpoints", ["ep"], namespaced: true, hasStatus: false),
        Core<Namespace>("namespaces", "namespace", ["ns"], namespaced: false, hasStatus: true) with { Fields = NamespaceFields },
        Core<Event>("events", "event", ["ev"], namespaced: true, hasStatus: false) with { Fields = EventFields },
        Core<ConfigMap>("configmaps", "configmap", ["cm"], namespaced: true, hasStatus: false),
        Core<Secret>("secrets", "secret", [], namespaced: true, hasStatus: false) with { Fields = SecretFields },
        Core<ServiceAccount>("serviceaccounts", "serviceaccount", ["sa"], namespaced: true, hasStatus: false),
        new("apps", "v1", "Deployment", "deployments", "deployment", ["deploy"], true, typeof(Deployment), true),
        new("apps", "v1", "ReplicaSet", "replicasets", "replicaset", ["rs"], true, typeof(ReplicaSet), true),
        new("apps", "v1", "DaemonSet", "daemonsets", "daemonset", ["ds"], true, typeof(DaemonSet), true),
        new("batch", "v1", "Job", "jobs", "job", [], true, typeof(Job), true),
        new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", [], true, typeof(EndpointSlice), false),
        new("coordination.k8s.io", "v1", "Lease", "leases", "lease", [], true, typeof(Lease), false),
        new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", ["hpa"], true,
            typeof(HorizontalPodAutoscaler), true),
        new("autoscaling.k8s.io", "v1", "VerticalPodAutoscaler", "verticalpodautoscalers", "verticalpodautoscaler", ["vpa"], true,
            typeof(VerticalPodAutoscaler), true),
        new(RbacGroup.Name, "v1", "Role", "roles", "role", [], true, typeof(Role), false),
        new(RbacGroup.Name, "v1", "ClusterRole", "clusterroles", "clusterrole", [], false, typeof(ClusterRole), false),
        new(RbacGroup.Name, "v1", "RoleBinding", "rolebindings", "rolebinding", [], true, typeof(RoleBinding), false),
        new(RbacGroup.Name, "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", [], false, typeof(ClusterRoleBinding), false),
        // Served by the resource metrics pipeline, not stored: found as pods.metrics.k8s.io / nodes.metrics.k8s.io.
        new ResourceInfo("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", "", [], true, typeof(PodMetrics), false) { Stored = false },
        new ResourceInfo("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", "", [], false, typeof(NodeMetrics), false) { Stored = false },
    ];

    /// <summary>The kinds kept in etcd (every kind but the served-only metrics).</summary>
    public static IReadOnlyList<ResourceInfo> Stored { get; } = [.. All.Where(r => r.Stored)];

    // Lookups run on every request; dictionaries avoid scanning the list each time.
    private static readonly Dictionary<string, ResourceInfo> ByPluralIndex = BuildPluralIndex();
    private static readonly Dictionary<Type, ResourceInfo> ByTypeIndex = All.ToDictionary(r => r.Type);
    private static readonly Dictionary<(string ApiVersion, string Kind), ResourceInfo> ByKindIndex =
        All.ToDictionary(r => (r.ApiVersion, r.Kind));
    private static readonly Dictionary<string, ResourceInfo> ByAnyNameIndex = BuildNameIndex();

    /// <summary>By plural resource name ("pods"), or plural.group ("pods.metrics.k8s.io", "deployments.apps").</summary>
    public static ResourceInfo? ByPlural(string plural) => ByPluralIndex.GetValueOrDefault(plural);

    /// <summary>By apiVersion and kind ("apps/v1", "Deployment"); apiVersion may be null to match any group.</summary>
    public static ResourceInfo? ByKind(string? apiVersion, string kind) => apiVersion is null
        ? All.FirstOrDefault(r => r.Kind == kind)
        : ByKindIndex.GetValueOrDefault((apiVersion, kind));

    public static ResourceInfo ByType(Type type) =>
        ByTypeIndex.GetValueOrDefault(type) ?? throw new ArgumentException($"{type.Name} is not a registered resource type", nameof(type));

    public static ResourceInfo For<T>() where T : KubeObject => ByType(typeof(T));

    /// <summary>What a user may type: plural, singular, short name or kind, any case ("po", "Pod", "pods").</summary>
    public static ResourceInfo? Resolve(string name) => ByAnyNameIndex.GetValueOrDefault(name);

    private static Dictionary<string, ResourceInfo> BuildPluralIndex()
    {
        // A bare plural names the stored kind ("pods" is core pods, not pods.metrics.k8s.io).
        var index = Stored.ToDictionary(r => r.Plural, StringComparer.Ordinal);
        foreach (var r in All)
        {
            index.TryAdd(r.QualifiedPlural, r);
        }
        return index;
    }

    private static Dictionary<string, ResourceInfo> BuildNameIndex()
    {
        var index = new Dictionary<string, ResourceInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in All.Where(r => !r.Stored))
        {
            index[r.QualifiedPlural] = r;
            index[r.Kind] = r;
        }
        foreach (var r in Stored)
        {
            foreach (var name in r.ShortNames.Append(r.Kind).Append(r.Singular).Append(r.Plural))
            {
                index[name] = r;
            }
        }
        return index;
    }

    private static ResourceInfo Core<T>(string plural, string singular, IReadOnlyList<string> shortNames, bool namespaced, bool hasStatus)
        where T : KubeObject =>
        new("", "v1", typeof(T).Name, plural, singular, shortNames, namespaced, typeof(T), hasStatus);

    private static Dictionary<string, string> Base(KubeObject obj) => new(StringComparer.Ordinal)
    {
        ["metadata.name"] = obj.Metadata.Name ?? "",
        ["metadata.namespace"] = obj.Metadata.Namespace ?? "",
    };

    private static IReadOnlyDictionary<string, string> PodFields(KubeObject obj)
    {
        var fields = Base(obj);
        var pod = (Pod)obj;
        fields["spec.nodeName"] = pod.Spec?.NodeName ?? "";
        fields["spec.restartPolicy"] = pod.Spec?.RestartPolicy ?? "";
        fields["spec.schedulerName"] = pod.Spec?.SchedulerName ?? "";
        fields["spec.serviceAccountName"] = pod.Spec?.ServiceAccountName ?? "";
        fields["status.phase"] = pod.Status?.Phase ?? "";
        fields["status.podIP"] = pod.Status?.PodIP ?? "";
        fields["status.nominatedNodeName"] = pod.Status?.NominatedNodeName ?? "";
        return fields;
    }

    private static IReadOnlyDictionary<string, string> NodeFields(KubeObject obj)
    {
        var fields = Base(obj);
        // Kubernetes renders the bool with Go's formatting, so an unset flag reads "false".
        fields["spec.unschedulable"] = ((Node)obj).Spec?.Unschedulable == true ? "true" : "false";
        return fields;
    }

    private static IReadOnlyDictionary<string, string> NamespaceFields(KubeObject obj)
    {
        var fields = Base(obj);
        fields["status.phase"] = ((Namespace)obj).Status?.Phase ?? "";
        return fields;
    }

    private static IReadOnlyDictionary<string, string> SecretFields(KubeObject obj)
    {
        var fields = Base(obj);
        fields["type"] = ((Secret)obj).Type ?? "";
        return fields;
    }

    private static IReadOnlyDictionary<string, string> EventFields(KubeObject obj)
    {
        var fields = Base(obj);
        var ev = (Event)obj;
        fields["involvedObject.kind"] = ev.InvolvedObject.Kind ?? "";
        fields["involvedObject.namespace"] = ev.InvolvedObject.Namespace ?? "";
        fields["involvedObject.name"] = ev.InvolvedObject.Name ?? "";
        fields["involvedObject.uid"] = ev.InvolvedObject.Uid ?? "";
        fields["involvedObject.apiVersion"] = ev.InvolvedObject.ApiVersion ?? "";
        fields["involvedObject.resourceVersion"] = ev.InvolvedObject.ResourceVersion ?? "";
        fields["involvedObject.fieldPath"] = ev.InvolvedObject.FieldPath ?? "";
        fields["reason"] = ev.Reason ?? "";
        fields["reportingComponent"] = ev.ReportingComponent ?? "";
        fields["source"] = ev.Source?.Component ?? "";
        fields["type"] = ev.Type ?? "";
        return fields;
    }
}
