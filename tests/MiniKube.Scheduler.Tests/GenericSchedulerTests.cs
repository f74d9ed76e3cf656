using MiniKube.Api;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class GenericSchedulerTests
{
    private static SchedulingProfile DefaultProfile() => SchedulerConfiguration.Default.BuildProfiles()[0];

    private static ScheduleResult Schedule(SchedulingProfile profile, Pod pod, NodeInfo[] nodes, Random? random = null) =>
        new GenericScheduler(profile, random).Schedule(new CycleState(), PodInfo.Create(pod), NodeSnapshot.Create(nodes));

    [Fact]
    public void Fit_error_message_matches_kube_scheduler()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("cp", taints: [TestObjects.Taint("node-role.kubernetes.io/control-plane", null, TaintEffect.NoSchedule)])),
            Make.Info(TestObjects.Node("w1", cpu: "1")),
            Make.Info(TestObjects.Node("w2", cpu: "1")),
        };
        var result = Schedule(DefaultProfile(), TestObjects.PodRequesting("p", "2"), nodes);
        Assert.False(result.Succeeded);
        Assert.Equal(
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.",
            result.FitError!.Message);
        Assert.Equal(["NodeResourcesFit", "TaintToleration"], result.FitError.UnschedulablePlugins.Order());
    }

    [Fact]
    public void Fit_error_counts_every_reason_of_a_node_and_sorts_like_go_strings()
    {
        var nodes = Enumerable.Range(0, 10).Select(i => Make.Info(TestObjects.Node($"small{i}", cpu: "1", memory: "1Gi")))
            .Append(Make.Info(TestObjects.Node("cordoned1", unschedulable: true)))
            .Append(Make.Info(TestObjects.Node("cordoned2", unschedulable: true)))
            .Append(Make.Info(TestObjects.Node("label", labels: "disk=hdd")))
            .ToArray();
        var pod = TestObjects.PodRequesting("p", "2", "2Gi", spec: new PodSpec { NodeSelector = TestObjects.ParseLabels("kubernetes.io/os=linux") });
        var plain = TestObjects.PodRequesting("p", "2", "2Gi");
        Assert.Equal(
            "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, 2 node(s) were unschedulable.",
            Schedule(DefaultProfile(), plain, nodes[..12]).FitError!.Message);
        // Only the first failing filter of a node counts; "11 …" sorts before "2 …" as byte strings.
        Assert.Equal(
            "0/13 nodes are available: 11 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable.",
            Schedule(DefaultProfile(), pod, nodes).FitError!.Message);
    }

    [Fact]
    public void Unschedulable_runs_before_affinity_so_cordoned_nodes_report_that()
    {
        var nodes = new[] { Make.Info(TestObjects.Node("a", unschedulable: true)), Make.Info(TestObjects.Node("b")) };
        var pod = TestObjects.PodRequesting("p", spec: new PodSpec { NodeSelector = TestObjects.ParseLabels("disk=ssd") });
        Assert.Equal(
            "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.",
            Schedule(DefaultProfile(), pod, nodes).FitError!.Message);
    }

    [Fact]
    public void The_last_cycles_scores_are_described_best_first_for_the_scheduled_event()
    {
        var scheduler = new GenericScheduler(DefaultProfile());
        var pod = PodInfo.Create(TestObjects.PodRequesting("p", "500m", "256Mi"));
        // An idle and a busy node: the idle one scores higher (least allocated) and is chosen.
        var idle = Make.Info(TestObjects.Node("idle", cpu: "4", memory: "8Gi"));
        var busy = Make.Info(TestObjects.Node("busy", cpu: "4", memory: "8Gi"), TestObjects.PodRequesting("load", "3", "6Gi"));
        var result = scheduler.Schedule(new CycleState(), pod, NodeSnapshot.Create([busy, idle]));
        Assert.Equal("idle", result.SuggestedHost);
        var two = scheduler.DescribeLastScores(result.SuggestedHost);
        var match = System.Text.RegularExpressions.Regex.Match(two!, "^scores: idle=(\\d+), busy=(\\d+)$");
        Assert.True(match.Success, two);
        Assert.True(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            > long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), two);

        // More feasible nodes than shown: the top three and how many there were.
        var five = Enumerable.Range(0, 5).Select(i => Make.Info(TestObjects.Node($"n{i}", cpu: "4", memory: "8Gi"))).ToArray();
        var tied = scheduler.Schedule(new CycleState(), pod, NodeSnapshot.Create(five));
        var described = scheduler.DescribeLastScores(tied.SuggestedHost);
        Assert.Matches("^top scores of 5 feasible nodes: n\\d=\\d+, n\\d=\\d+, n\\d=\\d+$", described);
        // Five equal nodes: the one picked (at random among equals) is listed first.
        Assert.StartsWith($"top scores of 5 feasible nodes: {tied.SuggestedHost}=", described, StringComparison.Ordinal);
        // Then the other equals by name.
        var others = five.Select(n => n.Name).Where(n => n != tied.SuggestedHost).Order(StringComparer.Ordinal).ToArray();
        Assert.Matches($"^top scores of 5 feasible nodes: {tied.SuggestedHost}=\\d+, {others[0]}=\\d+, {others[1]}=\\d+$", described);

        // Different loads: the three least loaded, best first, whatever order the nodes come in.
        var loaded = new[] { 3, 0, 5, 1, 4, 2 }.Select(load => Make.Info(TestObjects.Node($"load{load}", cpu: "8", memory: "16Gi"),
            [.. Enumerable.Range(0, load).Select(j => TestObjects.PodRequesting($"l{load}-{j}", "1", "2Gi"))])).ToArray();
        Assert.True(scheduler.Schedule(new CycleState(), pod, NodeSnapshot.Create(loaded)).Succeeded);
        Assert.Matches("^top scores of 6 feasible nodes: load0=\\d+, load1=\\d+, load2=\\d+$", scheduler.DescribeLastScores("load0"));

        // One feasible node is not scored (as upstream); a pod that fits nowhere has no scores.
        Assert.True(scheduler.Schedule(new CycleState(), pod, NodeSnapshot.Create([idle])).Succeeded);
        Assert.Equal("1 feasible node, not scored", scheduler.DescribeLastScores());
        Assert.False(scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("big", "64")), NodeSnapshot.Create([idle, busy])).Succeeded);
        Assert.Null(scheduler.DescribeLastScores());
    }

    [Fact]
    public void No_nodes_gives_upstreams_message()
    {
        Assert.Equal("no nodes available to schedule pods", Schedule(DefaultProfile(), TestObjects.PodRequesting("p"), []).FitError!.Message);
    }

    [Fact]
    public void A_pre_filter_rejection_stands_alone_in_the_message()
    {
        var profile = new SchedulingProfile("s", [new RejectingPreFilter(), new NodeResourcesFit()], []);
        var result = Schedule(profile, TestObjects.PodRequesting("p"), [Make.Info(TestObjects.Node("a")), Make.Info(TestObjects.Node("b"))]);
        Assert.Equal("0/2 nodes are available: pod has unbound immediate claims.", result.FitError!.Message);
        Assert.Equal(["Rejecting"], result.FitError.UnschedulablePlugins);
    }

    private static Pod DaemonPod(string cpu, params NodeSelectorRequirement[] fields) => TestObjects.PodRequesting("ds", cpu, spec: new PodSpec
    {
        Affinity = new Affinity
        {
            NodeAffinity = new Api.NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new NodeSelector { NodeSelectorTerms = [new NodeSelectorTerm { MatchFields = fields }] },
            },
        },
    });

    private static NodeSelectorRequirement NameIn(params string[] names) => new() { Key = "metadata.name", Operator = "In", Values = names };

    [Fact]
    public void A_pod_pinned_by_name_only_evaluates_its_node_and_reports_the_rest_as_upstream()
    {
        var nodes = new[] { Make.Info(TestObjects.Node("a")), Make.Info(TestObjects.Node("b", cpu: "1")), Make.Info(TestObjects.Node("c")) };
        var ok = Schedule(DefaultProfile(), DaemonPod("100m", NameIn("b")), nodes);
        Assert.Equal("b", ok.SuggestedHost);
        Assert.Equal(1, ok.EvaluatedNodes);

        var full = Schedule(DefaultProfile(), DaemonPod("2", NameIn("b")), nodes);
        Assert.Equal("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].", full.FitError!.Message);
        Assert.Equal(["NodeAffinity", "NodeResourcesFit"], full.FitError.UnschedulablePlugins.Order());

        var gone = Schedule(DefaultProfile(), DaemonPod("100m", NameIn("deleted-node")), nodes);
        Assert.Equal("0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity].", gone.FitError!.Message);

        var conflict = Schedule(DefaultProfile(), DaemonPod("100m", NameIn("a"), NameIn("b")), nodes);
        Assert.Equal("0/3 nodes are available: pod affinity terms conflict.", conflict.FitError!.Message);
    }

    [Fact]
    public void Picks_the_least_allocated_node_by_default()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("busy"), TestObjects.PodRequesting("x", "3", "6Gi")),
            Make.Info(TestObjects.Node("idle")),
            Make.Info(TestObjects.Node("half"), TestObjects.PodRequesting("y", "2", "4Gi")),
        };
        var result = Schedule(DefaultProfile(), TestObjects.PodRequesting("p", "500m", "1Gi"), nodes);
        Assert.Equal("idle", result.SuggestedHost);
        Assert.Equal(3, result.FeasibleNodes);
    }

    [Fact]
    public void Score_weights_combine_plugins()
    {
        // "tainted" is emptier (NodeResourcesFit prefers it), but its PreferNoSchedule taint costs
        // TaintToleration's weight 3 × 100, which outweighs the resource scores.
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("tainted", taints: [TestObjects.Taint("spot", "true", TaintEffect.PreferNoSchedule)])),
            Make.Info(TestObjects.Node("used"), TestObjects.PodRequesting("x", "2", "4Gi")),
        };
        Assert.Equal("used", Schedule(DefaultProfile(), TestObjects.PodRequesting("p", "500m", "1Gi"), nodes).SuggestedHost);
    }

    [Fact]
    public void Ties_are_broken_by_the_random_source()
    {
        var nodes = Enumerable.Range(0, 4).Select(i => Make.Info(TestObjects.Node($"n{i}"))).ToArray();
        Assert.Equal("n3", Schedule(DefaultProfile(), TestObjects.PodRequesting("p", "1"), nodes, new FixedRandom(0)).SuggestedHost);
        Assert.Equal("n0", Schedule(DefaultProfile(), TestObjects.PodRequesting("p", "1"), nodes, new FixedRandom(int.MaxValue)).SuggestedHost);
        var seen = new HashSet<string>();
        var scheduler = new GenericScheduler(DefaultProfile(), new Random(7));
        for (var i = 0; i < 200; i++)
        {
            seen.Add(scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p", "1")), NodeSnapshot.Create(nodes)).SuggestedHost!);
        }
        Assert.Equal(4, seen.Count);
    }

    [Fact]
    public void A_single_feasible_node_is_chosen_without_scoring()
    {
        var profile = new SchedulingProfile("s", [new NodeResourcesFit()], [new WeightedScorePlugin(new ThrowingScore(), 1)]);
        var nodes = new[] { Make.Info(TestObjects.Node("small", cpu: "1")), Make.Info(TestObjects.Node("big", cpu: "8")) };
        var result = Schedule(profile, TestObjects.PodRequesting("p", "2"), nodes);
        Assert.Equal("big", result.SuggestedHost);
    }

    [Fact]
    public void A_score_outside_0_to_100_fails_the_cycle()
    {
        var profile = new SchedulingProfile("s", [], [new WeightedScorePlugin(new ConstantScore(101), 1)]);
        var result = Schedule(profile, TestObjects.PodRequesting("p"), [Make.Info(TestObjects.Node("a")), Make.Info(TestObjects.Node("b"))]);
        Assert.False(result.Succeeded);
        Assert.Null(result.FitError);
        Assert.Contains("invalid score 101", result.Error);
    }

    [Theory]
    [InlineData(50, 0, 50)]
    [InlineData(99, 0, 99)]
    [InlineData(100, 0, 100)]
    [InlineData(1000, 0, 420)]
    [InlineData(5000, 0, 500)]
    [InlineData(10000, 0, 500)]
    [InlineData(20000, 0, 1000)]
    [InlineData(1000, 30, 300)]
    [InlineData(200, 10, 100)]
    [InlineData(1000, 100, 1000)]
    public void Number_of_feasible_nodes_to_find(int nodes, int percentage, int expected)
    {
        Assert.Equal(expected, GenericScheduler.NumFeasibleNodesToFind(nodes, percentage));
    }

    [Fact]
    public void At_5000_nodes_filtering_stops_at_the_threshold_and_rotates()
    {
        var nodes = Enumerable.Range(0, 5000).Select(i => Make.Info(TestObjects.Node($"n{i:D4}"))).ToArray();
        var counter = new CountingFilter();
        var profile = new SchedulingProfile("s", [counter], [new WeightedScorePlugin(new NodeResourcesFit(), 1)]);
        var scheduler = new GenericScheduler(profile);
        var snapshot = NodeSnapshot.Create(nodes);

        var first = scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p1", "100m")), snapshot);
        Assert.Equal(500, first.EvaluatedNodes);
        Assert.Equal(500, first.FeasibleNodes);
        Assert.Equal(500, counter.Seen.Count);
        Assert.Equal("n0000", counter.Seen[0]);
        Assert.Equal("n0499", counter.Seen[^1]);
        Assert.Equal(500, scheduler.NextStartNodeIndex);

        counter.Seen.Clear();
        scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p2", "100m")), snapshot);
        Assert.Equal("n0500", counter.Seen[0]);
        Assert.Equal("n0999", counter.Seen[^1]);

        // Wraps around the end of the list.
        scheduler.NextStartNodeIndex = 4800;
        counter.Seen.Clear();
        scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p3", "100m")), snapshot);
        Assert.Equal("n4800", counter.Seen[0]);
        Assert.Equal("n0299", counter.Seen[^1]);
        Assert.Equal(300, scheduler.NextStartNodeIndex);
    }

    [Fact]
    public void Infeasible_nodes_count_as_processed_when_sampling()
    {
        // Every other node is too small: finding 500 feasible nodes takes 1000 evaluations.
        var nodes = Enumerable.Range(0, 5000).Select(i => Make.Info(TestObjects.Node($"n{i}", cpu: i % 2 == 0 ? "1" : "8"))).ToArray();
        var scheduler = new GenericScheduler(DefaultProfile());
        var result = scheduler.Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p", "2")), NodeSnapshot.Create(nodes));
        Assert.Equal(500, result.FeasibleNodes);
        Assert.Equal(1000, result.EvaluatedNodes);
        Assert.Equal(1000, scheduler.NextStartNodeIndex);
    }

    [Fact]
    public void An_unschedulable_pod_evaluates_every_node()
    {
        var nodes = Enumerable.Range(0, 5000).Select(i => Make.Info(TestObjects.Node($"n{i}", cpu: "1"))).ToArray();
        var result = new GenericScheduler(DefaultProfile()).Schedule(new CycleState(), PodInfo.Create(TestObjects.PodRequesting("p", "2")), NodeSnapshot.Create(nodes));
        Assert.Equal(5000, result.EvaluatedNodes);
        Assert.Equal("0/5000 nodes are available: 5000 Insufficient cpu.", result.FitError!.Message);
    }

    private sealed class FixedRandom(int value) : Random
    {
        public override int Next(int maxValue) => Math.Min(value, maxValue - 1);
    }

    private sealed class CountingFilter : IFilterPlugin
    {
        public List<string> Seen { get; } = [];

        public string Name => "Counting";

        public FilterResult Filter(CycleState state, Pod pod, NodeInfo node)
        {
            Seen.Add(node.Name);
            return FilterResult.Success;
        }
    }

    private sealed class RejectingPreFilter : IPreFilterPlugin, IFilterPlugin
    {
        public string Name => "Rejecting";

        public FilterResult PreFilter(CycleState state, Pod pod) => FilterResult.UnschedulableAndUnresolvable("pod has unbound immediate claims");

        public FilterResult Filter(CycleState state, Pod pod, NodeInfo node) => throw new InvalidOperationException("must not run");
    }

    private sealed class ThrowingScore : IScorePlugin
    {
        public string Name => "Throwing";

        public long Score(CycleState state, Pod pod, NodeInfo node) => throw new InvalidOperationException("must not run");
    }

    private sealed class ConstantScore(long value) : IScorePlugin
    {
        public string Name => "Constant";

        public long Score(CycleState state, Pod pod, NodeInfo node) => value;
    }
}
