using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>
/// Kubernetes' Node authorizer (<c>--authorization-mode Node</c>): for kubelets (<see cref="NodeIdentity"/>) it allows
/// the node rules (<see cref="BootstrapPolicy.NodeRules"/>: nodes, pods, leases, events, services …) and narrows the
/// objects a node may read to its own: its own Node object only; pods in a list or watch only with the field selector
/// <c>spec.nodeName=&lt;node&gt;</c>, and a single pod only when the <see cref="NodeGraph"/> binds it there; a Secret,
/// ConfigMap, PersistentVolumeClaim or ServiceAccount (and a ServiceAccount token) only when a pod bound to it references
/// one. Anything else, and every other user, is "no opinion", so RBAC decides next.
/// What a node may write to those objects (its own Node, its pods' status, mirror pods, its Lease) is NodeRestriction's
/// part, at admission.
/// </summary>
public sealed class NodeAuthorizer(NodeGraph graph) : IAuthorizer
{
    public const string ModeName = "Node";

    private static readonly HashSet<string> GraphResources = ["secrets", "configmaps", "persistentvolumeclaims", "serviceaccounts"];

    public ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Decide(request));

    public (AuthorizationDecision Decision, string Reason) Decide(RequestAttributes request)
    {
        if (NodeIdentity.NodeName(request.User) is not { } node)
        {
            return (AuthorizationDecision.NoOpinion, "");
        }
        if (node.Length == 0)
        {
            return (AuthorizationDecision.NoOpinion, "unknown node for user \"" + request.User.Name + "\"");
        }
        if (request.IsResourceRequest && request.ApiGroup.Length == 0)
        {
            if (GraphResources.Contains(request.Resource))
            {
                return AuthorizeReference(node, request);
            }
            if (request.Resource == "pods" && request.Subresource.Length == 0 && request.Verb is "get" or "list" or "watch")
            {
                return AuthorizePodRead(node, request);
            }
            if (request.Resource == "nodes" && request.Subresource.Length == 0 && request.Verb is "get" or "list" or "watch")
            {
                return AuthorizeNodeRead(node, request);
            }
        }
        return BootstrapPolicy.NodeRules.Any(rule => RbacRules.Allows(rule, request))
            ? (AuthorizationDecision.Allow, "")
            : (AuthorizationDecision.NoOpinion, "");
    }

    private (AuthorizationDecision, string) AuthorizeReference(string node, RequestAttributes request)
    {
        if (request.Resource == "serviceaccounts" && request.Subresource == "token")
        {
            return request.Verb == "create"
                ? Related(graph.Related(node, request.Resource, request.Namespace, request.Name), node)
                : (AuthorizationDecision.NoOpinion, "can only create tokens for individual service accounts");
        }
        if (request.Subresource.Length > 0)
        {
            return (AuthorizationDecision.NoOpinion, "cannot get subresource");
        }
        if (request.Verb is not ("get" or "list" or "watch"))
        {
            return (AuthorizationDecision.NoOpinion, "can only read resources of this type");
        }
        if (request.Name.Length == 0)
        {
            // A list or watch of all of them: Kubernetes allows only one named object (fieldSelector metadata.name).
            return (AuthorizationDecision.NoOpinion, "can only read individual resources of this type");
        }
        return Related(graph.Related(node, request.Resource, request.Namespace, request.Name), node);
    }

    // As Kubernetes since 1.32 (KEP-4601, AuthorizeNodeWithSelectors): a node lists and watches only the pods bound to it,
    // which it says with the field selector spec.nodeName=<node>, and reads one pod only when the graph binds it there.
    private (AuthorizationDecision, string) AuthorizePodRead(string node, RequestAttributes request)
    {
        if (request.Verb != "get" && SelectsNode(request.FieldSelector, node))
        {
            return (AuthorizationDecision.Allow, "");
        }
        if (request.Name.Length > 0)
        {
            return Related(graph.PodBoundTo(node, request.Namespace, request.Name), node);
        }
        return (AuthorizationDecision.NoOpinion, "can only list/watch pods with spec.nodeName field selector");
    }

    // And it reads only its own Node object (a get by name, or a list or watch of metadata.name=<node>).
    private static (AuthorizationDecision, string) AuthorizeNodeRead(string node, RequestAttributes request)
    {
        if (request.Name == node)
        {
            return (AuthorizationDecision.Allow, "");
        }
        return request.Name.Length == 0
            ? (AuthorizationDecision.NoOpinion, $"node '{node}' cannot read all nodes, only its own Node object")
            : (AuthorizationDecision.NoOpinion, $"node '{node}' cannot read '{request.Name}', only its own Node object");
    }

    private static bool SelectsNode(string fieldSelector, string node) =>
        FieldSelector.TryParse(fieldSelector, out var selector, out _)
        && selector.Requirements.Any(r => r is { Field: "spec.nodeName", Operator: SelectorOperator.Equal } && r.Value == node);

    private static (AuthorizationDecision, string) Related(bool related, string node) => related
        ? (AuthorizationDecision.Allow, "")
        : (AuthorizationDecision.NoOpinion, $"no relationship found between node '{node}' and this object");
}
