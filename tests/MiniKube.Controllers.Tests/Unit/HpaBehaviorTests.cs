using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Controllers.Autoscaling;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>Stabilization, behavior policies and the whole sync decision, on a fake clock.</summary>
public sealed class HpaBehaviorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);

    private static HorizontalPodAutoscalerSpec Spec(int min, int max, HorizontalPodAutoscalerBehavior? behavior = null) => new()
    {
        MinReplicas = min,
        MaxReplicas = max,
        Behavior = behavior,
        ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
    };

    [Fact]
    public void Without_behavior_scale_up_is_limited_to_twice_or_four()
    {
        var n = new ScaleNormalizer(TimeSpan.FromMinutes(5), _time);
        var (desired, _, limited) = n.Normalize("k", Spec(1, 100), 1, 20, 1);
        Assert.Equal(4, desired);
        Assert.Equal(("ScaleUpLimit", ConditionStatus.True), (limited.Reason, limited.Status));
        (desired, _, limited) = n.Normalize("k", Spec(1, 100), 10, 50, 1);
        Assert.Equal(20, desired);
        (desired, _, limited) = n.Normalize("k", Spec(1, 6), 4, 50, 1);
        Assert.Equal(6, desired);
        Assert.Equal("TooManyReplicas", limited.Reason);
    }

    [Fact]
    public void Without_behavior_scale_down_waits_for_the_stabilization_window()
    {
        var n = new ScaleNormalizer(TimeSpan.FromMinutes(5), _time);
        n.RecordInitialRecommendation("k", 4);
        var (desired, able, _) = n.Normalize("k", Spec(1, 10), 4, 1, 1);
        Assert.Equal(4, desired);
        Assert.Equal("ScaleDownStabilized", able.Reason);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(4, n.Normalize("k", Spec(1, 10), 4, 1, 1).Desired);
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var result = n.Normalize("k", Spec(1, 10), 4, 1, 1);
        Assert.Equal(1, result.Desired);
        Assert.Equal("ReadyForNewScale", result.AbleToScale.Reason);
    }

    [Fact]
    public void Min_replicas_is_honoured()
    {
        var n = new ScaleNormalizer(TimeSpan.Zero, _time);
        var (desired, _, limited) = n.Normalize("k", Spec(2, 10), 3, 1, 2);
        Assert.Equal(2, desired);
        Assert.Equal(("TooFewReplicas", ConditionStatus.True), (limited.Reason, limited.Status));
    }

    [Fact]
    public void Default_behavior_scales_up_by_the_larger_of_4_pods_and_100_percent_per_15s()
    {
        var n = new ScaleNormalizer(TimeSpan.FromMinutes(5), _time);
        var behavior = new HorizontalPodAutoscalerBehavior();
        Assert.Equal(5, n.Normalize("k", Spec(1, 100, behavior), 1, 50, 1).Desired); // 1 + 4 pods > 1 × 2
        n.RecordScaleEvent("k", behavior, 1, 5);
        // Within the same 15 s period the limit is measured from the period's start (1): still 5.
        Assert.Equal(5, n.Normalize("k", Spec(1, 100, behavior), 5, 50, 1).Desired);
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(10, n.Normalize("k", Spec(1, 100, behavior), 5, 50, 1).Desired); // 5 × 200 %
    }

    [Fact]
    public void One_pod_per_period_policy_adds_one_pod_per_period()
    {
        var n = new ScaleNormalizer(TimeSpan.FromMinutes(5), _time);
        var behavior = new HorizontalPodAutoscalerBehavior
        {
            ScaleUp = new HPAScalingRules { Policies = [new HPAScalingPolicy { Type = HPAScalingPolicyType.Pods, Value = 1, PeriodSeconds = 10 }] },
        };
        var current = 1;
        var sizes = new List<int>();
        for (var step = 0; step < 8; step++)
        {
            var (desired, _, limited) = n.Normalize("k", Spec(1, 4, behavior), current, 4, 1);
            if (desired != current)
            {
                n.RecordScaleEvent("k", behavior, current, desired);
                current = desired;
            }
            sizes.Add(current);
            _time.Advance(TimeSpan.FromSeconds(5));
        }
        // Syncs every 5 s: one pod per 10 s period, capped at max 4.
        Assert.Equal([2, 2, 3, 3, 4, 4, 4, 4], sizes);
    }

    [Fact]
    public void Select_policy_min_and_disabled()
    {
        var n = new ScaleNormalizer(TimeSpan.Zero, _time);
        var policies = new List<HPAScalingPolicy>
        {
            new() { Type = HPAScalingPolicyType.Pods, Value = 1, PeriodSeconds = 60 },
            new() { Type = HPAScalingPolicyType.Percent, Value = 50, PeriodSeconds = 60 },
        };
        var min = new HorizontalPodAutoscalerBehavior { ScaleDown = new HPAScalingRules { SelectPolicy = ScalingPolicySelect.Min, Policies = policies, StabilizationWindowSeconds = 0 } };
        Assert.Equal(9, n.Normalize("a", Spec(1, 10, min), 10, 1, 1).Desired); // min change: 1 pod rather than 50 %
        var max = new HorizontalPodAutoscalerBehavior { ScaleDown = new HPAScalingRules { Policies = policies, StabilizationWindowSeconds = 0 } };
        var (desired, _, limited) = n.Normalize("b", Spec(1, 10, max), 10, 1, 1);
        Assert.Equal(5, desired); // max change: 50 %
        Assert.Equal("ScaleDownLimit", limited.Reason);
        var disabled = new HorizontalPodAutoscalerBehavior { ScaleUp = new HPAScalingRules { SelectPolicy = ScalingPolicySelect.Disabled } };
        Assert.Equal(3, n.Normalize("c", Spec(1, 10, disabled), 3, 8, 1).Desired);
    }

    [Fact]
    public void Scale_up_stabilization_window_takes_the_lowest_recent_recommendation()
    {
        var n = new ScaleNormalizer(TimeSpan.Zero, _time);
        var behavior = new HorizontalPodAutoscalerBehavior { ScaleUp = new HPAScalingRules { StabilizationWindowSeconds = 60 } };
        n.RecordInitialRecommendation("k", 2);
        var (desired, able, _) = n.Normalize("k", Spec(1, 10, behavior), 2, 6, 1);
        Assert.Equal(2, desired);
        Assert.Equal("ScaleUpStabilized", able.Reason);
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(6, n.Normalize("k", Spec(1, 10, behavior), 2, 6, 1).Desired);
    }

    private static HorizontalPodAutoscaler Hpa(params MetricSpec[] metrics) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Generation = 1 },
        Spec = Spec(1, 10) with { Metrics = metrics },
    };

    private static MetricSpec Cpu(int percent) => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource { Name = ResourceName.Cpu, Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = percent } },
    };

    private static MetricSpec Memory(string average) => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource { Name = ResourceName.Memory, Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse(average) } },
    };

    private List<Pod> Pods(int n) => [.. Enumerable.Range(0, n).Select(i => new Pod
    {
        Metadata = new ObjectMeta { Name = $"web-{i}", Namespace = "default" },
        Spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Name = "app", Image = "busybox",
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("64Mi") } },
                },
            ],
        },
        Status = new PodStatus
        {
            Phase = PodPhase.Running, StartTime = Start.AddMinutes(-10),
            Conditions = [new PodCondition { Type = PodConditionType.Ready, Status = ConditionStatus.True, LastTransitionTime = Start.AddMinutes(-9) }],
        },
    })];

    private List<PodMetrics> Usage(int n, string cpu, string memory) => [.. Enumerable.Range(0, n).Select(i => new PodMetrics
    {
        Metadata = new ObjectMeta { Name = $"web-{i}", Namespace = "default" },
        Timestamp = Start.AddSeconds(-1),
        Window = "15s",
        Containers = [new ContainerMetrics { Name = "app", Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) } }],
    })];

    private AutoscalerDecision Decision() => new(new ReplicaCalculator(0.1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), _time),
        new ScaleNormalizer(TimeSpan.FromMinutes(5), _time), _time);

    private static Scale ScaleOf(int replicas) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new ScaleSpec { Replicas = replicas },
        Status = new ScaleStatus { Replicas = replicas, Selector = "app=web" },
    };

    [Fact]
    public void Sync_scales_up_with_kubernetes_reason_status_and_conditions()
    {
        var outcome = Decision().Decide("default/web", Hpa(Cpu(50)), ScaleOf(2), Pods(2), Usage(2, "170m", "10Mi"), null);
        Assert.True(outcome.Rescale);
        Assert.Equal(4, outcome.DesiredReplicas); // 170 % / 50 % → ceil(3.4 × 2) = 7, limited to max(2 × 2, 4) = 4
        Assert.Equal("cpu resource utilization (percentage of request) above target", outcome.Reason);
        var status = outcome.Status;
        Assert.Equal((2, 4), (status.CurrentReplicas, status.DesiredReplicas));
        Assert.Equal(Start, status.LastScaleTime);
        Assert.Equal(170, status.CurrentMetrics![0].Resource!.Current.AverageUtilization);
        Assert.Equal("170m", status.CurrentMetrics[0].Resource!.Current.AverageValue!.Value.ToString());
        Assert.Equal(["AbleToScale", "ScalingActive", "ScalingLimited"], status.Conditions!.Select(c => c.Type));
        var active = status.Conditions!.Single(c => c.Type == "ScalingActive");
        Assert.Equal(("True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
            (active.Status, active.Reason, active.Message));
        Assert.Equal(("True", "ScaleUpLimit"), (status.Conditions![2].Status, status.Conditions[2].Reason));
    }

    [Fact]
    public void Several_metrics_take_the_largest_proposal()
    {
        // cpu: 60 % vs 50 % → ceil(1.2 × 2) = 3; memory: 96Mi average vs 32Mi → 6, limited to 4.
        var outcome = Decision().Decide("default/web", Hpa(Cpu(50), Memory("32Mi")), ScaleOf(2), Pods(2), Usage(2, "60m", "96Mi"), null);
        Assert.Equal(4, outcome.DesiredReplicas);
        Assert.Equal("memory resource above target", outcome.Reason);
        Assert.Equal(2, outcome.Status.CurrentMetrics!.Count);
        // A milli-quantity in DecimalSI, as Kubernetes reports it (kubectl shows memory: 100663296/32Mi).
        Assert.Equal("100663296", outcome.Status.CurrentMetrics[1].Resource!.Current.AverageValue!.Value.ToString());

        // Both below target: "All metrics below target"; the 5 min window keeps the size until it passes.
        var decision = Decision();
        var down = decision.Decide("default/web", Hpa(Cpu(50), Memory("32Mi")), ScaleOf(4), Pods(4), Usage(4, "10m", "8Mi"), null);
        Assert.False(down.Rescale);
        Assert.Equal("ScaleDownStabilized", down.Status.Conditions!.Single(c => c.Type == "AbleToScale").Reason);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        down = decision.Decide("default/web", Hpa(Cpu(50), Memory("32Mi")), ScaleOf(4), Pods(4), Usage(4, "10m", "8Mi"), null);
        Assert.Equal((true, 1, "All metrics below target"), (down.Rescale, down.DesiredReplicas, down.Reason));
    }

    [Fact]
    public void Missing_metrics_and_unsupported_sources_set_scaling_active_false()
    {
        var outcome = Decision().Decide("default/web", Hpa(Cpu(50)), ScaleOf(2), Pods(2), [], null);
        Assert.False(outcome.Rescale);
        Assert.Equal("invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
            outcome.Error);
        var active = outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive");
        Assert.Equal(("False", "FailedGetResourceMetric"), (active.Status, active.Reason));
        Assert.Contains(outcome.Events, e => e.Reason == "FailedComputeMetricsReplicas");

        var pods = new MetricSpec { Type = MetricSourceType.Pods };
        outcome = Decision().Decide("default/web", Hpa(pods), ScaleOf(2), Pods(2), Usage(2, "60m", "8Mi"), null);
        Assert.Equal("InvalidMetricSourceType", outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive").Reason);

        // One of two metrics failing does not stop a scale-up from the other.
        outcome = Decision().Decide("default/web", Hpa(Cpu(50), pods), ScaleOf(2), Pods(2), Usage(2, "100m", "8Mi"), null);
        Assert.Equal((true, 4), (outcome.Rescale, outcome.DesiredReplicas));
    }

    [Fact]
    public void Zero_replicas_disable_scaling_and_bounds_are_enforced_first()
    {
        var outcome = Decision().Decide("default/web", Hpa(Cpu(50)), ScaleOf(0), Pods(0), [], null);
        Assert.False(outcome.Rescale);
        Assert.Equal("ScalingDisabled", outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive").Reason);

        outcome = Decision().Decide("default/web", Hpa(Cpu(50)), ScaleOf(12), Pods(12), Usage(12, "50m", "8Mi"), null);
        Assert.Equal((true, 10, "Current number of replicas above Spec.MaxReplicas"), (outcome.Rescale, outcome.DesiredReplicas, outcome.Reason));
    }
}
