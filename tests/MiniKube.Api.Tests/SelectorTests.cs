using MiniKube.Api;

namespace MiniKube.Api.Tests;

public sealed class SelectorTests
{
    private static Dictionary<string, string> L(string spec) =>
        spec.Length == 0
            ? []
            : spec.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    [Theory]
    // selector, labels ("k=v,k2=v2"; "" = none), expected
    [InlineData("app=web", "app=web", true)]
    [InlineData("app=web", "app=db", false)]
    [InlineData("app=web", "", false)]
    [InlineData("app==web", "app=web", true)]
    [InlineData("app!=web", "app=db", true)]
    [InlineData("app!=web", "", true)]
    [InlineData("app!=web", "app=web", false)]
    [InlineData("env in (prod, qa)", "env=qa", true)]
    [InlineData("env in (prod,qa)", "env=dev", false)]
    [InlineData("env in (prod,qa)", "", false)]
    [InlineData("env notin (prod)", "env=qa", true)]
    [InlineData("env notin (prod)", "", true)]
    [InlineData("env notin (prod)", "env=prod", false)]
    [InlineData("legacy", "legacy=", true)]
    [InlineData("legacy", "app=web", false)]
    [InlineData("!legacy", "app=web", true)]
    [InlineData("!legacy", "legacy=yes", false)]
    [InlineData("app=web,tier!=db,env in (a,b),!legacy", "app=web,tier=fe,env=b", true)]
    [InlineData("app=web,tier!=db,env in (a,b),!legacy", "app=web,tier=fe,env=b,legacy=1", false)]
    [InlineData("app=web,tier!=db,env in (a,b),!legacy", "app=web,tier=db,env=b", false)]
    [InlineData("  app = web ,  tier  ", "app=web,tier=x", true)]
    [InlineData("app=", "app=", true)]
    [InlineData("app=", "app=x", false)]
    [InlineData("app in ()", "app=", true)]
    [InlineData("example.com/role=db", "example.com/role=db", true)]
    [InlineData("gpu>2", "gpu=3", true)]
    [InlineData("gpu>2", "gpu=2", false)]
    [InlineData("gpu>2", "gpu=lots", false)]
    [InlineData("gpu<2", "gpu=1", true)]
    [InlineData("", "anything=x", true)]
    [InlineData("   ", "", true)]
    public void Parse_and_match(string selector, string labels, bool expected)
    {
        Assert.Equal(expected, Selector.Parse(selector).Matches(L(labels)));
    }

    [Fact]
    public void Many_values_use_a_set_and_still_match()
    {
        var values = string.Join(",", Enumerable.Range(0, 20).Select(i => "v" + i));
        var s = Selector.Parse($"k in ({values})");
        Assert.True(s.Matches(L("k=v17")));
        Assert.False(s.Matches(L("k=v20")));
    }

    [Theory]
    [InlineData("app=web", false)]
    [InlineData("app!=web", true)]
    [InlineData("!app", true)]
    [InlineData("app notin (x)", true)]
    [InlineData("", true)]
    public void Null_labels_are_empty(string selector, bool expected)
    {
        Assert.Equal(expected, Selector.Parse(selector).Matches(null));
    }

    [Theory]
    [InlineData("tier!=db, app=web", "app=web,tier!=db")]
    [InlineData("b,!a", "!a,b")]
    [InlineData("env in (qa, prod, qa)", "env in (prod,qa)")]
    [InlineData("env notin(x)", "env notin (x)")]
    [InlineData("app==web", "app=web")]
    [InlineData("app in ()", "app in ()")]
    [InlineData("app in (,x)", "app in (,x)")]
    [InlineData("gpu > 2", "gpu>2")]
    [InlineData("app=", "app=")]
    [InlineData("", "")]
    public void ToString_is_canonical_and_parses_back(string input, string canonical)
    {
        var s = Selector.Parse(input);
        Assert.Equal(canonical, s.ToString());
        Assert.Equal(canonical, Selector.Parse(s.ToString()).ToString());
    }

