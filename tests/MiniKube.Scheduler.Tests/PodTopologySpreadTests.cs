using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class PodTopologySpreadTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private readonly PodTopologySpread plugin = new();

    private static Pod Web(string name, string ns = "default") => TestObjects.PodRequesting(name, "100m", labels: "app=web", ns: ns);

    private static PodSpec Spread(string key, int maxSkew, string when = "DoNotSchedule", int? minDomains = null, string selector = "app=web") => new()
    {
        TopologySpreadConstraints =
        [
            new TopologySpreadConstraint
            {
                MaxSkew = maxSkew,
                TopologyKey = key,
                WhenUnsatisfiable = when,
                MinDomains = minDomains,
                LabelSelector = new LabelSelector { MatchLabels = TestObjects.ParseLabels(selector) },
            },
        ],
    };

    private static Pod Incoming(PodSpec spec, string labels = "app=web") => TestObjects.PodRequesting("new", "100m", labels: labels, spec: spec);

    /// <summary>Zone a: n1 (2 web pods), n2 (none); zone b: n3 (none).</summary>
    private static NodeInfo[] TwoZones() =>
    [
        Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a"), Web("w1"), Web("w2")),
        Make.Info(TestObjects.Node("n2", labels: $"{Zone}=a")),
        Make.Info(TestObjects.Node("n3", labels: $"{Zone}=b")),
    ];

    private FilterResult[] FilterAll(Pod pod, NodeInfo[] nodes) => nodes.Select(n => Run.Filter(plugin, pod, n, nodes)).ToArray();

    [Fact]
    public void Zone_skew_blocks_the_crowded_zone()
    {
        var results = FilterAll(Incoming(Spread(Zone, 1)), TwoZones());
        Assert.Equal([false, false, true], results.Select(r => r.IsSuccess));
        Assert.Equal(["node(s) didn't match pod topology spread constraints"], results[0].Reasons);
        Assert.Equal(FilterCode.Unschedulable, results[0].Code);
    }

    [Theory]
    // maxSkew, fits on n1/n2/n3
    [InlineData(1, false, false, true)]
    [InlineData(2, false, false, true)]
    [InlineData(3, true, true, true)]
    public void Larger_max_skew_allows_more_imbalance(int maxSkew, bool n1, bool n2, bool n3)
    {
        var results = FilterAll(Incoming(Spread(Zone, maxSkew)), TwoZones());
        Assert.Equal([n1, n2, n3], results.Select(r => r.IsSuccess));
    }

    [Fact]
    public void Hostname_spreading_counts_per_node()
    {
        var results = FilterAll(Incoming(Spread(PodTopologySpread.HostnameLabel, 1)), TwoZones());
        Assert.Equal([false, true, true], results.Select(r => r.IsSuccess));
    }

    [Fact]
    public void A_pod_not_matching_its_own_selector_does_not_add_to_the_skew()
    {
        // Counts a=2, b=0; without self-match, skew on n1 is 2 - 0 = 2.
        var results = FilterAll(Incoming(Spread(Zone, 2), labels: "app=other"), TwoZones());
        Assert.Equal([true, true, true], results.Select(r => r.IsSuccess));
    }

    [Fact]
    public void Nodes_without_the_topology_label_are_unresolvable()
    {
        var nodes = TwoZones().Append(Make.Info(TestObjects.Node("n4"))).ToArray();
        var result = FilterAll(Incoming(Spread(Zone, 1)), nodes)[3];
        Assert.Equal(FilterCode.UnschedulableAndUnresolvable, result.Code);
        Assert.Equal(["node(s) didn't match pod topology spread constraints (missing required label)"], result.Reasons);
    }

    [Fact]
    public void MinDomains_counts_missing_domains_as_empty()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a"), Web("w1")),
            Make.Info(TestObjects.Node("n2", labels: $"{Zone}=b"), Web("w2")),
        };
        Assert.True(FilterAll(Incoming(Spread(Zone, 1)), nodes).All(r => r.IsSuccess));
        Assert.True(FilterAll(Incoming(Spread(Zone, 1, minDomains: 3)), nodes).All(r => !r.IsSuccess));
    }

    [Fact]
    public void Other_namespaces_and_terminating_pods_are_not_counted()
    {
        var terminating = Web("w3") with { Metadata = Web("w3").Metadata with { DeletionTimestamp = DateTimeOffset.UnixEpoch } };
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a"), Web("w1", ns: "other"), terminating),
            Make.Info(TestObjects.Node("n2", labels: $"{Zone}=b")),
        };
        Assert.True(FilterAll(Incoming(Spread(Zone, 1)), nodes).All(r => r.IsSuccess));
    }

    [Fact]
    public void Nodes_the_pod_cannot_use_do_not_form_domains()
    {
        // Zone c is empty, but the pod's nodeSelector excludes it: the minimum is zone b's 1, not 0.
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a,pool=x"), Web("w1"), Web("w2")),
            Make.Info(TestObjects.Node("n2", labels: $"{Zone}=b,pool=x"), Web("w3")),
            Make.Info(TestObjects.Node("n3", labels: $"{Zone}=c,pool=y")),
        };
        var spec = Spread(Zone, 2) with { NodeSelector = TestObjects.ParseLabels("pool=x") };
        Assert.Equal([true, true], FilterAll(Incoming(spec), nodes).Take(2).Select(r => r.IsSuccess));
        var unrestricted = FilterAll(Incoming(Spread(Zone, 2)), nodes);
        Assert.False(unrestricted[0].IsSuccess);
    }

    [Fact]
    public void ScheduleAnyway_scores_emptier_domains_higher()
    {
        var nodes = TwoZones();
        var feasible = new[] { nodes[0], nodes[2] };
        var (raw, normalized) = Run.Score(plugin, Incoming(Spread(Zone, 1, when: "ScheduleAnyway")), feasible, nodes);
        // Two domains: weight ln(4) ≈ 1.386; n1's zone has 2 pods → round(2.77) = 3, n3's has 0 → 0.
        Assert.Equal([3L, 0L], raw);
        Assert.Equal([0L, 100L], normalized);
    }

    [Fact]
    public void Soft_constraints_do_not_filter()
    {
        Assert.True(FilterAll(Incoming(Spread(Zone, 1, when: "ScheduleAnyway")), TwoZones()).All(r => r.IsSuccess));
    }

    [Fact]
    public void Pods_of_one_owner_spread_over_nodes_by_default()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("a", owner: "web"), TestObjects.PodRequesting("b", owner: "web"), TestObjects.PodRequesting("x", owner: "other")),
            Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("y", owner: "other"), TestObjects.PodRequesting("z", owner: "other")),
            Make.Info(TestObjects.Node("n3"), TestObjects.PodRequesting("c", owner: "web")),
        };
        var (raw, normalized) = Run.Score(plugin, TestObjects.PodRequesting("new", owner: "web"), nodes);
        // System default hostname constraint: count × ln(3 + 2) + (maxSkew 3 − 1).
        Assert.Equal([5L, 2L, 4L], raw);
        Assert.Equal([40L, 100L, 60L], normalized);
    }

    [Fact]
    public void Default_spreading_works_without_hostname_labels()
    {
        Node Bare(string name)
        {
            var n = TestObjects.Node(name);
            return n with { Metadata = n.Metadata with { Labels = null } };
        }
        var nodes = new[]
        {
            Make.Info(Bare("n1"), TestObjects.PodRequesting("a", owner: "web")),
            Make.Info(Bare("n2")),
        };
        var (_, normalized) = Run.Score(plugin, TestObjects.PodRequesting("new", owner: "web"), nodes);
        Assert.True(normalized[1] > normalized[0]);
    }

    [Fact]
    public void Pods_without_owner_or_constraints_are_not_scored()
    {
        var nodes = TwoZones();
        var state = new CycleState();
        var pod = TestObjects.PodRequesting("loner");
        state.Reset(PodInfo.Create(pod), NodeSnapshot.Create(nodes));
        Assert.Equal(FilterCode.Skip, plugin.PreScore(state, pod, nodes).Code);
        Assert.Equal(FilterCode.Skip, plugin.PreFilter(state, pod).Code);
    }

    [Fact]
    public void Default_zone_spreading_counts_every_node_of_the_zone()
    {
        // Zone a has 3 of the owner's pods spread over n1 and n2; only n1 and n3 are feasible.
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a")),
            Make.Info(TestObjects.Node("n2", labels: $"{Zone}=a"), TestObjects.PodRequesting("a", owner: "web"), TestObjects.PodRequesting("b", owner: "web"), TestObjects.PodRequesting("c", owner: "web")),
            Make.Info(TestObjects.Node("n3", labels: $"{Zone}=b")),
        };
        var (raw, normalized) = Run.Score(plugin, TestObjects.PodRequesting("new", owner: "web"), [nodes[0], nodes[2]], nodes);
        // hostname: 0 pods on both → 2 each; zone: a=3 × ln(2+2) + 4 = 8.16, b = 4 → totals 10 and 6.
        Assert.Equal([10L, 6L], raw);
        Assert.Equal([60L, 100L], normalized);
    }

    [Fact]
    public void List_defaulting_uses_the_configured_constraints()
    {
        var listed = new PodTopologySpread(new PodTopologySpreadArgs
        {
            DefaultingType = TopologySpreadDefaulting.List,
            DefaultConstraints = [new TopologySpreadConstraint { MaxSkew = 1, TopologyKey = Zone, WhenUnsatisfiable = "DoNotSchedule" }],
        });
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1", labels: $"{Zone}=a"), TestObjects.PodRequesting("a", owner: "web"), TestObjects.PodRequesting("b", owner: "web")),
            Make.Info(TestObjects.Node("n2", labels: $"{Zone}=b")),
        };
        var pod = TestObjects.PodRequesting("new", owner: "web");
        Assert.Equal([false, true], nodes.Select(n => Run.Filter(listed, pod, n, nodes).IsSuccess));
    }

    [Fact]
    public void MatchLabelKeys_narrow_the_selector_to_the_pods_own_values()
    {
        var spec = Spread(PodTopologySpread.HostnameLabel, 1, selector: "app=web") with
        {
            TopologySpreadConstraints =
            [
                Spread(PodTopologySpread.HostnameLabel, 1).TopologySpreadConstraints![0] with { MatchLabelKeys = ["rev"] },
            ],
        };
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("old1", labels: "app=web,rev=1"), TestObjects.PodRequesting("old2", labels: "app=web,rev=1")),
            Make.Info(TestObjects.Node("n2")),
        };
        var pod = TestObjects.PodRequesting("new", labels: "app=web,rev=2", spec: spec);
        Assert.Equal([true, true], nodes.Select(n => Run.Filter(plugin, pod, n, nodes).IsSuccess));
        var sameRev = TestObjects.PodRequesting("new", labels: "app=web,rev=1", spec: spec);
        Assert.Equal([false, true], nodes.Select(n => Run.Filter(plugin, sameRev, n, nodes).IsSuccess));
    }
}

