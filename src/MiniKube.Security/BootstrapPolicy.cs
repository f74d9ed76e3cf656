using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>
/// The ClusterRoles and ClusterRoleBindings every cluster starts with, under Kubernetes' names and with the
/// <c>kubernetes.io/bootstrapping: rbac-defaults</c> label. The API server creates the missing ones at start and leaves
/// existing ones alone. admin, edit and view carry their rules directly: MiniKube does not evaluate aggregationRule.
/// The scheduler's and controller-manager's rules are what those components of ours call (their informers, writes,
/// events and leader-election Leases), not Kubernetes' lists.
/// </summary>
public static class BootstrapPolicy
{
    public const string ClusterAdmin = "cluster-admin";
    public const string Admin = "admin";
    public const string Edit = "edit";
    public const string View = "view";
    public const string BasicUser = "system:basic-user";
    public const string Discovery = "system:discovery";
    public const string PublicInfoViewer = "system:public-info-viewer";
    public const string Scheduler = "system:kube-scheduler";
    public const string ControllerManager = "system:kube-controller-manager";
    public const string NodeProxier = "system:node-proxier";
    public const string NodeRole = "system:node";
    public const string AuthDelegator = "system:auth-delegator";
    public const string KubeletApiAdmin = "system:kubelet-api-admin";

    /// <summary>The web dashboard's user (its client certificate's CN in <c>minictl cluster up</c>) and its ClusterRole.</summary>
    public const string DashboardUser = "minikube-dashboard";

    /// <summary>
    /// Not Kubernetes': our proxy also serves cluster DNS and publishes the kube-system/kube-dns Service and its
    /// EndpointSlice (CoreDNS's manifests do that in Kubernetes), which system:node-proxier does not allow.
    /// </summary>
    public const string DnsPublisher = "minikube:kube-dns-publisher";

    public const string Masters = "system:masters";
    public const string NodesGroup = "system:nodes";
    public const string ProxyUser = "system:kube-proxy";

