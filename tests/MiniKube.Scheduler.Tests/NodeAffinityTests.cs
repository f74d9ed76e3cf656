using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class NodeAffinityTests
{
    private readonly Plugins.NodeAffinity plugin = new();

    private static PodSpec Required(params NodeSelectorTerm[] terms) => new()
    {
        Affinity = new Affinity
        {
            NodeAffinity = new Api.NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector { NodeSelectorTerms = terms },
            },
        },
    };

    private static NodeSelectorTerm Term(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new NodeSelectorRequirement { Key = key, Operator = op, Values = values.Length == 0 ? null : values }] };

    [Theory]
    // node labels, nodeSelector ("" = none), fits?
    [InlineData("disk=ssd", "disk=ssd", true)]
    [InlineData("disk=hdd", "disk=ssd", false)]
    [InlineData("", "disk=ssd", false)]
    [InlineData("disk=ssd,zone=a", "disk=ssd,zone=a", true)]
    [InlineData("disk=ssd,zone=b", "disk=ssd,zone=a", false)]
    [InlineData("", "", true)]
    public void Node_selector(string nodeLabels, string selector, bool fits)
    {
        var spec = new PodSpec { NodeSelector = selector.Length == 0 ? null : TestObjects.ParseLabels(selector) };
        var result = Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: nodeLabels)));
        Assert.Equal(fits, result.IsSuccess);
        if (!fits)
        {
            Assert.Equal(["node(s) didn't match Pod's node affinity/selector"], result.Reasons);
            Assert.Equal(FilterCode.UnschedulableAndUnresolvable, result.Code);
        }
    }

    [Theory]
    // node labels, key, operator, values (comma-separated), fits?
    [InlineData("zone=a", "zone", "In", "a,b", true)]
    [InlineData("zone=c", "zone", "In", "a,b", false)]
    [InlineData("", "zone", "In", "a", false)]
    [InlineData("zone=c", "zone", "NotIn", "a,b", true)]
    [InlineData("zone=a", "zone", "NotIn", "a,b", false)]
    [InlineData("", "zone", "NotIn", "a", true)]
    [InlineData("gpu=", "gpu", "Exists", "", true)]
    [InlineData("", "gpu", "Exists", "", false)]
    [InlineData("", "gpu", "DoesNotExist", "", true)]
    [InlineData("gpu=1", "gpu", "DoesNotExist", "", false)]
    [InlineData("cores=8", "cores", "Gt", "4", true)]
    [InlineData("cores=4", "cores", "Gt", "4", false)]
    [InlineData("cores=x", "cores", "Gt", "4", false)]
    [InlineData("cores=2", "cores", "Lt", "4", true)]
    [InlineData("cores=4", "cores", "Lt", "4", false)]
    [InlineData("", "cores", "Lt", "4", false)]
    [InlineData("cores=2", "cores", "Lt", "four", false)]
    [InlineData("zone=a", "zone", "Bogus", "a", false)]
    [InlineData("zone=a", "zone", "In", "", false)]
    public void Required_affinity_operators(string nodeLabels, string key, string op, string values, bool fits)
    {
        var spec = Required(Term(key, op, values.Length == 0 ? [] : values.Split(',')));
        var result = Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: nodeLabels)));
        Assert.Equal(fits, result.IsSuccess);
    }

    [Fact]
    public void Terms_are_ORed_and_requirements_ANDed()
    {
        var both = new NodeSelectorTerm
        {
            MatchExpressions =
            [
                new NodeSelectorRequirement { Key = "zone", Operator = "In", Values = ["a"] },
                new NodeSelectorRequirement { Key = "disk", Operator = "In", Values = ["ssd"] },
            ],
        };
        var spec = Required(both, Term("gpu", "Exists"));
        Assert.True(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: "zone=a,disk=ssd"))).IsSuccess);
        Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: "zone=a,disk=hdd"))).IsSuccess);
        Assert.True(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: "gpu=1"))).IsSuccess);
    }

    [Fact]
    public void Selector_and_affinity_must_both_match()
    {
        var spec = Required(Term("zone", "In", "a")) with { NodeSelector = TestObjects.ParseLabels("disk=ssd") };
        Assert.True(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: "zone=a,disk=ssd"))).IsSuccess);
        Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), Make.Info(TestObjects.Node("n1", labels: "zone=a"))).IsSuccess);
    }

    [Fact]
    public void Empty_terms_match_nothing()
    {
        Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: Required(new NodeSelectorTerm())), Make.Info(TestObjects.Node("n1"))).IsSuccess);
        Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("p", spec: Required()), Make.Info(TestObjects.Node("n1"))).IsSuccess);
    }

    [Theory]
    [InlineData("In", "n1", true)]
    [InlineData("In", "n2", false)]
    [InlineData("NotIn", "n2", true)]
    [InlineData("NotIn", "n1", false)]
    public void Match_fields_on_the_node_name(string op, string value, bool fits)
    {
        var term = new NodeSelectorTerm { MatchFields = [new NodeSelectorRequirement { Key = "metadata.name", Operator = op, Values = [value] }] };
        Assert.Equal(fits, Run.Filter(plugin, TestObjects.PodRequesting("p", spec: Required(term)), Make.Info(TestObjects.Node("n1"))).IsSuccess);
    }

    [Fact]
    public void Preferred_terms_sum_weights_and_normalise_to_100()
    {
        var spec = new PodSpec
        {
            Affinity = new Affinity
            {
                NodeAffinity = new Api.NodeAffinity
                {
                    PreferredDuringSchedulingIgnoredDuringExecution =
                    [
                        new PreferredSchedulingTerm { Weight = 80, Preference = Term("zone", "In", "a") },
                        new PreferredSchedulingTerm { Weight = 20, Preference = Term("disk", "In", "ssd") },
                        new PreferredSchedulingTerm { Weight = 0, Preference = Term("zone", "Exists") },
                    ],
                },
            },
        };
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("both", labels: "zone=a,disk=ssd")),
            Make.Info(TestObjects.Node("zone", labels: "zone=a")),
            Make.Info(TestObjects.Node("disk", labels: "zone=b,disk=ssd")),
            Make.Info(TestObjects.Node("none")),
        };
        var (raw, normalized) = Run.Score(plugin, TestObjects.PodRequesting("p", spec: spec), nodes);
        Assert.Equal([100L, 80L, 20L, 0L], raw);
        Assert.Equal([100L, 80L, 20L, 0L], normalized);

        var (raw2, normalized2) = Run.Score(plugin, TestObjects.PodRequesting("p", spec: spec), nodes[1..]);
        Assert.Equal([80L, 20L, 0L], raw2);
        Assert.Equal([100L, 25L, 0L], normalized2);
    }

    [Fact]
    public void Pods_without_preferences_skip_scoring()
    {
        var state = new CycleState();
        var pod = TestObjects.PodRequesting("p");
        var node = Make.Info(TestObjects.Node("n1"));
        state.Reset(PodInfo.Create(pod), NodeSnapshot.Create([node]));
        Assert.Equal(FilterCode.Skip, plugin.PreScore(state, pod, [node]).Code);
        Assert.Equal(FilterCode.Skip, plugin.PreFilter(state, pod).Code);
    }
}

public sealed class NormalizeTests
{
    [Theory]
    [InlineData("0,0,0", false, "0,0,0")]
    [InlineData("0,0,0", true, "100,100,100")]
    [InlineData("1,2,4", false, "25,50,100")]
    [InlineData("1,2,4", true, "75,50,0")]
    [InlineData("3,3", false, "100,100")]
    [InlineData("1,3", false, "33,100")]
    public void Default_normalize(string input, bool reverse, string expected)
    {
        var scores = input.Split(',').Select(long.Parse).ToArray();
        NodeScore.DefaultNormalize(scores, reverse);
        Assert.Equal(expected, string.Join(",", scores));
    }
}
