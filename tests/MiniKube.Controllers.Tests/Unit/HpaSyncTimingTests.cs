using MiniKube.Api;
using MiniKube.Controllers.Autoscaling;
using MiniKube.Controllers.Tests.Support;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>
/// The autoscaler's reaction time, load-robust: on a fake clock the controller's runner must act on a metrics sample above
/// the target at the first sync after it, and keep one sync per period however long a sync takes. With these two, the
/// decision comes at most one sync period after the sample the API server serves (issue #14's floor).
/// </summary>
public sealed class HpaSyncTimingTests
{
    private const string Key = "default/web";
    private static readonly TimeSpan Sync = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_sample_above_the_target_is_acted_on_by_the_next_sync()
    {
        var clock = new TimerClock();
        await using var world = new UnitWorld(clock);
        var metrics = new FakeAutoscaling(clock) { Cpu = "30m" };
        using var controller = Start(world, metrics, out var stop, out var run);

        controller.Queue.Add(Key);
        await clock.WaitForTimersAsync(1, "the sync after the first");
        Assert.Empty(metrics.Updates);
        Assert.Equal(Sync, clock.DueTimes[0]);

        // Five seconds into the period the API server serves a sample at 200 % of the request.
        clock.Advance(TimeSpan.FromSeconds(5));
        var sampledAt = clock.GetUtcNow();
        metrics.Cpu = "200m";
        metrics.SampleTime = sampledAt;
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Empty(metrics.Updates);
        clock.Advance(TimeSpan.FromTicks(1));

        await Eventually.WaitAsync(() => Task.FromResult(metrics.Updates.Count), n => n > 0, TimeSpan.FromSeconds(20), "the scale-up at the next sync");
        var (replicas, at) = metrics.Updates[0];
        Assert.Equal(4, replicas); // 200 % of 50 % → 4
        Assert.True(at - sampledAt <= Sync, $"decided {(at - sampledAt).TotalSeconds} s after the sample; at most one sync period ({Sync.TotalSeconds} s)");
        await stop.CancelAsync();
        await run;
        stop.Dispose();
    }

    [Fact]
    public async Task The_sync_period_counts_from_the_start_of_a_slow_sync()
    {
        var clock = new TimerClock();
        await using var world = new UnitWorld(clock);
        // Reading the metrics takes 4 s of the clock (a busy machine); the next sync is still one period after this one began.
        var metrics = new FakeAutoscaling(clock) { Cpu = "30m", Latency = TimeSpan.FromSeconds(4) };
        using var controller = Start(world, metrics, out var stop, out var run);
        var started = clock.GetUtcNow();

        controller.Queue.Add(Key);
        await clock.WaitForTimersAsync(1, "the sync after the first");
        Assert.Equal(Sync - TimeSpan.FromSeconds(4), clock.DueTimes[0]);
        clock.Advance(Sync - TimeSpan.FromSeconds(4));
        await clock.WaitForTimersAsync(2, "the third sync");
        Assert.Equal([started, started + Sync], metrics.Reads);
        await stop.CancelAsync();
        await run;
        stop.Dispose();
    }

    private static HorizontalPodAutoscalerController Start(UnitWorld world, FakeAutoscaling metrics, out CancellationTokenSource stop, out Task run)
    {
        world.Seed(Hpa(), RunningPod(world.Time.GetUtcNow()));
        metrics.SampleTime = world.Time.GetUtcNow();
        var controller = new HorizontalPodAutoscalerController(world.Context, metrics, new HorizontalPodAutoscalerOptions { SyncPeriod = Sync, Workers = 1 });
        stop = new CancellationTokenSource();
        run = controller.RunAsync(stop.Token);
        return controller;
    }

    private static HorizontalPodAutoscaler Hpa() => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Generation = 1, Uid = "hpa-uid", ResourceVersion = "1" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            MinReplicas = 1,
            MaxReplicas = 4,
            ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Resource,
                    Resource = new ResourceMetricSource { Name = ResourceName.Cpu, Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = 50 } },
                },
            ],
        },
    };

    /// <summary>Running and ready for long (past the CPU initialization period), requesting 100m.</summary>
    private static Pod RunningPod(DateTimeOffset now) => new()
    {
        Metadata = new ObjectMeta { Name = "web-0", Namespace = "default", Uid = "pod-uid", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new PodSpec
        {
            NodeName = "n1",
            Containers =
            [
                new Container
                {
                    Name = "app", Image = "busybox",
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m") } },
                },
            ],
        },
        Status = new PodStatus
        {
            Phase = PodPhase.Running, StartTime = now.AddMinutes(-10),
            Conditions = [new PodCondition { Type = PodConditionType.Ready, Status = ConditionStatus.True, LastTransitionTime = now.AddMinutes(-9) }],
        },
    };

    /// <summary>One replica of <c>web</c> behind a scale subresource and the pod's metrics as the API server serves them.</summary>
    private sealed class FakeAutoscaling(TimerClock clock) : IAutoscalingClient
    {
        private readonly Lock _gate = new();
        private readonly List<(int, DateTimeOffset)> _updates = [];
        private readonly List<DateTimeOffset> _reads = [];
        private int _replicas = 1;

        public string Cpu { get; set; } = "0";

        public DateTimeOffset SampleTime { get; set; }

        /// <summary>How far each metrics read moves the clock.</summary>
        public TimeSpan Latency { get; init; }

        public IReadOnlyList<(int Replicas, DateTimeOffset At)> Updates
        {
            get
            {
                lock (_gate)
                {
                    return [.. _updates];
                }
            }
        }

        /// <summary>When each metrics read began.</summary>
        public IReadOnlyList<DateTimeOffset> Reads
        {
            get
            {
                lock (_gate)
                {
                    return [.. _reads];
                }
            }
        }

        public Task<Scale> GetScaleAsync(string resource, string ns, string name, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return Task.FromResult(new Scale
                {
                    Metadata = new ObjectMeta { Name = name, Namespace = ns },
                    Spec = new ScaleSpec { Replicas = _replicas },
                    Status = new ScaleStatus { Replicas = _replicas, Selector = "app=web" },
                });
            }
        }

        public Task<Scale> UpdateScaleAsync(string resource, string ns, Scale scale, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _replicas = scale.Spec?.Replicas ?? 0;
                _updates.Add((_replicas, clock.GetUtcNow()));
            }
            return Task.FromResult(scale);
        }

        // The timing tests scale on CPU only.
        public Task<IReadOnlyList<MetricValue>> GetPodsMetricAsync(string ns, string metric, string podSelector, string? metricSelector,
            CancellationToken cancellationToken) => throw new NotSupportedException("no custom metrics in this test");

        public Task<MetricValue> GetObjectMetricAsync(string ns, string resource, string name, string metric, string? metricSelector,
            CancellationToken cancellationToken) => throw new NotSupportedException("no custom metrics in this test");

        public Task<IReadOnlyList<PodMetrics>> ListPodMetricsAsync(string ns, string labelSelector, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _reads.Add(clock.GetUtcNow());
            }
            if (Latency > TimeSpan.Zero)
            {
                clock.Advance(Latency);
            }
            IReadOnlyList<PodMetrics> list =
            [
                new PodMetrics
                {
                    Metadata = new ObjectMeta { Name = "web-0", Namespace = ns },
                    Timestamp = SampleTime,
                    Window = "2s",
                    Containers = [new ContainerMetrics { Name = "app", Usage = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(Cpu) } }],
                },
            ];
            return Task.FromResult(list);
        }
    }
}