    /// <summary>The user the API server presents to kubelets (<c>--kubelet-client-certificate</c>), as kubeadm names it.</summary>
    public const string ApiServerKubeletClient = "kube-apiserver-kubelet-client";

    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] ReadWrite = [.. Read, .. Write];
    private static readonly string[] EventWrite = ["create", "patch", "update"];

    // What view reads in a namespace (no Secrets, as in Kubernetes).
    private static readonly PolicyRule[] ViewRules =
    [
        Rule(Read, [""], ["configmaps", "endpoints", "pods", "pods/log", "pods/status", "services", "services/status", "events", "namespaces", "namespaces/status",
            "bindings", "serviceaccounts"]),
        Rule(Read, ["apps"], ["deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale", "daemonsets",
            "daemonsets/status"]),
        Rule(Read, ["batch"], ["jobs", "jobs/status"]),
        Rule(Read, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        Rule(Read, ["autoscaling.k8s.io"], ["verticalpodautoscalers", "verticalpodautoscalers/status"]),
        Rule(Read, ["discovery.k8s.io"], ["endpointslices"]),
        Rule(Read, ["events.k8s.io"], ["events"]),
        Rule(["get", "list"], ["metrics.k8s.io"], ["pods"]),
    ];

    private static readonly PolicyRule[] EditRules =
    [
        .. ViewRules,
        Rule(Write, [""], ["configmaps", "endpoints", "pods", "services", "secrets", "serviceaccounts"]),
        Rule(["create"], [""], ["serviceaccounts/token"]),
        Rule(Read, [""], ["secrets"]),
        Rule(["create", "get"], [""], ["pods/exec", "pods/attach", "pods/portforward"]),
        Rule(["create"], [""], ["pods/eviction"]),
        Rule(["get", "patch", "update"], [""], ["pods/resize"]),
        Rule(Write, ["apps"], ["deployments", "deployments/scale", "replicasets", "replicasets/scale", "daemonsets"]),
        Rule(Write, ["batch"], ["jobs"]),
        Rule(Write, ["autoscaling"], ["horizontalpodautoscalers"]),
        Rule(Write, ["autoscaling.k8s.io"], ["verticalpodautoscalers"]),
        Rule(Write, ["discovery.k8s.io"], ["endpointslices"]),
        Rule(ReadWrite, ["coordination.k8s.io"], ["leases"]),
    ];

    private static readonly PolicyRule[] AdminRules =
    [
        .. EditRules,
        Rule(ReadWrite, [RbacGroup.Name], ["roles", "rolebindings"]),
        Rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    ];

    /// <summary>
    /// What a kubelet of ours calls, as Kubernetes' NodeRules: the Node authorizer allows these to every node (narrowing
    /// single pods, Secrets, ConfigMaps, claims and ServiceAccounts to its own pods' first), and they are the rules of the
    /// system:node ClusterRole, which, as in Kubernetes, no bootstrap binding grants. NodeRestriction admission then limits
    /// the writes to the node's own Node, Lease and pods.
    /// </summary>
    public static IReadOnlyList<PolicyRule> NodeRules { get; } =
    [
        Rule(["create", "get", "list", "watch", "delete", "patch", "update"], [""], ["nodes"]),
        Rule(["patch", "update"], [""], ["nodes/status"]),
        Rule(["get", "list", "watch", "create", "delete"], [""], ["pods"]),
        Rule(["patch", "update"], [""], ["pods/status"]),
        Rule(["create"], [""], ["pods/eviction"]),
        Rule(["get"], [""], ["configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"]),
        Rule(["create"], [""], ["serviceaccounts/token"]),
        Rule(Read, [""], ["services", "endpoints", "namespaces"]),
        Rule(Read, ["discovery.k8s.io"], ["endpointslices"]),
        Rule(EventWrite, ["", "events.k8s.io"], ["events"]),
        Rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
        Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
        Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
    ];

    public static IReadOnlyList<ClusterRole> ClusterRoles { get; } =
    [
        ClusterRoleOf(ClusterAdmin, Rule(["*"], ["*"], ["*"]), NonResource(["*"], ["*"])),
        ClusterRoleOf(Admin, AdminRules),
        ClusterRoleOf(Edit, EditRules),
        ClusterRoleOf(View, ViewRules),
        ClusterRoleOf(BasicUser, Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            Rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])),
        ClusterRoleOf(Discovery, NonResource(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])),
        ClusterRoleOf(PublicInfoViewer, NonResource(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])),
        ClusterRoleOf(Scheduler,
            Rule(Read, [""], ["nodes", "namespaces"]),
            Rule([.. Read, "delete"], [""], ["pods"]),
            Rule(["create"], [""], ["pods/binding", "bindings"]),
            Rule(["patch", "update"], [""], ["pods/status"]),
            Rule(EventWrite, ["", "events.k8s.io"], ["events"]),
            Rule(["create", "get", "list", "watch", "update"], ["coordination.k8s.io"], ["leases"])),
        // Our controller-manager runs every controller under one identity (Kubernetes gives each its own service
        // account), and the garbage collector and namespace controller read, patch and delete objects of every kind.
        ClusterRoleOf(ControllerManager,
            Rule(["get", "list", "watch", "patch", "update", "delete", "deletecollection"], ["*"], ["*"]),
            Rule(["create"], [""], ["pods", "pods/eviction", "endpoints", "events", "namespaces", "nodes", "serviceaccounts"]),
            Rule(["update", "patch"], [""], ["pods/status", "nodes/status", "namespaces/status", "namespaces/finalize", "services/status"]),
            Rule(["create"], ["apps"], ["deployments", "replicasets", "daemonsets"]),
            Rule(["update", "patch"], ["apps"], ["deployments/status", "replicasets/status", "daemonsets/status", "deployments/scale", "replicasets/scale"]),
            Rule(["create"], ["batch"], ["jobs"]),
            Rule(["update", "patch"], ["batch"], ["jobs/status"]),
            Rule(["create"], ["discovery.k8s.io"], ["endpointslices"]),
            Rule(["create"], ["coordination.k8s.io"], ["leases"]),
            Rule(["update", "patch"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
            Rule(["update", "patch"], ["autoscaling.k8s.io"], ["verticalpodautoscalers/status"]),
            Rule(EventWrite, ["events.k8s.io"], ["events"]),
            Rule(["get", "list"], ["metrics.k8s.io", "custom.metrics.k8s.io"], ["*"])),
        ClusterRoleOf(NodeProxier,
            Rule(["list", "watch"], [""], ["services", "endpoints"]),
            Rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
            Rule(Read, [""], ["nodes"]),
            Rule(EventWrite, ["", "events.k8s.io"], ["events"])),
        ClusterRoleOf(NodeRole, [.. NodeRules]),
        ClusterRoleOf(AuthDelegator,
            Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"])),
        ClusterRoleOf(KubeletApiAdmin,
            Rule(Read, [""], ["nodes"]),
            Rule(["proxy"], [""], ["nodes"]),
            Rule(["*"], [""], ["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"])),
        ClusterRoleOf(DnsPublisher,
            Rule(["get", "create"], [""], ["services"]),
            Rule(["get", "create", "update"], ["discovery.k8s.io"], ["endpointslices"])),
        // Not Kubernetes': the dashboard shows what it lists and watches, and its buttons delete, cordon (patch nodes) and
        // edit (update) objects, and its shell tab execs into pods. No Secrets and no RBAC objects.
        ClusterRoleOf(DashboardUser,
            Rule([.. Read, "delete", "patch", "update"], [""], ["nodes", "namespaces", "pods", "services", "endpoints", "configmaps", "events"]),
            Rule(["get"], [""], ["pods/log"]),
            // The pod page's shell tab.
            Rule(["create", "get"], [""], ["pods/exec"]),
            Rule([.. Read, "delete", "patch", "update"], ["apps"], ["deployments", "replicasets", "daemonsets"]),
            Rule([.. Read, "delete", "patch", "update"], ["batch"], ["jobs"]),
            Rule([.. Read, "delete", "patch", "update"], ["autoscaling"], ["horizontalpodautoscalers"]),
            Rule([.. Read, "delete", "patch", "update"], ["autoscaling.k8s.io"], ["verticalpodautoscalers"]),
            Rule([.. Read, "delete", "patch", "update"], ["discovery.k8s.io"], ["endpointslices"]),
            Rule(["get", "list"], ["metrics.k8s.io"], ["pods", "nodes"])),
    ];

    public static IReadOnlyList<ClusterRoleBinding> ClusterRoleBindings { get; } =
    [
        BindingOf(ClusterAdmin, ClusterAdmin, Group(Masters)),
        BindingOf(Scheduler, Scheduler, User(Scheduler)),
        BindingOf(ControllerManager, ControllerManager, User(ControllerManager)),
        BindingOf(NodeProxier, NodeProxier, User(ProxyUser)),
        BindingOf(KubeletApiAdmin, KubeletApiAdmin, User(ApiServerKubeletClient)),
        BindingOf(DashboardUser, DashboardUser, User(DashboardUser)),
        BindingOf(DnsPublisher, DnsPublisher, User(ProxyUser)),
        BindingOf(BasicUser, BasicUser, Group(UserInfo.AllAuthenticated)),
        BindingOf(Discovery, Discovery, Group(UserInfo.AllAuthenticated)),
        BindingOf(PublicInfoViewer, PublicInfoViewer, Group(UserInfo.AllAuthenticated), Group(UserInfo.AllUnauthenticated)),
    ];

    private static IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" };

    private static PolicyRule Rule(string[] verbs, string[] groups, string[] resources) => new() { Verbs = verbs, ApiGroups = groups, Resources = resources };

    private static PolicyRule NonResource(string[] verbs, string[] urls) => new() { Verbs = verbs, NonResourceURLs = urls };

    private static ClusterRole ClusterRoleOf(string name, params PolicyRule[] rules) =>
        new() { Metadata = new ObjectMeta { Name = name, Labels = Labels }, Rules = rules };

    private static ClusterRoleBinding BindingOf(string name, string role, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = Labels },
        RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = role },
        Subjects = subjects,
    };

    private static Subject User(string name) => new() { Kind = RbacGroup.UserKind, ApiGroup = RbacGroup.Name, Name = name };

    private static Subject Group(string name) => new() { Kind = RbacGroup.GroupKind, ApiGroup = RbacGroup.Name, Name = name };
}
