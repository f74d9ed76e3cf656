using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Controllers.Autoscaling;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>
/// Pods and Object metrics: the custom-metric cases of Kubernetes' replica_calculator_test.go (same replicas, readiness,
/// levels, targets and expectations, milli-units), and the autoscaler's status, reasons and failures for them.
/// </summary>
public sealed class CustomMetricReplicaTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private ReplicaCalculator Calculator() => new(0.1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), _time);

    private static List<Pod> Pods(int count, bool[]? ready = null) => [.. Enumerable.Range(0, count).Select(i => new Pod
    {
        Metadata = new ObjectMeta { Name = $"test-pod-{i}", Namespace = "default" },
        Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "busybox" }] },
        Status = new PodStatus
        {
            Phase = PodPhase.Running,
            StartTime = Now.AddMinutes(-10),
            Conditions =
            [
                new PodCondition
                {
                    Type = PodConditionType.Ready,
                    Status = ready?[i] ?? true ? ConditionStatus.True : ConditionStatus.False,
                    LastTransitionTime = Now.AddMinutes(-9),
                },
            ],
        },
    })];

    private static Dictionary<string, PodMetric> Levels(params long[] milli) =>
        milli.Select((v, i) => (v, i)).ToDictionary(x => $"test-pod-{x.i}", x => new PodMetric(x.v, Now.AddSeconds(-5), TimeSpan.Zero));

    [Theory]
    // TestReplicaCalcScaleUpCM
    [InlineData(3, new long[] { 20000, 10000, 30000 }, 15000, 4, 20000)]
    // TestReplicaCalcScaleDownCM
    [InlineData(5, new long[] { 12000, 12000, 12000, 12000, 12000 }, 20000, 3, 12000)]
    // TestReplicaCalcToleranceCM
    [InlineData(3, new long[] { 20000, 21000, 21000 }, 20000, 3, 20666)]
    public void Pods_metric_average_against_the_target(int current, long[] levels, long target, int expected, long expectedAverage)
    {
        var p = Calculator().GetMetricReplicas(current, target, Pods(current), Levels(levels));
        Assert.Equal((expected, expectedAverage), (p.Replicas, p.Average));
    }

    [Fact]
    public void Pods_metric_counts_unready_pods_as_cpu_never_does()
    {
        // TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: readiness only matters for cpu, so (50 + 10 + 30) / 3 = 30 vs 15 → 6.
        var p = Calculator().GetMetricReplicas(3, 15000, Pods(3, [false, true, false]), Levels(50000, 10000, 30000));
        Assert.Equal((6, 30000), (p.Replicas, p.Average));
        // TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown: 95 / 3 = 31.666 vs 15 → ceil(2.11 × 3) = 7.
        p = Calculator().GetMetricReplicas(3, 15000, Pods(3, [false, true, false]), Levels(50000, 15000, 30000));
        Assert.Equal((7, 31666), (p.Replicas, p.Average));
    }

    [Fact]
    public void Pods_metric_missing_pods_are_assumed_at_target_on_a_scale_down()
    {
        // Three of four report 10 vs a target of 20: the fourth counts as 20, (30 + 20) / 4 = 12.5 → ceil(0.625 × 4) = 3.
        var p = Calculator().GetMetricReplicas(4, 20000, Pods(4), Levels(10000, 10000, 10000));
        Assert.Equal(3, p.Replicas);
        // On a scale-up the missing one counts as 0: (40 + 40 + 40 + 0) / 4 = 30 vs 20 → 6.
        p = Calculator().GetMetricReplicas(4, 20000, Pods(4), Levels(40000, 40000, 40000));
        Assert.Equal(6, p.Replicas);
    }

    [Theory]
    // TestReplicaCalcScaleUpCMObject: 20 vs 15 over 3 ready pods → 4.
    [InlineData(3, 20000, 15000, 4, null)]
    // TestReplicaCalcScaleDownCMObject: 12 vs 20 over 5 → 3.
    [InlineData(5, 12000, 20000, 3, null)]
    // TestReplicaCalcToleranceCMObject: 20.666 vs 20 → within 10 %.
    [InlineData(3, 20666, 20000, 3, null)]
    // TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods: 50 vs 10 over the one ready pod of three → 5.
    [InlineData(3, 50000, 10000, 5, new[] { false, true, false })]
    // A target at zero replicas: ceil(ratio).
    [InlineData(0, 25000, 10000, 3, null)]
    public void Object_metric_value_target(int current, long usage, long target, int expected, bool[]? ready)
    {
        Assert.Equal(expected, Calculator().GetObjectMetricReplicas(current, target, usage, Pods(current, ready)));
    }

    [Theory]
    // TestReplicaCalcScaleUpCMPerPodObject: 20 / (5 × 3) = 1.33 → ceil(20 / 5) = 4; per pod ceil(20 / 3) = 6.667.
    [InlineData(3, 20000, 5000, 4, 6667)]
    // TestReplicaCalcScaleDownPerPodCMObject: 6 / (2 × 5) = 0.6 → 3; per pod 1.2.
    [InlineData(5, 6000, 2000, 3, 1200)]
    // TestReplicaCalcTolerancePerPodCMObject: 20.166 / (5 × 4) = 1.008 → stays 4; per pod 5.042.
    [InlineData(4, 20166, 5000, 4, 5042)]
    public void Object_metric_average_value_target(int statusReplicas, long usage, long target, int expected, long expectedAverage)
    {
        Assert.Equal((expected, expectedAverage), Calculator().GetObjectPerPodMetricReplicas(statusReplicas, target, usage));
    }

    private AutoscalerDecision Decision() => new(Calculator(), new ScaleNormalizer(TimeSpan.Zero, _time), _time);

    private static HorizontalPodAutoscaler Hpa(params MetricSpec[] metrics) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Generation = 1 },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            MinReplicas = 1,
            MaxReplicas = 10,
            Metrics = metrics,
        },
    };

    private static MetricSpec PodsMetric(string name, string average) => new()
    {
        Type = MetricSourceType.Pods,
        Pods = new PodsMetricSource
        {
            Metric = new MetricIdentifier { Name = name },
            Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse(average) },
        },
    };

    private static MetricSpec ServiceMetric(string name, string? value = null, string? average = null) => new()
    {
        Type = MetricSourceType.Object,
        Object = new ObjectMetricSource
        {
            DescribedObject = new CrossVersionObjectReference { ApiVersion = "v1", Kind = "Service", Name = "web" },
            Metric = new MetricIdentifier { Name = name },
            Target = value is not null
                ? new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.Parse(value) }
                : new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse(average!) },
        },
    };

    private static Scale ScaleOf(int replicas) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new ScaleSpec { Replicas = replicas },
        Status = new ScaleStatus { Replicas = replicas, Selector = "app=web" },
    };

    private static CustomMetricSample PerPod(params string[] values) => new([.. values.Select((v, i) => new MetricValue
    {
        DescribedObject = new ObjectReference { Kind = "Pod", Namespace = "default", Name = $"test-pod-{i}" },
        Metric = new MetricIdentifier { Name = "m" },
        Timestamp = Now.AddSeconds(-2),
        Value = Quantity.Parse(v),
    })], null);

    private static CustomMetricSample OfObject(string value) => new([new MetricValue
    {
        DescribedObject = new ObjectReference { Kind = "Service", Namespace = "default", Name = "web" },
        Metric = new MetricIdentifier { Name = "m" },
        Timestamp = Now.AddSeconds(-2),
        Value = Quantity.Parse(value),
    }], null);

    [Fact]
    public void Pods_and_object_metrics_report_status_and_the_largest_proposal_wins()
    {
        // Pods: (30 + 30) / 2 = 30 vs 10 → 6. Service: 60 vs 40 → ceil(1.5 × 2) = 3. Largest: 6, from the pods metric.
        var outcome = Decision().Decide("default/web", Hpa(PodsMetric("queue_depth", "10"), ServiceMetric("queue_depth", value: "40")), ScaleOf(2), Pods(2), [], null,
            new Dictionary<int, CustomMetricSample> { [0] = PerPod("30", "30"), [1] = OfObject("60") });

        Assert.Equal((true, 4), (outcome.Rescale, outcome.DesiredReplicas)); // 6, limited to max(2 × 2, 4) by the default scale-up policy.
        Assert.Equal("pods metric queue_depth above target", outcome.Reason);
        var pods = outcome.Status.CurrentMetrics![0];
        Assert.Equal((MetricSourceType.Pods, "queue_depth", "30"), (pods.Type, pods.Pods!.Metric.Name, pods.Pods.Current.AverageValue!.Value.ToString()));
        var obj = outcome.Status.CurrentMetrics[1];
        Assert.Equal((MetricSourceType.Object, "Service", "web", "60"),
            (obj.Type, obj.Object!.DescribedObject.Kind, obj.Object.DescribedObject.Name, obj.Object.Current.Value!.Value.ToString()));
        Assert.Equal("ValidMetricFound", outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive").Reason);

        // Service per pod: 90 / 3 pods = 30 vs 10 → ceil(90 / 10) = 9 (limited to 6 by the policy); the reason names the kind.
        outcome = Decision().Decide("default/web", Hpa(ServiceMetric("requests_per_second", average: "10")), ScaleOf(3), Pods(3), [], null,
            new Dictionary<int, CustomMetricSample> { [0] = OfObject("90") });
        Assert.Equal((6, "Service metric requests_per_second above target"), (outcome.DesiredReplicas, outcome.Reason));
        Assert.Equal("30", outcome.Status.CurrentMetrics![0].Object!.Current.AverageValue!.Value.ToString());
    }

    [Fact]
    public void Failures_of_the_custom_metrics_api_set_kubernetes_reasons()
    {
        var outcome = Decision().Decide("default/web", Hpa(PodsMetric("queue_depth", "10")), ScaleOf(2), Pods(2), [], null,
            new Dictionary<int, CustomMetricSample> { [0] = new([], null) });
        Assert.False(outcome.Rescale);
        var active = outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive");
        Assert.Equal(("False", "FailedGetPodsMetric", "the HPA was unable to compute the replica count: no metrics returned from custom metrics API"),
            (active.Status, active.Reason, active.Message));
        Assert.Equal("invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: no metrics returned from custom metrics API", outcome.Error);
        Assert.Contains(outcome.Events, e => e.Reason == "FailedGetPodsMetric");

        outcome = Decision().Decide("default/web", Hpa(ServiceMetric("queue_depth", value: "10")), ScaleOf(2), Pods(2), [], null,
            new Dictionary<int, CustomMetricSample> { [0] = CustomMetricSample.Failed("the server could not find the metric queue_depth for services web") });
        active = outcome.Status.Conditions!.Single(c => c.Type == "ScalingActive");
        Assert.Equal("FailedGetObjectMetric", active.Reason);
        Assert.Contains("unable to fetch metrics from custom metrics API: the server could not find the metric queue_depth for services web", active.Message,
            StringComparison.Ordinal);

        // A failing Object metric does not stop a scale-up from a working Pods metric.
        outcome = Decision().Decide("default/web", Hpa(PodsMetric("queue_depth", "10"), ServiceMetric("queue_depth", value: "10")), ScaleOf(2), Pods(2), [], null,
            new Dictionary<int, CustomMetricSample> { [0] = PerPod("20", "20"), [1] = CustomMetricSample.Failed("boom") });
        Assert.Equal((true, 4), (outcome.Rescale, outcome.DesiredReplicas));
    }
}
