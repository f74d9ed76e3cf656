using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests.Authorization;

public sealed class RbacRulesTests
{
    private static readonly UserInfo Jane = new("jane", [UserInfo.AllAuthenticated]);

    private static RequestAttributes Req(string verb, string group, string resource, string sub = "", string ns = "default", string name = "") =>
        new(Jane, verb, group, resource, sub, ns, name);

    private static PolicyRule Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources, ResourceNames = names };

    [Theory]
    [InlineData("get", true)]
    [InlineData("list", true)]
    [InlineData("create", false)]
    public void Verbs_match_exactly(string verb, bool allowed) =>
        Assert.Equal(allowed, RbacRules.Allows(Rule(["get", "list"], [""], ["pods"]), Req(verb, "", "pods")));

    [Fact]
    public void Star_matches_any_verb_group_and_resource()
    {
        var rule = Rule(["*"], ["*"], ["*"]);
        Assert.True(RbacRules.Allows(rule, Req("deletecollection", "apps", "deployments")));
        Assert.True(RbacRules.Allows(rule, Req("get", "", "pods", sub: "log")));
    }

    [Fact]
    public void Api_group_must_match()
    {
        var rule = Rule(["get"], ["apps"], ["deployments"]);
        Assert.True(RbacRules.Allows(rule, Req("get", "apps", "deployments")));
        Assert.False(RbacRules.Allows(rule, Req("get", "", "deployments")));
        Assert.False(RbacRules.Allows(rule, Req("get", "batch", "deployments")));
    }

    [Fact]
    public void A_resource_does_not_cover_its_subresources_but_resource_slash_sub_and_star_slash_sub_do()
    {
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["pods"]), Req("get", "", "pods", sub: "log")));
        Assert.True(RbacRules.Allows(Rule(["get"], [""], ["pods/log"]), Req("get", "", "pods", sub: "log")));
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["pods/log"]), Req("get", "", "pods")));
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["pods/log"]), Req("get", "", "pods", sub: "exec")));
        Assert.True(RbacRules.Allows(Rule(["update"], ["apps"], ["*/scale"]), Req("update", "apps", "deployments", sub: "scale")));
        Assert.False(RbacRules.Allows(Rule(["update"], ["apps"], ["*/scale"]), Req("update", "apps", "deployments")));
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["services/log"]), Req("get", "", "pods", sub: "log")));
    }

    [Fact]
    public void Resource_names_limit_a_rule_to_requests_that_name_one_of_them()
    {
        var rule = Rule(["get", "update", "create", "list"], [""], ["configmaps"], ["app-config"]);
        Assert.True(RbacRules.Allows(rule, Req("get", "", "configmaps", name: "app-config")));
        Assert.False(RbacRules.Allows(rule, Req("get", "", "configmaps", name: "other")));
        // A create or a list names no object, so a rule with resourceNames never covers it.
        Assert.False(RbacRules.Allows(rule, Req("create", "", "configmaps")));
        Assert.False(RbacRules.Allows(rule, Req("list", "", "configmaps")));
    }

    [Theory]
    [InlineData("/healthz", "/healthz", true)]
    [InlineData("/healthz", "/healthz/etcd", false)]
    [InlineData("/apis/*", "/apis/apps/v1", true)]
    [InlineData("/apis/*", "/apis", false)]
    [InlineData("/api*", "/apis", true)]
    [InlineData("*", "/anything", true)]
    public void Non_resource_urls_match_exactly_or_by_a_trailing_star(string url, string path, bool allowed)
    {
        var rule = new PolicyRule { Verbs = ["get"], NonResourceURLs = [url] };
        Assert.Equal(allowed, RbacRules.Allows(rule, RequestAttributes.NonResource(Jane, "get", path)));
    }

    [Fact]
    public void Resource_rules_never_cover_paths_and_url_rules_never_cover_resources()
    {
        Assert.False(RbacRules.Allows(Rule(["*"], ["*"], ["*"]), RequestAttributes.NonResource(Jane, "get", "/version")));
        Assert.False(RbacRules.Allows(new PolicyRule { Verbs = ["*"], NonResourceURLs = ["*"] }, Req("get", "", "pods")));
    }
}