    [Theory]
    [InlineData("app=web,", "expected a requirement after ','")]
    [InlineData(",app=web", "expected a label key but found ','")]
    [InlineData("app=web,,b", "expected a label key but found ',' (at character 9)")]
    [InlineData("app web", "expected an operator (=, ==, !=, in, notin) after \"app\" but found \"web\"")]
    [InlineData("env in prod", "expected '(' after 'in'")]
    [InlineData("env in (a,b", "missing ')'")]
    [InlineData("env in (a b)", "expected ',' or ')' in the value list but found 'b'")]
    [InlineData("env in", "expected '(' after 'in'")]
    [InlineData("app=web)", "expected ',' or the end of the selector but found ')'")]
    [InlineData("app=(x)", "expected a value but found '('")]
    [InlineData("app!web", "after \"app\" but found '!'")]
    [InlineData("!", "expected a label key but the selector ended")]
    [InlineData("!app=web", "expected ',' or the end of the selector but found '='")]
    [InlineData("Bad_Key-=x", "invalid label key \"Bad_Key-\"")]
    [InlineData("a/b/c=x", "invalid label key \"a/b/c\"")]
    [InlineData("Example.com/app=x", "prefix part a lowercase RFC 1123 subdomain")]
    [InlineData("app=-web", "invalid value \"-web\" for label key \"app\"")]
    [InlineData("env in (ok,bad$)", "invalid value \"bad$\"")]
    [InlineData("gpu>many", "must be an integer")]
    [InlineData("gpu>", "expected an integer after '>'")]
    public void Malformed_selectors_throw_saying_what_and_where(string input, string expectedPart)
    {
        var e = Assert.Throws<FormatException>(() => Selector.Parse(input));
        Assert.Contains(expectedPart, e.Message, StringComparison.Ordinal);
        Assert.Contains("(at character ", e.Message, StringComparison.Ordinal);
        Assert.Contains(input, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_points_at_the_offending_character()
    {
        var e = Assert.Throws<FormatException>(() => Selector.Parse("a=b, c d"));
        Assert.EndsWith("(at character 8)", e.Message, StringComparison.Ordinal);
        var k = Assert.Throws<FormatException>(() => Selector.Parse("a=b, B@d=x"));
        Assert.EndsWith("(at character 6)", k.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_long_name_part_is_rejected()
    {
        var e = Assert.Throws<FormatException>(() => Selector.Parse(new string('a', 64) + "=x"));
        Assert.Contains("name part must be no more than 63 characters", e.Message, StringComparison.Ordinal);
        Assert.True(Selector.Parse(new string('a', 63) + "=x").Matches(L(new string('a', 63) + "=x")));
    }

    [Fact]
    public void TryParse_reports_instead_of_throwing()
    {
        Assert.False(Selector.TryParse("a in", out _, out var error));
        Assert.NotNull(error);
        Assert.True(Selector.TryParse("a", out var s, out error));
        Assert.Null(error);
        Assert.Equal("a", s.ToString());
    }

    [Fact]
    public void Everything_and_nothing()
    {
        Assert.True(Selector.Everything.IsEmpty);
        Assert.True(Selector.Parse("").IsEmpty);
        Assert.False(Selector.Parse("a").IsEmpty);
        Assert.True(Selector.Everything.Matches(null));
        Assert.False(Selector.Nothing.IsEmpty);
        Assert.True(Selector.Nothing.MatchesNothing);
        Assert.False(Selector.Nothing.Matches(L("a=b")));
        Assert.False(Selector.Nothing.Matches(null));
    }

    [Fact]
    public void Requirements_are_exposed_sorted_with_sorted_values()
    {
        var s = Selector.Parse("z notin (b,a),app=web,!old");
        Assert.Collection(s.Requirements,
            r => { Assert.Equal("app", r.Key); Assert.Equal(SelectorOperator.Equal, r.Operator); Assert.Equal(["web"], r.Values); },
            r => { Assert.Equal("old", r.Key); Assert.Equal(SelectorOperator.DoesNotExist, r.Operator); Assert.Empty(r.Values); },
            r => { Assert.Equal("z", r.Key); Assert.Equal(SelectorOperator.NotIn, r.Operator); Assert.Equal(["a", "b"], r.Values); });
    }

    [Theory]
    [InlineData("app=web,tier!=db", "app", true, "web")]
    [InlineData("app in (web)", "app", true, "web")]
    [InlineData("app in (web,db)", "app", false, "")]
    [InlineData("app!=web", "app", false, "")]
    [InlineData("tier=x", "app", false, "")]
    public void TryGetRequiredValue_finds_exact_requirements(string selector, string key, bool found, string value)
    {
        Assert.Equal(found, Selector.Parse(selector).TryGetRequiredValue(key, out var v));
        Assert.Equal(value, v);
    }

    [Fact]
    public void FromLabelSelector_null_matches_nothing_and_empty_matches_everything()
    {
        Assert.False(Selector.FromLabelSelector(null).Matches(L("a=b")));
        Assert.True(Selector.FromLabelSelector(new LabelSelector()).Matches(L("a=b")));
        Assert.True(Selector.FromLabelSelector(new LabelSelector { MatchLabels = new Dictionary<string, string>(), MatchExpressions = [] }).IsEmpty);
    }

    [Fact]
    public void FromLabelSelector_combines_labels_and_expressions()
    {
        var s = Selector.FromLabelSelector(new LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
            MatchExpressions =
            [
                new() { Key = "env", Operator = "In", Values = ["prod", "qa"] },
                new() { Key = "tier", Operator = "NotIn", Values = ["db"] },
                new() { Key = "track", Operator = "Exists" },
                new() { Key = "legacy", Operator = "DoesNotExist" },
            ],
        });
        Assert.Equal("app=web,env in (prod,qa),!legacy,tier notin (db),track", s.ToString());
        Assert.True(s.Matches(L("app=web,env=qa,track=x")));
        Assert.False(s.Matches(L("app=web,env=qa,track=x,legacy=1")));
        Assert.False(s.Matches(L("app=web,env=qa,track=x,tier=db")));
        Assert.False(s.Matches(L("app=web,env=qa")));
        Assert.False(s.Matches(L("app=db,env=qa,track=x")));
    }

    public static TheoryData<LabelSelectorRequirement, string> BadExpressions => new()
    {
        { new() { Key = "env", Operator = "In" }, "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'" },
        { new() { Key = "env", Operator = "NotIn", Values = [] }, "matchExpressions[0].values: Required value" },
        { new() { Key = "env", Operator = "Exists", Values = ["x"] }, "matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" },
        { new() { Key = "env", Operator = "DoesNotExist", Values = ["x"] }, "matchExpressions[0].values: Forbidden" },
        { new() { Key = "env", Operator = "Equals", Values = ["x"] }, "matchExpressions[0].operator: Invalid value: \"Equals\": not a valid selector operator" },
        { new() { Key = "bad key", Operator = "Exists" }, "matchExpressions[0].key: Invalid value: \"bad key\": name part must consist of" },
        { new() { Key = "env", Operator = "In", Values = ["ok", "not ok"] }, "matchExpressions[0].values[1]: Invalid value: \"not ok\": a valid label must be an empty string" },
    };

    [Theory]
    [MemberData(nameof(BadExpressions))]
    public void FromLabelSelector_rejects_bad_expressions(LabelSelectorRequirement expression, string expected)
    {
        var selector = new LabelSelector { MatchExpressions = [expression] };
        var e = Assert.Throws<FormatException>(() => Selector.FromLabelSelector(selector));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateLabelSelector_qualifies_paths()
    {
        var errors = Selector.ValidateLabelSelector(
            new LabelSelector
            {
                MatchLabels = new Dictionary<string, string> { ["app"] = "bad value" },
                MatchExpressions = [new() { Key = "a", Operator = "Exists" }, new() { Key = "b", Operator = "In" }],
            },
            "spec.selector");
        Assert.Equal(
            [
                "spec.selector.matchLabels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void FromMap_is_an_equality_selector()
    {
        var s = Selector.FromMap(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        Assert.Equal("a=1,b=2", s.ToString());
        Assert.True(s.Matches(L("a=1,b=2,c=3")));
        Assert.False(s.Matches(L("a=1")));
        Assert.True(Selector.FromMap(null).IsEmpty);
        Assert.True(Selector.FromMap(new Dictionary<string, string>()).IsEmpty);
        Assert.Throws<FormatException>(() => Selector.FromMap(new Dictionary<string, string> { ["a b"] = "1" }));
    }

    [Fact]
    public void LabelRequirement_Create_checks_value_counts()
    {
        Assert.Throws<FormatException>(() => LabelRequirement.Create("a", SelectorOperator.In, []));
        Assert.Throws<FormatException>(() => LabelRequirement.Create("a", SelectorOperator.Exists, ["x"]));
        Assert.Throws<FormatException>(() => LabelRequirement.Create("a", SelectorOperator.Equal, ["x", "y"]));
        Assert.Throws<FormatException>(() => LabelRequirement.Create("a", SelectorOperator.GreaterThan, ["x"]));
        Assert.Equal("a>5", LabelRequirement.Create("a", SelectorOperator.GreaterThan, ["5"]).ToString());
    }

    [Fact]
    public void Matching_does_not_allocate()
    {
        var s = Selector.Parse("app=web,tier!=db,env in (a,b,c,d,e,f,g,h,i,j),!legacy,gpu>1");
        var labels = L("app=web,tier=fe,env=j,gpu=4");
        Assert.True(s.Matches(labels));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var all = true;
        for (var i = 0; i < 1000; i++)
        {
            all &= s.Matches(labels);
            all &= !s.Matches(null);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(all);
        Assert.Equal(0, allocated);
    }
}
