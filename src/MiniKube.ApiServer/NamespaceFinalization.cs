using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' namespace lifecycle on the server side: a namespace is created with the <c>kubernetes</c> finalizer in
/// <c>spec.finalizers</c>; deleting it only marks it (deletionTimestamp, phase Terminating) until the namespace
/// controller has emptied it and removed that finalizer.
/// </summary>
internal static class NamespaceFinalization
{

    /// <summary>On create: adds the <c>kubernetes</c> finalizer to a namespace.</summary>
    public static KubeObject OnCreate(KubeObject obj)
    {
        if (obj is not Namespace ns || ns.Spec?.Finalizers?.Contains(Finalizers.Kubernetes) == true)
        {
            return obj;
        }
        return ns with { Spec = (ns.Spec ?? new NamespaceSpec()) with { Finalizers = [.. ns.Spec?.Finalizers ?? [], Finalizers.Kubernetes] } };
    }

    /// <summary>Whether spec.finalizers still hold the object (namespaces only).</summary>
    public static bool HeldBySpec(KubeObject obj) => obj is Namespace { Spec.Finalizers.Count: > 0 };

    /// <summary>A namespace marked for deletion shows phase Terminating.</summary>
    public static KubeObject OnDeleteMarked(KubeObject obj) =>
        obj is Namespace ns ? ns with { Status = (ns.Status ?? new NamespaceStatus()) with { Phase = NamespacePhase.Terminating } } : obj;
}
