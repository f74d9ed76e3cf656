using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests.Authorization;

public sealed class RbacPolicyTests
{
    private static readonly PolicyRule ReadPods = new() { Verbs = ["get", "list"], ApiGroups = [""], Resources = ["pods"] };

    private static ClusterRole Cluster(string name, params PolicyRule[] rules) => new() { Metadata = new ObjectMeta { Name = name }, Rules = rules };

    private static Role Namespaced(string ns, string name, params PolicyRule[] rules) => new() { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Rules = rules };

    private static Subject User(string name) => new() { Kind = "User", ApiGroup = RbacGroup.Name, Name = name };

    private static Subject Group(string name) => new() { Kind = "Group", ApiGroup = RbacGroup.Name, Name = name };

    private static RoleBinding Bind(string ns, string kind, string role, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = "b-" + role, Namespace = ns },
        RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = kind, Name = role },
        Subjects = subjects,
    };

    private static ClusterRoleBinding BindCluster(string role, params Subject[] subjects) => new()
    {
        Metadata = new ObjectMeta { Name = "cb-" + role },
        RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = role },
        Subjects = subjects,
    };

    private static RequestAttributes ListPods(UserInfo user, string ns) => new(user, "list", "", "pods", Namespace: ns);

    [Fact]
    public void A_role_binding_to_a_cluster_role_grants_only_in_its_namespace()
    {
        var policy = new RbacPolicy([], [Cluster("pod-reader", ReadPods)], [Bind("team-a", "ClusterRole", "pod-reader", User("jane"))], []);
        var jane = new UserInfo("jane", []);

        Assert.True(policy.Allows(ListPods(jane, "team-a"), out _));
        Assert.False(policy.Allows(ListPods(jane, "team-b"), out _));
        Assert.False(policy.Allows(ListPods(jane, ""), out _));
        Assert.False(policy.Allows(ListPods(new UserInfo("bob", []), "team-a"), out _));
    }

    [Fact]
    public void A_role_binding_finds_the_role_of_its_own_namespace()
    {
        var policy = new RbacPolicy(
            [Namespaced("team-a", "reader", ReadPods), Namespaced("team-b", "other", ReadPods)], [],
            [Bind("team-a", "Role", "reader", User("jane")), Bind("team-b", "Role", "reader", User("jane"))], []);
        var jane = new UserInfo("jane", []);

        Assert.True(policy.Allows(ListPods(jane, "team-a"), out _));
        // team-b's binding names a Role "reader" that team-b does not have.
        Assert.False(policy.Allows(ListPods(jane, "team-b"), out var reason));
        Assert.Equal("RBAC: role.rbac.authorization.k8s.io \"reader\" not found", reason);
    }

    [Fact]
    public void Cluster_role_bindings_grant_everywhere_to_users_and_groups()
    {
        var policy = new RbacPolicy([], [Cluster("pod-reader", ReadPods)], [], [BindCluster("pod-reader", Group("readers"))]);

        Assert.True(policy.Allows(ListPods(new UserInfo("anyone", ["readers"]), "x"), out _));
        Assert.True(policy.Allows(ListPods(new UserInfo("anyone", ["readers"]), ""), out _));
        Assert.False(policy.Allows(ListPods(new UserInfo("anyone", ["writers"]), "x"), out var reason));
        Assert.Equal("", reason);
    }

    [Fact]
    public void A_service_account_subject_is_its_user_name_and_defaults_to_the_binding_namespace()
    {
        var sa = new Subject { Kind = "ServiceAccount", Name = "builder" };
        var policy = new RbacPolicy([], [Cluster("pod-reader", ReadPods)], [Bind("ci", "ClusterRole", "pod-reader", sa)], []);

        Assert.True(policy.Allows(ListPods(new UserInfo("system:serviceaccount:ci:builder", []), "ci"), out _));
        Assert.False(policy.Allows(ListPods(new UserInfo("system:serviceaccount:other:builder", []), "ci"), out _));
        Assert.False(policy.Allows(ListPods(new UserInfo("builder", []), "ci"), out _));
    }

    [Fact]
    public void Bootstrap_policy_gives_masters_everything_and_authenticated_users_discovery_and_self_review()
    {
        var policy = new RbacPolicy([], BootstrapPolicy.ClusterRoles, [], BootstrapPolicy.ClusterRoleBindings);
        var admin = new UserInfo("root", [BootstrapPolicy.Masters, UserInfo.AllAuthenticated]);
        var jane = new UserInfo("jane", [UserInfo.AllAuthenticated]);

        Assert.True(policy.Allows(new RequestAttributes(admin, "delete", "", "nodes", Name: "n1"), out _));
        Assert.True(policy.Allows(RequestAttributes.NonResource(admin, "get", "/metrics"), out _));
        Assert.True(policy.Allows(RequestAttributes.NonResource(jane, "get", "/apis/apps/v1"), out _));
        Assert.True(policy.Allows(new RequestAttributes(jane, "create", "authorization.k8s.io", "selfsubjectaccessreviews"), out _));
        Assert.False(policy.Allows(ListPods(jane, "default"), out _));
        Assert.True(policy.Allows(RequestAttributes.NonResource(UserInfo.Anonymous, "get", "/healthz"), out _));
        Assert.False(policy.Allows(RequestAttributes.NonResource(UserInfo.Anonymous, "get", "/apis"), out _));
    }

    [Fact]
    public void Bootstrap_scheduler_may_bind_and_read_nodes_but_not_touch_secrets()
    {
        var policy = new RbacPolicy([], BootstrapPolicy.ClusterRoles, [], BootstrapPolicy.ClusterRoleBindings);
        var scheduler = new UserInfo(BootstrapPolicy.Scheduler, [UserInfo.AllAuthenticated]);

        Assert.True(policy.Allows(new RequestAttributes(scheduler, "create", "", "pods", "binding", "default", "web"), out _));
        Assert.True(policy.Allows(new RequestAttributes(scheduler, "watch", "", "nodes"), out _));
        Assert.True(policy.Allows(new RequestAttributes(scheduler, "update", "coordination.k8s.io", "leases", "", "kube-system", "kube-scheduler"), out _));
        Assert.False(policy.Allows(new RequestAttributes(scheduler, "get", "", "secrets", "", "default", "s"), out _));
    }

    [Fact]
    public void Authorizer_follows_upserts_and_removals()
    {
        var rbac = new RbacAuthorizer();
        var jane = new UserInfo("jane", []);
        var binding = BindCluster("pod-reader", User("jane"));
        rbac.Upsert(Cluster("pod-reader", ReadPods));
        rbac.Upsert(binding);
        Assert.True(rbac.Policy.Allows(ListPods(jane, "x"), out _));

        rbac.Remove(binding);
        Assert.False(rbac.Policy.Allows(ListPods(jane, "x"), out _));
    }

    [Fact]
    public async Task The_chain_takes_the_first_decision_and_denies_when_nobody_allows()
    {
        var request = ListPods(new UserInfo("jane", []), "x");

        Assert.Equal(AuthorizationDecision.Allow, (await new AuthorizerChain([new RbacAuthorizer(), new AlwaysAllowAuthorizer()]).AuthorizeAsync(request, default)).Decision);
        var (decision, reason) = await new AuthorizerChain([new RbacAuthorizer(), new AlwaysDenyAuthorizer()]).AuthorizeAsync(request, default);
        Assert.Equal(AuthorizationDecision.Deny, decision);
        Assert.Equal("Everything is forbidden.", reason);
    }

    [Fact]
    public void Authorization_modes_are_checked()
    {
        Assert.Empty(AuthorizationModes.Parse("RBAC,AlwaysAllow", out var modes));
        Assert.Equal(["RBAC", "AlwaysAllow"], modes);
        Assert.Empty(AuthorizationModes.Parse("Node,RBAC", out var nodeModes));
        Assert.Equal(["Node", "RBAC"], nodeModes);
        Assert.Equal(
            ["--authorization-mode: authorization mode \"Webhook\" is not a valid mode (supported: AlwaysAllow, AlwaysDeny, Node, RBAC)"],
            AuthorizationModes.Parse("Webhook", out _));
        Assert.Equal(["--authorization-mode: \"RBAC\" is specified more than once"], AuthorizationModes.Parse("RBAC,RBAC", out _));
        Assert.Equal(["--authorization-mode: at least one mode is required (e.g. --authorization-mode RBAC)"], AuthorizationModes.Parse("", out _));
    }
}
