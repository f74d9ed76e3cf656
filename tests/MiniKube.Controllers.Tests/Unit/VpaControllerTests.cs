using MiniKube.Api;
using MiniKube.Controllers.Autoscaling;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>
/// The VPA recommender and updater, one reconcile at a time against seeded caches on a fake clock: samples from the metrics
/// pipeline become a recommendation (each sample once), the resource policy caps it, an OOM kill raises memory, and the
/// updater resizes in place, evicts (Recreate, Infeasible, refused resize), respects minReplicas and the eviction tolerance,
/// and leaves Off and Initial alone.
/// </summary>
public sealed class VpaControllerTests
{
    private const string Key = "default/web";
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static Deployment Web() => WorkloadObjects.Deployment("web", 2) with { Metadata = WorkloadObjects.Meta("web", "default", "dep-uid") };

    private static ReplicaSet WebRs(Deployment owner) => WorkloadObjects.ReplicaSet("web-abc", 2, uid: "rs-uid") is var rs
        ? rs with { Metadata = rs.Metadata with { OwnerReferences = [Owners.ControllerRef(owner)] } }
        : throw new InvalidOperationException();

    private static Pod WebPod(string name, ReplicaSet rs, string cpuRequest = "20m", string? cpuLimit = "100m", string memoryRequest = "64Mi", bool ready = true)
    {
        var pod = WorkloadObjects.Pod(name, owner: rs, node: "n1", ready: ready);
        var limits = cpuLimit is null ? null : new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpuLimit) };
        return pod with
        {
            Spec = pod.Spec! with
            {
                Containers = [pod.Spec.Containers[0] with
                {
                    Resources = new ResourceRequirements
                    {
                        Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpuRequest), ["memory"] = Quantity.Parse(memoryRequest) },
                        Limits = limits,
                    },
                }],
            },
        };
    }

    private static VerticalPodAutoscaler Vpa(string mode, PodResourcePolicy? policy = null, int? minReplicas = null, RecommendedPodResources? recommendation = null) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Uid = "vpa-uid", Generation = 1, ResourceVersion = "1" },
        Spec = new VerticalPodAutoscalerSpec
        {
            TargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            UpdatePolicy = new PodUpdatePolicy { UpdateMode = mode, MinReplicas = minReplicas },
            ResourcePolicy = policy,
        },
        Status = recommendation is null ? null : new VerticalPodAutoscalerStatus { Recommendation = recommendation },
    };

    private static IReadOnlyDictionary<string, Quantity> Q(string cpu, string memory) =>
        new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse(memory) };

    private static RecommendedPodResources Recommendation(string lowerCpu = "100m", string targetCpu = "250m", string upperCpu = "1") => new()
    {
        ContainerRecommendations =
        [
            new RecommendedContainerResources
            {
                ContainerName = "app", Target = Q(targetCpu, "64Mi"), LowerBound = Q(lowerCpu, "32Mi"), UpperBound = Q(upperCpu, "1Gi"), UncappedTarget = Q(targetCpu, "64Mi"),
            },
        ],
    };

    private static VerticalPodAutoscaler LastStatus(UnitWorld world) => world.Client.Written.OfType<VerticalPodAutoscaler>().Last();

    // ---------------------------------------------------------------- recommender

    [Fact]
    public async Task Samples_from_the_metrics_pipeline_become_a_recommendation_above_the_usage()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        world.Seed(dep, rs, WebPod("web-1", rs), WebPod("web-2", rs), Vpa(VpaUpdateMode.Off));
        var metrics = new FakeMetrics(world) { Cpu = "200m", Memory = "300Mi" };
        using var recommender = new VpaRecommender(world.Context, metrics);

        for (var i = 0; i < 10; i++)
        {
            var result = await recommender.ReconcileAsync(Key, CancellationToken.None);
            Assert.Equal(Minute, result.RequeueAfter);
            world.Time.Advance(Minute);
            metrics.Timestamp = world.Time.GetUtcNow();
        }

        Assert.Equal(20, recommender.SampleCount(Key, "app")); // two pods, ten rounds
        var status = LastStatus(world).Status!;
        var rec = Assert.Single(status.Recommendation!.ContainerRecommendations!);
        Assert.Equal("app", rec.ContainerName);
        // Target: the 90th percentile plus the 15 % margin, so above the 200m and 300Mi the pods use.
        Assert.InRange(rec.Target!["cpu"].MilliValue, 230, 250);
        Assert.InRange(rec.Target["memory"].Value, (long)(300 * 1024 * 1024 * 1.15), (long)(300 * 1024 * 1024 * 1.25));
        Assert.True(rec.LowerBound!["cpu"] <= rec.Target["cpu"] && rec.Target["cpu"] <= rec.UpperBound!["cpu"], KubeSerializer.ToJson(rec));
        Assert.Equal(rec.Target["cpu"], rec.UncappedTarget!["cpu"]);
        Assert.Contains(status.Conditions!, c => c is { Type: VpaConditionType.RecommendationProvided, Status: ConditionStatus.True });
        Assert.Contains(status.Conditions!, c => c is { Type: VpaConditionType.NoPodsMatched, Status: ConditionStatus.False });
    }

    [Fact]
    public async Task A_sample_served_twice_counts_once_and_min_samples_hold_the_recommendation_back()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        world.Seed(dep, rs, WebPod("web-1", rs), Vpa(VpaUpdateMode.Off));
        var metrics = new FakeMetrics(world) { Cpu = "200m", Memory = "300Mi" };
        using var recommender = new VpaRecommender(world.Context, metrics, new VerticalPodAutoscalerOptions { MinSamples = 3 });

        await recommender.ReconcileAsync(Key, CancellationToken.None);
        await recommender.ReconcileAsync(Key, CancellationToken.None); // the same sample again
        Assert.Equal(1, recommender.SampleCount(Key, "app"));
        var early = LastStatus(world).Status!;
        Assert.Null(early.Recommendation);
        Assert.Contains(early.Conditions!, c => c is { Type: VpaConditionType.RecommendationProvided, Status: ConditionStatus.False });

        for (var i = 0; i < 2; i++)
        {
            world.Time.Advance(Minute);
            metrics.Timestamp = world.Time.GetUtcNow();
            await recommender.ReconcileAsync(Key, CancellationToken.None);
        }
        Assert.Equal(3, recommender.SampleCount(Key, "app"));
        Assert.NotNull(LastStatus(world).Status!.Recommendation);
    }

    [Fact]
    public async Task The_resource_policy_caps_the_target_and_limits_the_resources_and_containers()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        var pod = WebPod("web-1", rs);
        pod = pod with { Spec = pod.Spec! with { Containers = [pod.Spec.Containers[0], new Container { Name = "sidecar", Image = "busybox:1.0" }] } };
        var policy = new PodResourcePolicy
        {
            ContainerPolicies =
            [
                new ContainerResourcePolicy
                {
                    ContainerName = "app", ControlledResources = [ResourceName.Cpu],
                    MaxAllowed = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m") },
                },
                new ContainerResourcePolicy { ContainerName = "sidecar", Mode = ContainerScalingMode.Off },
            ],
        };
        world.Seed(dep, rs, pod, Vpa(VpaUpdateMode.Off, policy));
        var metrics = new FakeMetrics(world) { Cpu = "200m", Memory = "300Mi", Containers = ["app", "sidecar"] };
        using var recommender = new VpaRecommender(world.Context, metrics);

        await recommender.ReconcileAsync(Key, CancellationToken.None);

        var rec = Assert.Single(LastStatus(world).Status!.Recommendation!.ContainerRecommendations!);
        Assert.Equal("app", rec.ContainerName);
        Assert.Equal(["cpu"], rec.Target!.Keys);
        Assert.Equal("100m", rec.Target["cpu"].ToString());
        Assert.Equal("100m", rec.UpperBound!["cpu"].ToString());
        Assert.True(rec.UncappedTarget!["cpu"].MilliValue > 200, KubeSerializer.ToJson(rec));
    }

    [Fact]
    public async Task An_OOM_killed_container_gets_more_memory_than_it_requested()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        var pod = WebPod("web-1", rs, memoryRequest: "512Mi");
        var metrics = new FakeMetrics(world) { Cpu = "50m", Memory = "300Mi" };
        world.Seed(dep, rs, pod, Vpa(VpaUpdateMode.Off));
        using var recommender = new VpaRecommender(world.Context, metrics);
        await recommender.ReconcileAsync(Key, CancellationToken.None);
        var before = Assert.Single(LastStatus(world).Status!.Recommendation!.ContainerRecommendations!).Target!["memory"];
        Assert.True(before.Value < 512L * 1024 * 1024, $"before the kill the target follows the 300Mi used: {before}");

        var killed = pod with
        {
            Status = pod.Status! with
            {
                ContainerStatuses = [new ContainerStatus
                {
                    Name = "app", RestartCount = 1,
                    LastState = new ContainerState { Terminated = new ContainerStateTerminated { ExitCode = 137, Reason = "OOMKilled", FinishedAt = world.Time.GetUtcNow() } },
                }],
            },
        };
        world.Seed(killed);
        world.Time.Advance(Minute);
        await recommender.ReconcileAsync(Key, CancellationToken.None);
        await recommender.ReconcileAsync(Key, CancellationToken.None); // the same kill is counted once

        var after = Assert.Single(LastStatus(world).Status!.Recommendation!.ContainerRecommendations!).Target!["memory"];
        // The kill is a peak of max(1.2 × 512Mi, 512Mi + 100Mi) = 614.4Mi; the target is at least that plus the margin.
        Assert.True(after.Value >= (long)(614.4 * 1024 * 1024 * 1.15), $"after the OOM kill: {after}");
    }

    [Fact]
    public async Task No_pods_and_a_missing_target_are_reported_in_conditions()
    {
        await using var world = new UnitWorld();
        world.Seed(Vpa(VpaUpdateMode.Off));
        using var recommender = new VpaRecommender(world.Context, new FakeMetrics(world));
        await recommender.ReconcileAsync(Key, CancellationToken.None);
        var missing = LastStatus(world).Status!.Conditions!;
        Assert.Contains(missing, c => c is { Type: VpaConditionType.ConfigUnsupported, Status: ConditionStatus.True, Message: "Cannot read targetRef: Deployment default/web not found" });

        var dep = Web();
        world.Seed(dep, WebRs(dep));
        world.Time.Advance(Minute);
        await recommender.ReconcileAsync(Key, CancellationToken.None);
        var status = LastStatus(world).Status!;
        Assert.Null(status.Recommendation);
        Assert.Contains(status.Conditions!, c => c is { Type: VpaConditionType.NoPodsMatched, Status: ConditionStatus.True, Message: "No pods match this VPA object" });
        Assert.Contains(status.Conditions!, c => c is { Type: VpaConditionType.RecommendationProvided, Status: ConditionStatus.False });
    }

    // ---------------------------------------------------------------- updater

    [Fact]
    public async Task InPlaceOrRecreate_resizes_one_pod_at_a_time_keeping_the_limit_ratio()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        world.Seed(dep, rs, WebPod("web-1", rs), WebPod("web-2", rs), Vpa(VpaUpdateMode.InPlaceOrRecreate, recommendation: Recommendation()));
        var resizer = new FakeResizer();
        using var updater = new VpaUpdater(world.Context, resizer);

        var result = await updater.ReconcileAsync(Key, CancellationToken.None);

        Assert.Equal(Minute, result.RequeueAfter);
        // Two replicas, tolerance 0.5: one pod per round. Requests at the target; the 1:5 cpu limit ratio is kept; memory is in range.
        var (pod, patch) = Assert.Single(resizer.Patches);
        Assert.Equal("web-1", pod);
        Assert.Equal("""{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"cpu":"1250m"}}}]}}""", patch);
        Assert.Empty(world.Client.Deletes);
        Assert.Contains(world.Events.Lines, l => l.StartsWith("Normal InPlaceResizedByVPA: Pod was resized in place by VPA Updater: app: cpu request 250m", StringComparison.Ordinal));
        Assert.Contains(world.Events.Lines, l => l.StartsWith("Normal InPlaceResizedPod: VPA Updater resized Pod web-1 in place", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_Infeasible_resize_falls_back_to_eviction_and_a_refused_one_too()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        var stuck = WebPod("web-1", rs, cpuRequest: "250m", cpuLimit: "1250m");
        stuck = stuck with
        {
            Status = stuck.Status! with
            {
                Conditions = [.. stuck.Status.Conditions!, new PodCondition { Type = PodConditionType.PodResizePending, Status = ConditionStatus.True, Reason = PodResizeReason.Infeasible }],
            },
        };
        world.Seed(dep, rs, stuck, WebPod("web-2", rs), WebPod("web-3", rs), WebPod("web-4", rs),
            Vpa(VpaUpdateMode.InPlaceOrRecreate, recommendation: Recommendation()));
        var resizer = new FakeResizer { Refuse = "web-2" };
        using var updater = new VpaUpdater(world.Context, resizer);

        await updater.ReconcileAsync(Key, CancellationToken.None);

        // Four pods, tolerance 2: the Infeasible one is evicted, web-2's resize is refused (Invalid) so it is evicted too.
        Assert.Equal(["delete pods default/web-1", "delete pods default/web-2"], world.Client.Deletes.Select(d => d.Action));
        Assert.All(world.Client.Deletes, d => Assert.NotNull(d.Options?.Preconditions?.Uid));
        Assert.Equal(["web-2"], resizer.Patches.Select(p => p.Pod));
        Assert.Contains(world.Events.Lines, l => l == "Normal EvictedByVPA: Pod was evicted by VPA Updater to apply resource recommendation (the in-place resize is Infeasible).");
    }

    [Fact]
    public async Task Recreate_evicts_and_Off_and_Initial_touch_nothing()
    {
        foreach (var mode in new[] { VpaUpdateMode.Off, VpaUpdateMode.Initial, VpaUpdateMode.Recreate })
        {
            await using var world = new UnitWorld();
            var dep = Web();
            var rs = WebRs(dep);
            world.Seed(dep, rs, WebPod("web-1", rs), WebPod("web-2", rs), Vpa(mode, recommendation: Recommendation()));
            var resizer = new FakeResizer();
            using var updater = new VpaUpdater(world.Context, resizer);

            await updater.ReconcileAsync(Key, CancellationToken.None);

            Assert.Empty(resizer.Patches);
            Assert.Equal(mode == VpaUpdateMode.Recreate ? ["delete pods default/web-1"] : [], world.Client.Deletes.Select(d => d.Action));
        }
    }

    [Fact]
    public async Task Pods_in_range_too_few_pods_and_a_busy_target_are_left_alone()
    {
        await using var world = new UnitWorld();
        var dep = Web();
        var rs = WebRs(dep);
        // In range: 150m is within [100m, 1].
        world.Seed(dep, rs, WebPod("web-1", rs, cpuRequest: "150m"), WebPod("web-2", rs, cpuRequest: "150m"), Vpa(VpaUpdateMode.Recreate, recommendation: Recommendation()));
        var resizer = new FakeResizer();
        using var updater = new VpaUpdater(world.Context, resizer);
        await updater.ReconcileAsync(Key, CancellationToken.None);
        Assert.Empty(world.Client.Deletes);

        // One pod out of range but one of the two not ready: the tolerance (one pod of two) is used up.
        world.Seed(WebPod("web-1", rs), WebPod("web-2", rs, cpuRequest: "150m", ready: false));
        await updater.ReconcileAsync(Key, CancellationToken.None);
        Assert.Empty(world.Client.Deletes);

        // The Deployment scaled to a single pod, below the default minReplicas of 2: no eviction; with minReplicas 1 it goes
        // (tolerance 0 of 1 replica: one pod at a time when all are ready).
        world.Informers.For<Pod>().Cache.Remove("default/web-2");
        world.Seed(dep with { Spec = dep.Spec! with { Replicas = 1 } });
        await updater.ReconcileAsync(Key, CancellationToken.None);
        Assert.Empty(world.Client.Deletes);
        world.Seed(Vpa(VpaUpdateMode.Recreate, minReplicas: 1, recommendation: Recommendation()));
        await updater.ReconcileAsync(Key, CancellationToken.None);
        Assert.Equal(["delete pods default/web-1"], world.Client.Deletes.Select(d => d.Action));
    }

    [Fact]
    public void Options_problems_name_the_flag()
    {
        var problems = new VerticalPodAutoscalerOptions
        {
            RecommenderInterval = TimeSpan.Zero, MinSamples = 0, MinReplicas = 0, EvictionTolerance = 1.5, HistogramDecayHalfLife = TimeSpan.FromHours(-1),
        }.Validate();
        Assert.Contains("--vpa-recommender-interval must be positive (e.g. --vpa-recommender-interval 1m, Kubernetes' default)", problems);
        Assert.Contains("--vpa-histogram-decay-half-life must be positive (e.g. --vpa-histogram-decay-half-life 24h, Kubernetes' default)", problems);
        Assert.Contains("--vpa-min-samples must be at least 1 (got 0)", problems);
        Assert.Contains("--vpa-min-replicas must be at least 1 (got 0; Kubernetes' default is 2)", problems);
        Assert.Contains("--vpa-eviction-tolerance must be between 0 and 1 (got 1.5; Kubernetes' default is 0.5)", problems);
        Assert.Empty(new VerticalPodAutoscalerOptions().Validate());
        Assert.Equal(TimeSpan.FromHours(24), new VerticalPodAutoscalerOptions().HistogramDecayHalfLife);
    }

    /// <summary>The metrics pipeline: every pod of the VPA's target uses <see cref="Cpu"/> and <see cref="Memory"/>, sampled at <see cref="Timestamp"/>.</summary>
    private sealed class FakeMetrics(UnitWorld world) : IAutoscalingClient
    {
        public string Cpu { get; set; } = "100m";
        public string Memory { get; set; } = "100Mi";
        public IReadOnlyList<string> Containers { get; init; } = ["app"];
        public DateTimeOffset Timestamp { get; set; } = world.Time.GetUtcNow();

        public Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken cancellationToken)
        {
            var selector = Selector.Parse(labelSelector);
            IReadOnlyList<PodMetrics> list = [.. world.Informers.For<Pod>().Cache.List(ns).Where(p => selector.Matches(p.Metadata.Labels)).Select(p => new PodMetrics
            {
                Metadata = new ObjectMeta { Name = p.Metadata.Name, Namespace = ns },
                Timestamp = Timestamp,
                Window = "60s",
                Containers = [.. Containers.Select(c => new ContainerMetrics
                {
                    Name = c, Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(Cpu), ["memory"] = Quantity.Parse(Memory) },
                })],
            })];
            return Task.FromResult(list);
        }

        public Task<Scale> GetScaleAsync(string resource, string ns, string name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Scale> UpdateScaleAsync(string resource, string ns, Scale scale, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<MetricValue>> GetPodsMetricAsync(string ns, string metric, string podSelector, string? metricSelector, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<MetricValue> GetObjectMetricAsync(string ns, string resource, string name, string metric, string? metricSelector, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    /// <summary>Records resize patches; refuses the pod named <see cref="Refuse"/> as the API server refuses a QoS change.</summary>
    private sealed class FakeResizer : IPodResizeClient
    {
        public List<(string Pod, string Patch)> Patches { get; } = [];
        public string? Refuse { get; init; }

        public Task ResizePodAsync(string ns, string name, string mergePatch, CancellationToken cancellationToken)
        {
            Patches.Add((name, mergePatch));
            return name == Refuse
                ? Task.FromException(ApiException.Invalid("Pod", name, [FieldError.Invalid("spec", "Burstable", "Pod QOS Class may not change as a result of resizing")]))
                : Task.CompletedTask;
        }
    }
}