public sealed class SpreadCountMemoTests
{
    private static PodSpec Spread(string app, int maxSkew) => new()
    {
        TopologySpreadConstraints =
        [
            new TopologySpreadConstraint
            {
                MaxSkew = maxSkew,
                TopologyKey = PodTopologySpread.HostnameLabel,
                WhenUnsatisfiable = "DoNotSchedule",
                LabelSelector = new LabelSelector { MatchLabels = TestObjects.ParseLabels("app=" + app) },
            },
        ],
    };

    [Fact]
    public void Alternating_selectors_and_namespaces_on_the_same_node_version_count_correctly()
    {
        var plugin = new PodTopologySpread();
        var busy = Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("w1", labels: "app=web"), TestObjects.PodRequesting("w2", labels: "app=web"), TestObjects.PodRequesting("d1", labels: "app=db"));
        var empty = Make.Info(TestObjects.Node("n2"));
        NodeInfo[] nodes = [busy, empty];
        for (var round = 0; round < 3; round++)
        {
            // web: 2 + 1 − 0 = 3 > 2; db: 1 + 1 − 0 = 2 fits; db with maxSkew 1 does not; in another
            // namespace nothing matches, so it fits even with maxSkew 1.
            Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("w", labels: "app=web", spec: Spread("web", 2)), busy, nodes).IsSuccess);
            Assert.True(Run.Filter(plugin, TestObjects.PodRequesting("d", labels: "app=db", spec: Spread("db", 2)), busy, nodes).IsSuccess);
            Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("d", labels: "app=db", spec: Spread("db", 1)), busy, nodes).IsSuccess);
            Assert.True(Run.Filter(plugin, TestObjects.PodRequesting("d", labels: "app=db", ns: "other", spec: Spread("db", 1)), busy, nodes).IsSuccess);
        }

        // A new version of the node (one more db pod) answers afresh.
        var busier = busy.WithPod(PodInfo.Create(TestObjects.PodRequesting("d2", labels: "app=db")), 9);
        Assert.False(Run.Filter(plugin, TestObjects.PodRequesting("d", labels: "app=db", spec: Spread("db", 2)), busier, [busier, empty]).IsSuccess);
    }
}
