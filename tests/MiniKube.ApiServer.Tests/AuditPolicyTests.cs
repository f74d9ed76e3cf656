using MiniKube.Security;

namespace MiniKube.ApiServer.Tests;

public sealed class AuditPolicyTests
{
    private static readonly UserInfo Jane = new("jane", ["dev", UserInfo.AllAuthenticated]);

    private static AuditPolicy Policy(string rules) => AuditPolicy.Parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules);

    private static AuditRecord Resource(string verb, string resource, string? ns = null, string? name = null, string? sub = null, string group = "") =>
        new() { Verb = verb, Resource = resource, Namespace = ns, Name = name, Subresource = sub, ApiGroup = group };

    [Fact]
    public void The_first_matching_rule_wins_and_no_match_is_None()
    {
        var policy = Policy("""
              - level: None
                users: [system:kube-proxy]
              - level: Metadata
                userGroups: [dev]
                verbs: [create]
              - level: RequestResponse
                resources: [{group: "", resources: [secrets]}]
            """);
        Assert.Equal(AuditLevel.Metadata, policy.LevelFor(Resource("create", "secrets", "default"), Jane));
        Assert.Equal(AuditLevel.RequestResponse, policy.LevelFor(Resource("get", "secrets", "default"), Jane));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Resource("create", "secrets"), new UserInfo("system:kube-proxy", [])));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Resource("get", "pods", "default"), Jane));
        // Without authentication there is no user: user and group rules do not match.
        Assert.Equal(AuditLevel.RequestResponse, policy.LevelFor(Resource("create", "secrets"), null));
    }

    [Theory]
    [InlineData("pods", "pods", null, true)]
    [InlineData("pods", "pods", "log", false)]
    [InlineData("pods/log", "pods", "log", true)]
    [InlineData("pods/*", "pods", "status", true)]
    [InlineData("*/status", "deployments", "status", true)]
    [InlineData("*/status", "deployments", null, false)]
    [InlineData("*", "nodes", "proxy", true)]
    public void Resource_patterns_match_subresources_as_Kubernetes_does(string pattern, string resource, string? sub, bool matches)
    {
        var policy = Policy($"  - level: Metadata\n    resources: [{{group: \"\", resources: [\"{pattern}\"]}}]\n");
        Assert.Equal(matches ? AuditLevel.Metadata : AuditLevel.None, policy.LevelFor(Resource("get", resource, sub: sub), Jane));
    }

    [Fact]
    public void Groups_names_namespaces_and_non_resource_urls_narrow_a_rule()
    {
        var policy = Policy("""
              - level: Metadata
                namespaces: [kube-system]
                resources: [{group: apps, resources: [deployments], resourceNames: [coredns]}]
              - level: Request
                nonResourceURLs: ["/version", "/metrics*"]
            """);
        Assert.Equal(AuditLevel.Metadata, policy.LevelFor(Resource("update", "deployments", "kube-system", "coredns", group: "apps"), Jane));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Resource("update", "deployments", "kube-system", "other", group: "apps"), Jane));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Resource("update", "deployments", "default", "coredns", group: "apps"), Jane));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Resource("update", "deployments", "kube-system", "coredns"), Jane));
        Assert.Equal(AuditLevel.Request, policy.LevelFor(new AuditRecord { Verb = "get", Path = "/metrics/x" }, Jane));
        Assert.Equal(AuditLevel.Request, policy.LevelFor(new AuditRecord { Verb = "get", Path = "/version" }, Jane));
        Assert.Equal(AuditLevel.None, policy.LevelFor(new AuditRecord { Verb = "get", Path = "/version/x" }, Jane));
    }

    [Fact]
    public void OmitStages_ResponseComplete_logs_nothing()
    {
        Assert.Equal(AuditLevel.None, Policy("  - level: Metadata\n    omitStages: [ResponseComplete]\n").LevelFor(Resource("get", "pods"), Jane));
        Assert.Equal(AuditLevel.Metadata, Policy("  - level: Metadata\n    omitStages: [RequestReceived]\n").LevelFor(Resource("get", "pods"), Jane));
    }

    [Theory]
    [InlineData("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]", "apiVersion: Unsupported value: \"audit.k8s.io/v1beta1\"")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\n", "rules: Required value: policy must contain at least one rule")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{verbs: [get]}]", "rules[0].level: Required value")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, verb: [get]}]", "rules[0].verb: Invalid value: unknown field \"verb\"")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, nonResourceURLs: [healthz]}]",
        "rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, namespaces: [a], nonResourceURLs: [/x]}]",
        "rules[0].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, verbs: get}]", "rules[0].verbs: Invalid value: expected a list of strings")]
    public void Mistakes_are_reported_with_their_field_path(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<AuditPolicyException>(() => AuditPolicy.Parse(text)).Message, StringComparison.Ordinal);
    }
}
