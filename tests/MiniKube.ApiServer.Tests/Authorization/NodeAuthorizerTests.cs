using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests.Authorization;

public sealed class NodeAuthorizerTests
{
    private static readonly UserInfo N1 = new("system:node:n1", ["system:nodes", UserInfo.AllAuthenticated]);
    private static readonly UserInfo N2 = new("system:node:n2", ["system:nodes", UserInfo.AllAuthenticated]);

    private static Pod PodOn(string node, string name, PodSpec? spec = null) => new()
    {
        Metadata = new ObjectMeta { Namespace = "default", Name = name },
        Spec = (spec ?? new PodSpec { Containers = [new Container { Name = "c", Image = "busybox" }] }) with { NodeName = node },
    };

    private static PodSpec Using(string secret, string configMap, string envSecret, string claim, string account) => new()
    {
        ServiceAccountName = account,
        Volumes =
        [
            new Volume { Name = "s", Secret = new SecretVolumeSource { SecretName = secret } },
            new Volume { Name = "c", ConfigMap = new ConfigMapVolumeSource { Name = configMap } },
            new Volume { Name = "p", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = claim } },
        ],
        Containers =
        [
            new Container
            {
                Name = "c",
                Image = "busybox",
                Env = [new EnvVar { Name = "X", ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = envSecret, Key = "k" } } }],
            },
        ],
    };

    private static AuthorizationDecision Decide(NodeAuthorizer authorizer, UserInfo user, string verb, string resource, string name, string subresource = "",
        string ns = "default", string group = "") =>
        authorizer.Decide(new RequestAttributes(user, verb, group, resource, subresource, ns, name)).Decision;

    [Fact]
    public void Node_identity_needs_the_name_prefix_and_the_nodes_group()
    {
        Assert.Equal("n1", NodeIdentity.NodeName(N1));
        Assert.Null(NodeIdentity.NodeName(new UserInfo("system:node:n1", [UserInfo.AllAuthenticated])));
        Assert.Null(NodeIdentity.NodeName(new UserInfo("jane", ["system:nodes"])));
        Assert.Equal("", NodeIdentity.NodeName(new UserInfo("system:node:", ["system:nodes"])));
    }

    [Fact]
    public void The_graph_relates_every_reference_of_a_bound_pod_to_its_node_only()
    {
        var graph = new NodeGraph();
        graph.Upsert(PodOn("n1", "web", Using("tls", "conf", "db-password", "data", "robot")));

        Assert.True(graph.Related("n1", "secrets", "default", "tls"));
        Assert.True(graph.Related("n1", "secrets", "default", "db-password"));
        Assert.True(graph.Related("n1", "configmaps", "default", "conf"));
        Assert.True(graph.Related("n1", "persistentvolumeclaims", "default", "data"));
        Assert.True(graph.Related("n1", "serviceaccounts", "default", "robot"));
        Assert.False(graph.Related("n2", "secrets", "default", "tls"));
        Assert.False(graph.Related("n1", "secrets", "other", "tls"));
        Assert.False(graph.Related("n1", "configmaps", "default", "tls"));
        Assert.True(graph.PodBoundTo("n1", "default", "web"));
        Assert.False(graph.PodBoundTo("n2", "default", "web"));
    }

    [Fact]
    public void References_are_counted_so_one_pod_leaving_keeps_what_another_still_uses()
    {
        var graph = new NodeGraph();
        graph.Upsert(PodOn("n1", "a", Using("shared", "ca", "ea", "pa", "sa")));
        graph.Upsert(PodOn("n1", "b", Using("shared", "cb", "eb", "pb", "sb")));

        graph.Remove("default", "a");
        Assert.True(graph.Related("n1", "secrets", "default", "shared"));
        Assert.False(graph.Related("n1", "configmaps", "default", "ca"));

        // Moving (re-binding) a pod moves its references with it.
        graph.Upsert(PodOn("n2", "b", Using("shared", "cb", "eb", "pb", "sb")));
        Assert.False(graph.Related("n1", "secrets", "default", "shared"));
        Assert.True(graph.Related("n2", "secrets", "default", "shared"));
        Assert.Equal(1, graph.PodCount);

        graph.Clear();
        Assert.False(graph.Related("n2", "secrets", "default", "shared"));
    }

    [Fact]
    public void An_unbound_pod_relates_to_no_node()
    {
        var graph = new NodeGraph();
        graph.Upsert(PodOn("", "pending", Using("s", "c", "e", "p", "a")));
        Assert.False(graph.Related("", "secrets", "default", "s"));
        Assert.False(graph.PodBoundTo("", "default", "pending"));
    }

    [Fact]
    public void A_node_reads_its_own_pods_and_their_secrets_but_not_other_nodes()
    {
        var graph = new NodeGraph();
        graph.Upsert(PodOn("n1", "web", Using("tls", "conf", "env", "data", "robot")));
        graph.Upsert(PodOn("n2", "db", Using("db-tls", "db-conf", "db-env", "db-data", "db-robot")));
        var node = new NodeAuthorizer(graph);

        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "get", "pods", "web"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "get", "pods", "db"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "list", "pods", ""));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "get", "secrets", "tls"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "get", "secrets", "db-tls"));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N2, "get", "secrets", "db-tls"));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "watch", "configmaps", "conf"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "list", "secrets", ""));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "update", "secrets", "tls"));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "create", "serviceaccounts", "robot", "token"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "create", "serviceaccounts", "db-robot", "token"));

        var (_, reason) = node.Decide(new RequestAttributes(N1, "get", "", "secrets", "", "default", "db-tls"));
        Assert.Equal("no relationship found between node 'n1' and this object", reason);
    }

    [Theory]
    [InlineData("list", "spec.nodeName=n1", AuthorizationDecision.Allow)]
    [InlineData("watch", "spec.nodeName==n1", AuthorizationDecision.Allow)]
    [InlineData("watch", "status.phase!=Failed,spec.nodeName=n1", AuthorizationDecision.Allow)]
    [InlineData("list", "spec.nodeName=n2", AuthorizationDecision.NoOpinion)]
    [InlineData("list", "spec.nodeName!=n1", AuthorizationDecision.NoOpinion)]
    [InlineData("list", "status.phase=Running", AuthorizationDecision.NoOpinion)]
    [InlineData("list", "spec.nodeName", AuthorizationDecision.NoOpinion)]
    [InlineData("list", "", AuthorizationDecision.NoOpinion)]
    public void A_node_lists_and_watches_pods_only_with_its_own_spec_nodeName_selector(string verb, string selector, AuthorizationDecision expected)
    {
        var node = new NodeAuthorizer(new NodeGraph());
        var (decision, reason) = node.Decide(new RequestAttributes(N1, verb, "", "pods", "", "", "", FieldSelector: selector));
        Assert.Equal(expected, decision);
        Assert.Equal(expected == AuthorizationDecision.Allow ? "" : "can only list/watch pods with spec.nodeName field selector", reason);
    }

    [Fact]
    public void A_node_reads_only_its_own_Node_object()
    {
        var node = new NodeAuthorizer(new NodeGraph());
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "get", "nodes", "n1", ns: ""));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "watch", "nodes", "n1", ns: ""));
        Assert.Equal("node 'n1' cannot read 'n2', only its own Node object",
            node.Decide(new RequestAttributes(N1, "get", "", "nodes", "", "", "n2")).Reason);
        Assert.Equal("node 'n1' cannot read all nodes, only its own Node object",
            node.Decide(new RequestAttributes(N1, "list", "", "nodes", "", "", "")).Reason);
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "list", "nodes", "", ns: ""));
    }

    [Fact]
    public void Node_rules_cover_nodes_leases_events_and_pod_status_and_nothing_else()
    {
        var node = new NodeAuthorizer(new NodeGraph());
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "update", "nodes", "n1", ns: ""));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "patch", "nodes", "n1", "status", ns: ""));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "update", "pods", "web", "status"));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "create", "events", ""));
        Assert.Equal(AuthorizationDecision.Allow, Decide(node, N1, "update", "leases", "n1", ns: "kube-node-lease", group: "coordination.k8s.io"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "create", "deployments", "", group: "apps"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "create", "pods", "web", "exec"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, N1, "list", "clusterroles", "", ns: "", group: RbacGroup.Name));
    }

    [Fact]
    public void Users_that_are_not_nodes_get_no_opinion()
    {
        var graph = new NodeGraph();
        graph.Upsert(PodOn("n1", "web", Using("tls", "conf", "env", "data", "robot")));
        var node = new NodeAuthorizer(graph);
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, new UserInfo("system:node:n1", []), "get", "secrets", "tls"));
        Assert.Equal(AuthorizationDecision.NoOpinion, Decide(node, new UserInfo("jane", ["system:nodes"]), "get", "nodes", "n1", ns: ""));
    }
}
