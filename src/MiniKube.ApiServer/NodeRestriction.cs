using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' NodeRestriction admission plugin, on whenever <c>Node</c> is an authorization mode: the Node authorizer lets
/// every kubelet write nodes, pods and leases; this limits each one to its own Node (and not its taints nor labels under
/// <c>node-restriction.kubernetes.io/</c>), the status and deletion of pods bound to it, mirror pods of itself, and its own
/// Lease in kube-node-lease. Other users pass untouched. Denials are 403 Forbidden in Kubernetes' words.
/// </summary>
internal sealed class NodeRestriction(Authorization.ApiAuthorization authorization)
{
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";

    private const string RestrictedLabelDomain = "node-restriction.kubernetes.io";

    public bool Enabled => authorization.UsesNode;

    /// <summary>The node a write comes from, or null when the plugin is off or the caller is not a node.</summary>
    public string? NodeOf(HttpContext? http) =>
        Enabled && http is not null && RequestUser.Get(http) is { } user ? NodeIdentity.NodeName(user) : null;

    public void AdmitCreate(HttpContext? http, ResourceInfo resource, KubeObject obj)
    {
        if (NodeOf(http) is not { } node)
        {
            return;
        }
        var name = obj.Metadata.Name ?? "";
        switch (obj)
        {
            case Pod pod:
                AdmitPodCreate(node, resource, pod);
                break;
            case Node:
                RequireOwnNode(node, resource, name);
                if (ForbiddenLabels(obj.Metadata.Labels, null) is { Count: > 0 } labels)
                {
                    throw ApiException.Forbidden(resource, name, $"node \"{node}\" is not allowed to set the following labels: {string.Join(", ", labels)}");
                }
                break;
            case Lease lease:
                AdmitLease(node, resource, lease.Metadata.Namespace, name, checkName: true);
                break;
        }
    }

    /// <summary>An update of the object (<paramref name="statusOnly"/> for the status subresource), with the stored version.</summary>
    public void AdmitUpdate(HttpContext? http, ResourceInfo resource, KubeObject old, KubeObject next, bool statusOnly)
    {
        if (NodeOf(http) is not { } node)
        {
            return;
        }
        var name = old.Metadata.Name ?? "";
        switch (old)
        {
            case Pod pod when statusOnly:
                if (pod.Spec?.NodeName != node)
                {
                    throw ApiException.Forbidden(resource, name, $"node \"{node}\" can only update pod status for pods with spec.nodeName set to itself");
                }
                break;
            case Pod:
                throw ApiException.Forbidden(resource, name, $"unexpected operation \"UPDATE\", node \"{node}\" can only create and delete mirror pods");
            case Node oldNode:
                RequireOwnNode(node, resource, name);
                if (!statusOnly && next is Node newNode)
                {
                    if (!(oldNode.Spec?.Taints ?? []).SequenceEqual(newNode.Spec?.Taints ?? []))
                    {
                        throw ApiException.Forbidden(resource, name, $"node \"{node}\" is not allowed to modify taints");
                    }
                    if (ForbiddenLabels(newNode.Metadata.Labels, oldNode.Metadata.Labels) is { Count: > 0 } labels)
                    {
                        throw ApiException.Forbidden(resource, name, $"is not allowed to modify labels: {string.Join(", ", labels)}");
                    }
                }
                break;
            case Lease:
                AdmitLease(node, resource, old.Metadata.Namespace, name, checkName: true);
                break;
        }
    }

    public void AdmitDelete(HttpContext? http, ResourceInfo resource, KubeObject current)
    {
        if (NodeOf(http) is not { } node)
        {
            return;
        }
        var name = current.Metadata.Name ?? "";
        switch (current)
        {
            case Pod pod when pod.Spec?.NodeName != node:
                throw ApiException.Forbidden(resource, name, $"node \"{node}\" can only delete pods with spec.nodeName set to itself");
            case Node:
                RequireOwnNode(node, resource, name);
                break;
            case Lease:
                // As Kubernetes: a delete carries no object, so only the namespace is checked.
                AdmitLease(node, resource, current.Metadata.Namespace, name, checkName: false);
                break;
        }
    }

    private static void AdmitPodCreate(string node, ResourceInfo resource, Pod pod)
    {
        var name = pod.Metadata.Name ?? "";
        if (pod.Metadata.Annotations?.ContainsKey(MirrorPodAnnotation) != true)
        {
            throw ApiException.Forbidden(resource, name, $"pod does not have \"{MirrorPodAnnotation}\" annotation, node \"{node}\" can only create mirror pods");
        }
        if (pod.Spec?.NodeName != node)
        {
            throw ApiException.Forbidden(resource, name, $"node \"{node}\" can only create pods with spec.nodeName set to itself");
        }
        var owners = pod.Metadata.OwnerReferences ?? [];
        if (owners.Count > 1)
        {
            throw ApiException.Forbidden(resource, name, $"node \"{node}\" can only create pods with a single owner reference set to itself");
        }
        if (owners is [var owner] && (owner.Kind != "Node" || owner.Name != node))
        {
            throw ApiException.Forbidden(resource, name, $"node \"{node}\" can only create pods with an owner reference set to itself");
        }
        // A mirror pod references nothing: the kubelet must not be able to reach objects through pods it makes up.
        var references = NodeGraph.References(pod);
        foreach (var (kind, words) in new[]
                 {
                     ("serviceaccounts", "a service account"), ("secrets", "secrets"), ("configmaps", "configmaps"),
                     ("persistentvolumeclaims", "persistentvolumeclaims"),
                 })
        {
            if (references.Any(r => r.Resource == kind))
            {
                throw ApiException.Forbidden(resource, name, $"node \"{node}\" can not create pods that reference {words}");
            }
        }
    }

    private static void RequireOwnNode(string node, ResourceInfo resource, string name)
    {
        if (name != node)
        {
            throw ApiException.Forbidden(resource, name, $"node \"{node}\" is not allowed to modify node \"{name}\"");
        }
    }

    private static void AdmitLease(string node, ResourceInfo resource, string? ns, string name, bool checkName)
    {
        if (ns != WellKnownNamespaces.NodeLease)
        {
            throw ApiException.Forbidden(resource, name, $"can only access leases in the \"{WellKnownNamespaces.NodeLease}\" system namespace");
        }
        if (checkName && name != node)
        {
            throw ApiException.Forbidden(resource, name, "can only access node lease with the same name as the requesting node");
        }
    }

    /// <summary>Labels added, changed or removed under node-restriction.kubernetes.io (a node's own labels must not steer workloads to it).</summary>
    private static List<string> ForbiddenLabels(IReadOnlyDictionary<string, string>? next, IReadOnlyDictionary<string, string>? old)
    {
        next ??= new Dictionary<string, string>();
        old ??= new Dictionary<string, string>();
        return next.Keys.Concat(old.Keys).Distinct()
            .Where(key => next.GetValueOrDefault(key) != old.GetValueOrDefault(key) || next.ContainsKey(key) != old.ContainsKey(key))
            .Where(IsRestricted)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool IsRestricted(string key)
    {
        var slash = key.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        var domain = key[..slash];
        return domain == RestrictedLabelDomain || domain.EndsWith("." + RestrictedLabelDomain, StringComparison.Ordinal);
    }
}
