using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class NodeResourcesFitTests
{
    private readonly NodeResourcesFit fit = new();

    [Theory]
    // node cpu/memory/pods, existing pod requests (cpu, memory), new pod requests, expected reasons ("" = fits)
    [InlineData("4", "8Gi", 110, "1", "1Gi", "3", "7Gi", "")]
    [InlineData("4", "8Gi", 110, "1", "1Gi", "3500m", "1Gi", "Insufficient cpu")]
    [InlineData("4", "8Gi", 110, "1", "1Gi", "1", "7.5Gi", "Insufficient memory")]
    [InlineData("4", "8Gi", 110, "1", "1Gi", "4", "8Gi", "Insufficient cpu|Insufficient memory")]
    [InlineData("4", "8Gi", 1, "1", "1Gi", "1", "1Gi", "Too many pods")]
    [InlineData("4", "8Gi", 1, "4", "8Gi", "1", "1Gi", "Too many pods|Insufficient cpu|Insufficient memory")]
    [InlineData("4", "8Gi", 1, "4", "8Gi", null, null, "Too many pods")]
    [InlineData("4", "8Gi", 110, "4", "8Gi", null, null, "")]
    public void Filter(string cpu, string memory, int pods, string usedCpu, string usedMemory, string? podCpu, string? podMemory, string expected)
    {
        var node = Make.Info(TestObjects.Node("n1", cpu, memory, pods), TestObjects.PodRequesting("existing", usedCpu, usedMemory));
        var result = Run.Filter(fit, TestObjects.PodRequesting("p", podCpu, podMemory), node);
        Assert.Equal(expected, string.Join("|", result.Reasons));
        Assert.Equal(expected.Length == 0 ? FilterCode.Success : FilterCode.Unschedulable, result.Code);
    }

    [Fact]
    public void Extended_resources_must_fit_unless_ignored()
    {
        var gpuNode = Make.Info(TestObjects.Node("n1", extra: new Dictionary<string, Quantity> { ["example.com/gpu"] = Quantity.Parse("1") }));
        var spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "c",
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["example.com/gpu"] = Quantity.Parse("2") } },
                },
            ],
        };
        var pod = TestObjects.PodRequesting("p", spec: spec);
        Assert.Equal(["Insufficient example.com/gpu"], Run.Filter(fit, pod, gpuNode).Reasons);
        Assert.True(Run.Filter(new NodeResourcesFit(new NodeResourcesFitArgs { IgnoredResources = ["example.com/gpu"] }), pod, gpuNode).IsSuccess);
        Assert.True(Run.Filter(new NodeResourcesFit(new NodeResourcesFitArgs { IgnoredResourceGroups = ["example.com"] }), pod, gpuNode).IsSuccess);
    }

    [Fact]
    public void LeastAllocated_prefers_the_emptier_node_using_non_zero_requests()
    {
        // Node capacity 4 cpu / 8Gi. n1 runs a best-effort pod: it counts 100m / 200Mi for scoring.
        var n1 = Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("be"));
        var n2 = Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("big", "2", "4Gi"));
        var (raw, _) = Run.Score(fit, TestObjects.PodRequesting("p", "1", "2Gi"), [n1, n2]);
        // n1: cpu (4000-1100)*100/4000 = 72, memory (8192-2248)*100/8192 = 72 (integer) → 72
        // n2: cpu (4000-3000)*100/4000 = 25, memory (8192-6144)*100/8192 = 25 → 25
        Assert.Equal([72L, 25L], raw);
    }

    [Fact]
    public void MostAllocated_prefers_the_fuller_node()
    {
        var most = new NodeResourcesFit(new NodeResourcesFitArgs { ScoringStrategy = new ScoringStrategy { Type = ScoringStrategyType.MostAllocated } });
        var n1 = Make.Info(TestObjects.Node("n1"));
        var n2 = Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("big", "2", "4Gi"));
        var (raw, _) = Run.Score(most, TestObjects.PodRequesting("p", "1", "2Gi"), [n1, n2]);
        Assert.Equal([25L, 75L], raw);
    }

    [Fact]
    public void Resource_weights_skew_the_average()
    {
        var weighted = new NodeResourcesFit(new NodeResourcesFitArgs
        {
            ScoringStrategy = new ScoringStrategy { Resources = [new ResourceSpec("cpu", 3), new ResourceSpec("memory", 1)] },
        });
        // cpu 50 % free → 50, memory 75 % free → 75; (50*3 + 75) / 4 = 56
        var (raw, _) = Run.Score(weighted, TestObjects.PodRequesting("p", "2", "2Gi"), [Make.Info(TestObjects.Node("n1"))]);
        Assert.Equal(56, raw[0]);
    }

    [Fact]
    public void RequestedToCapacityRatio_follows_the_shape()
    {
        var ratio = new NodeResourcesFit(new NodeResourcesFitArgs
        {
            ScoringStrategy = new ScoringStrategy
            {
                Type = ScoringStrategyType.RequestedToCapacityRatio,
                Shape = [new UtilizationShapePoint(0, 0), new UtilizationShapePoint(100, 10)],
            },
        });
        // 50 % cpu and 25 % memory → 50 and 25 → round(75/2) = 38
        var (raw, _) = Run.Score(ratio, TestObjects.PodRequesting("p", "2", "2Gi"), [Make.Info(TestObjects.Node("n1"))]);
        Assert.Equal(38, raw[0]);
    }

    [Fact]
    public void An_overcommitted_node_scores_zero_with_LeastAllocated()
    {
        var (raw, _) = Run.Score(fit, TestObjects.PodRequesting("p", "8", "16Gi"), [Make.Info(TestObjects.Node("n1"))]);
        Assert.Equal(0, raw[0]);
    }
}

public sealed class BalancedAllocationTests
{
    private readonly NodeResourcesBalancedAllocation plugin = new();

    [Fact]
    public void Equal_fractions_score_100_and_skew_lowers_it()
    {
        var n1 = Make.Info(TestObjects.Node("n1"));
        var n2 = Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("cpu-heavy", "2", "0"));
        var (raw, _) = Run.Score(plugin, TestObjects.PodRequesting("p", "1", "2Gi"), [n1, n2]);
        // n1: 0.25 / 0.25 → std 0 → 100. n2: 0.75 / 0.25 → std 0.25 → 75.
        Assert.Equal([100L, 75L], raw);
    }

    [Fact]
    public void Uses_real_requests_not_the_non_zero_defaults()
    {
        // A best-effort pod on the node adds nothing; with the non-zero defaults n1 would not score 100.
        var n1 = Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("be"));
        var (raw, _) = Run.Score(plugin, TestObjects.PodRequesting("p", "1", "2Gi"), [n1]);
        Assert.Equal(100, raw[0]);
    }

    [Fact]
    public void Best_effort_pods_are_not_scored()
    {
        var n1 = Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("cpu-heavy", "3"));
        var state = new CycleState();
        var pod = TestObjects.PodRequesting("p");
        state.Reset(PodInfo.Create(pod), NodeSnapshot.Create([n1]));
        Assert.Equal(FilterCode.Skip, plugin.PreScore(state, pod, [n1]).Code);
    }
}
