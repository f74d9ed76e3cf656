namespace MiniKube.Api;

// Names Kubernetes gives meaning to, each written once for every component.

/// <summary>Labels Kubernetes defines: node topology, namespaces, endpoint slices, jobs.</summary>
public static class WellKnownLabels
{
    public const string Hostname = "kubernetes.io/hostname";
    public const string Os = "kubernetes.io/os";
    public const string Arch = "kubernetes.io/arch";
    public const string BetaOs = "beta.kubernetes.io/os";
    public const string BetaArch = "beta.kubernetes.io/arch";
    public const string Zone = "topology.kubernetes.io/zone";
    public const string Region = "topology.kubernetes.io/region";

    /// <summary>Set on every namespace to its own name.</summary>
    public const string NamespaceName = "kubernetes.io/metadata.name";

    /// <summary>On every EndpointSlice: the Service it belongs to.</summary>
    public const string ServiceName = "kubernetes.io/service-name";

    /// <summary>On every EndpointSlice: who manages it; slices with another value (or none) are left alone.</summary>
    public const string EndpointSliceManagedBy = "endpointslice.kubernetes.io/managed-by";

    /// <summary>Set (empty) on the slices and Endpoints of a headless Service.</summary>
    public const string Headless = "service.kubernetes.io/headless";

    public const string JobControllerUid = "batch.kubernetes.io/controller-uid";
    public const string JobName = "batch.kubernetes.io/job-name";
    public const string LegacyJobControllerUid = "controller-uid";
    public const string LegacyJobName = "job-name";
}

/// <summary>Annotations Kubernetes and kubectl define.</summary>
public static class WellKnownAnnotations
{
    /// <summary>What <c>kubectl apply</c> last applied; a Deployment's is not copied to its ReplicaSets.</summary>
    public const string LastAppliedConfiguration = "kubectl.kubernetes.io/last-applied-configuration";
}

/// <summary>Taints the node lifecycle controller and the scheduler use.</summary>
public static class WellKnownTaints
{
    public const string NodeNotReady = "node.kubernetes.io/not-ready";
    public const string NodeUnreachable = "node.kubernetes.io/unreachable";
    public const string NodeUnschedulable = "node.kubernetes.io/unschedulable";
}

/// <summary>Namespaces every cluster has.</summary>
public static class WellKnownNamespaces
{
    public const string Default = "default";
    public const string KubeSystem = "kube-system";
    public const string KubePublic = "kube-public";

    /// <summary>Where kubelets renew their node Leases.</summary>
    public const string NodeLease = "kube-node-lease";
}

/// <summary>The cluster DNS every Kubernetes cluster has: the <c>kube-system/kube-dns</c> Service and its default ClusterIP and domain.</summary>
public static class WellKnownDns
{
    public const string ServiceNamespace = WellKnownNamespaces.KubeSystem;
    public const string ServiceName = "kube-dns";

    /// <summary>The kube-dns ClusterIP by default (the tenth address of the default service CIDR 10.96.0.0/16).</summary>
    public const string ClusterIP = "10.96.0.10";

    /// <summary>The cluster domain by default (<c>--cluster-domain</c>).</summary>
    public const string ClusterDomain = "cluster.local";
}

/// <summary>Finalizers the API server, the garbage collector and the namespace controller act on.</summary>
public static class Finalizers
{
    public const string ForegroundDeletion = "foregroundDeletion";
    public const string Orphan = "orphan";

    /// <summary>The namespace finalizer (in <c>spec.finalizers</c>) the namespace controller removes when the namespace is empty.</summary>
    public const string Kubernetes = "kubernetes";
}

/// <summary><c>propagationPolicy</c> of a delete: what happens to the object's dependents.</summary>
public static class PropagationPolicy
{
    public const string Orphan = "Orphan";
    public const string Background = "Background";
    public const string Foreground = "Foreground";
}
