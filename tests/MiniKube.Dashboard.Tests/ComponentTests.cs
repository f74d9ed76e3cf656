using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Dashboard.Components.Pages;
using MiniKube.Dashboard.Components.Shared;
using MiniKube.Dashboard.State;

namespace MiniKube.Dashboard.Tests;

/// <summary>bUnit: pages render what the cluster view holds and re-render when it changes.</summary>
public sealed class ComponentTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly StaticClusterView _view = new();
    private readonly List<NodeMetrics> _nodeMetrics = [];
    private readonly MetricsHistory _history;

    public ComponentTests()
    {
        _history = new MetricsHistory(_ => Task.FromResult<IReadOnlyList<PodMetrics>>([]), _ => Task.FromResult<IReadOnlyList<NodeMetrics>>([.. _nodeMetrics]),
            TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(15), TimeProvider.System, NullLogger.Instance);
        _context.Services.AddSingleton(_history);
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddSingleton<IClusterView>(_view);
        _context.Services.AddSingleton(TimeProvider.System);
        _context.Services.AddSingleton(new DashboardOptions { Server = "http://127.0.0.1:1", RenderCoalescing = TimeSpan.FromMilliseconds(5) });
    }

    public void Dispose()
    {
        _context.Dispose();
        _history.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static Node Node(string name, string cpu = "4", string memory = "8Gi") => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new ObjectMeta { Name = name, Uid = "node-" + name, CreationTimestamp = DateTimeOffset.UtcNow },
        Spec = new NodeSpec { Taints = [new Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }] },
        Status = new NodeStatus
        {
            Capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) },
            Allocatable = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) },
            Conditions = [new NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    private static Pod Pod(string name, string node, string phase, IReadOnlyDictionary<string, string>? labels = null, string cpu = "250m") => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Uid = "pod-" + name, Labels = labels, CreationTimestamp = DateTimeOffset.UtcNow },
        Spec = new PodSpec
        {
            NodeName = node,
            Containers = [new Container { Name = "app", Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse("64Mi") } } }],
        },
        Status = new PodStatus { Phase = phase },
    };

    [Fact]
    public void Overview_shows_nodes_with_requests_taints_and_phase_counts()
    {
        _view.Put(Node("n1"), Pod("a", "n1", "Running"), Pod("b", "n1", "Running"), Pod("c", "", "Pending"));
        var cut = _context.Render<Overview>();

        var row = cut.Find("tr[data-node=n1]");
        Assert.Contains("500m / 4 (4)", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("128Mi / 8Gi (8Gi)", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("dedicated=db:NoSchedule", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Ready=True", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("2", cut.Find("[data-phase=Running] .num").TextContent);
        Assert.Equal("1", cut.Find("[data-phase=Pending] .num").TextContent);
    }

    [Fact]
    public void Overview_re_renders_when_the_view_changes()
    {
        _view.Put(Node("n1"));
        var cut = _context.Render<Overview>();
        Assert.Empty(cut.FindAll("tr[data-node=n2]"));

        _view.Put(Node("n2"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr[data-node=n2]")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Overview_shows_cpu_and_memory_sparklines_per_node_from_the_metrics_history()
    {
        _view.Put(Node("n1"), Node("n2"));
        var t0 = DateTimeOffset.UtcNow.AddSeconds(-30);
        NodeMetrics Usage(DateTimeOffset at, string cpu, string memory) => new()
        {
            Metadata = new ObjectMeta { Name = "n1" },
            Timestamp = at,
            Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) },
        };
        _nodeMetrics.Add(Usage(t0, "100m", "256Mi"));
        await _history.SampleAsync(CancellationToken.None);
        var cut = _context.Render<Overview>();
        Assert.Equal("100m", cut.Find("tr[data-node=n1] td.spark.cpu [data-test=latest]").TextContent);

        _nodeMetrics[0] = Usage(t0.AddSeconds(15), "300m", "512Mi");
        await _history.SampleAsync(CancellationToken.None);
        cut.WaitForAssertion(() => Assert.Equal("300m", cut.Find("tr[data-node=n1] td.spark.cpu [data-test=latest]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Equal("512 MiB", cut.Find("tr[data-node=n1] td.spark.memory [data-test=latest]").TextContent);
        Assert.Equal(2, cut.Find("tr[data-node=n1] td.spark.cpu polyline").GetAttribute("points")!.Split(' ').Length);
        Assert.Equal(2, cut.Find("tr[data-node=n1] td.spark.memory polyline").GetAttribute("points")!.Split(' ').Length);
        // A node the metrics pipeline has not reported yet says so instead of drawing an empty line.
        Assert.Equal(2, cut.FindAll("tr[data-node=n2] [data-test=no-metrics]").Count);
    }

    [Fact]
    public void Overview_lists_recent_warnings_only()
    {
        _view.Put(
            new Event { Metadata = new ObjectMeta { Name = "e1", Namespace = "default" }, Type = "Warning", Reason = "FailedScheduling", Message = "0/1 nodes are available", InvolvedObject = new ObjectReference { Kind = "Pod", Name = "x", Namespace = "default" }, LastTimestamp = DateTimeOffset.UtcNow },
            new Event { Metadata = new ObjectMeta { Name = "e2", Namespace = "default" }, Type = "Normal", Reason = "Scheduled", Message = "assigned", InvolvedObject = new ObjectReference { Kind = "Pod", Name = "x", Namespace = "default" }, LastTimestamp = DateTimeOffset.UtcNow });
        var cut = _context.Render<Overview>();
        Assert.Contains("FailedScheduling", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(">Scheduled<", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Pods_filter_by_label_selector_and_text()
    {
        var pods = Enumerable.Range(0, 1000).Select(i => (KubeObject)Pod($"p{i:0000}", i % 2 == 0 ? "n1" : "n2", "Running",
            new Dictionary<string, string> { ["app"] = i % 10 == 0 ? "web" : "batch" })).ToArray();
        _view.Put(pods);
        var cut = _context.Render<Pods>();
        Assert.Equal("1000", cut.Find("[data-test=pod-count]").TextContent);

        cut.Find("[data-test=selector]").Input("app=web");
        Assert.Equal("100", cut.Find("[data-test=pod-count]").TextContent);

        cut.Find("[data-test=search]").Input("p00");
        Assert.Equal("10", cut.Find("[data-test=pod-count]").TextContent);

        cut.Find("[data-test=selector]").Input("app in (");
        Assert.Contains("label selector", cut.Find("[data-test=selector-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeline_renders_the_seven_steps()
    {
        var pod = Pod("web", "n1", "Running") with { Status = new PodStatus { Phase = "Running", StartTime = DateTimeOffset.UtcNow } };
        var cut = _context.Render<PodTimelineView>(p => p.Add(x => x.Pod, pod).Add(x => x.Events, []));
        var steps = cut.FindAll("li[data-step]");
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], steps.Select(s => s.GetAttribute("data-step")));
        Assert.Equal("Done", steps[4].GetAttribute("data-state"));
        Assert.Equal("Pending", steps[6].GetAttribute("data-state"));
    }

    [Fact]
    public void Timeline_lists_the_node_scores_best_first_and_marks_the_chosen_node()
    {
        var pod = Pod("web", "n2", "Running") with { Metadata = Pod("web", "n2", "Running").Metadata with { Uid = "u-web" } };
        var scheduled = new Event
        {
            Metadata = new ObjectMeta { Name = "web.1", Namespace = "default" },
            InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web", Namespace = "default", Uid = "u-web" },
            Reason = "Scheduled",
            Message = "Successfully assigned default/web to n2 (scores: n2=187, n1=161)",
            Type = "Normal",
            LastTimestamp = DateTimeOffset.UtcNow,
        };
        var cut = _context.Render<PodTimelineView>(p => p.Add(x => x.Pod, pod).Add(x => x.Events, [scheduled]));
        var rows = cut.FindAll("li[data-step='3'] [data-test=scores] tbody tr");
        Assert.Equal(["n2", "n1"], rows.Select(r => r.GetAttribute("data-node")));
        Assert.Equal(["187", "161"], rows.Select(r => r.QuerySelector("[data-test=score]")!.TextContent));
        Assert.Equal("chosen", rows[0].GetAttribute("class"));
        Assert.NotEqual("chosen", rows[1].GetAttribute("class"));
    }

    [Fact]
    public void Vpa_page_shows_mode_target_recommendation_and_re_renders_on_a_new_recommendation()
    {
        var vpa = new VerticalPodAutoscaler
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default", Uid = "vpa-web", CreationTimestamp = DateTimeOffset.UtcNow },
            Spec = new VerticalPodAutoscalerSpec { TargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" } },
        };
        _view.Put(vpa);
        var cut = _context.Render<VerticalPodAutoscalers>();
        var row = cut.Find("tr[data-vpa=web]");
        Assert.Equal("Recreate (default)", row.QuerySelector("[data-test=mode]")!.TextContent);
        Assert.Equal("Deployment/web", row.QuerySelector("[data-test=target] a")!.TextContent);
        Assert.Equal("objects/deployments/default/web", row.QuerySelector("[data-test=target] a")!.GetAttribute("href"));
        Assert.Equal("none yet", row.QuerySelector("[data-test=recommendation]")!.TextContent);

        _view.Put(vpa with
        {
            Spec = vpa.Spec! with { UpdatePolicy = new PodUpdatePolicy { UpdateMode = "Off" } },
            Status = new VerticalPodAutoscalerStatus
            {
                Recommendation = new RecommendedPodResources
                {
                    ContainerRecommendations =
                    [
                        new RecommendedContainerResources { ContainerName = "app", Target = new Dictionary<string, Quantity> { ["memory"] = Quantity.Parse("128Mi"), ["cpu"] = Quantity.Parse("250m") } },
                        new RecommendedContainerResources { ContainerName = "sidecar", Target = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("10m") } },
                    ],
                },
                Conditions = [new VerticalPodAutoscalerCondition { Type = "RecommendationProvided", Status = "True" }],
            },
        });
        cut.WaitForAssertion(() =>
        {
            var updated = cut.Find("tr[data-vpa=web]");
            Assert.Equal("Off", updated.QuerySelector("[data-test=mode]")!.TextContent);
            Assert.Equal("app: cpu 250m, memory 128Mi; sidecar: cpu 10m", updated.QuerySelector("[data-test=recommendation]")!.TextContent);
            Assert.Equal("True", updated.QuerySelector("[data-test=provided]")!.TextContent);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Deployment_rollout_text_follows_the_status()
    {
        var d = new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default", Generation = 2 },
            Spec = new DeploymentSpec { Replicas = 3 },
            Status = new DeploymentStatus { ObservedGeneration = 2, Replicas = 4, UpdatedReplicas = 2, AvailableReplicas = 2 },
        };
        Assert.Equal("2 of 3 updated", Deployments.RolloutText(d));
        Assert.Equal("complete", Deployments.RolloutText(d with { Status = d.Status with { Replicas = 3, UpdatedReplicas = 3, AvailableReplicas = 3 } }));
        Assert.Equal("waiting for the controller", Deployments.RolloutText(d with { Status = d.Status with { ObservedGeneration = 1 } }));
    }
}
