using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Controllers.Autoscaling;

namespace MiniKube.Controllers.Tests.Unit;

/// <summary>The cases of Kubernetes' replica_calculator_test.go (same pods, requests, usage and expectations).</summary>
public sealed class ReplicaCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private ReplicaCalculator Calculator() => new(0.1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), _time);

    /// <summary>
    /// Pods started 10 minutes ago, Ready since 9 minutes ago; those listed as unready have never been ready (their condition
    /// last changed right after start, as in Kubernetes' tests); one container with the given requests (milli).
    /// </summary>
    private static List<Pod> Pods(int count, long[]? requests = null, bool[]? ready = null, string[]? phases = null, string resource = ResourceName.Cpu,
        DateTimeOffset? started = null, DateTimeOffset? readySince = null)
    {
        var pods = new List<Pod>();
        for (var i = 0; i < count; i++)
        {
            var isReady = ready?[i] ?? true;
            pods.Add(new Pod
            {
                Metadata = new ObjectMeta { Name = $"test-pod-{i}", Namespace = "default", Labels = new Dictionary<string, string> { ["name"] = "test-pod" } },
                Spec = new PodSpec
                {
                    Containers =
                    [
                        new Container
                        {
                            Name = "c",
                            Image = "busybox",
                            Resources = new ResourceRequirements
                            {
                                Requests = new Dictionary<string, Quantity> { [resource] = Quantity.FromMilli(requests?[i] ?? 1000) },
                            },
                        },
                    ],
                },
                Status = new PodStatus
                {
                    Phase = phases?[i] ?? PodPhase.Running,
                    StartTime = started ?? Now.AddMinutes(-10),
                    Conditions =
                    [
                        new PodCondition
                        {
                            Type = PodConditionType.Ready,
                            Status = isReady ? ConditionStatus.True : ConditionStatus.False,
                            LastTransitionTime = isReady ? readySince ?? Now.AddMinutes(-9) : (started ?? Now.AddMinutes(-10)).AddSeconds(5),
                        },
                    ],
                },
            });
        }
        return pods;
    }

    private static Dictionary<string, PodMetric> Usage(params long[] milli) =>
        milli.Select((v, i) => (v, i)).ToDictionary(x => $"test-pod-{x.i}", x => new PodMetric(x.v, Now.AddSeconds(-5), TimeSpan.FromSeconds(30)));

    [Fact]
    public void Scale_up()
    {
        var p = Calculator().GetResourceReplicas(3, 30, ResourceName.Cpu, null, Pods(3), Usage(300, 500, 700));
        Assert.Equal(5, p.Replicas);
        Assert.Equal(50, p.Utilization);
        Assert.Equal(500, p.RawAverage);
    }

    [Fact]
    public void Scale_up_with_unready_pods_scales_less()
    {
        // The unready pod counts as 0 on a scale-up: (0 + 500 + 700) / 3000 = 40 % against 30 % → 4, not 5.
        var p = Calculator().GetResourceReplicas(3, 30, ResourceName.Cpu, null, Pods(3, ready: [false, true, true]), Usage(300, 500, 700));
        Assert.Equal(4, p.Replicas);
        Assert.Equal(60, p.Utilization);
    }

    [Fact]
    public void Scale_up_with_hot_cpu_of_just_started_pods_scales_less()
    {
        // Started 2 minutes ago (within the 5 m CPU initialization period), one became ready only 10 s ago: its sample does not
        // cover a whole window since then, so it is treated as unready.
        var pods = Pods(3, started: Now.AddMinutes(-2), readySince: Now.AddMinutes(-2));
        pods[0] = pods[0] with
        {
            Status = pods[0].Status! with { Conditions = [pods[0].Status!.Conditions![0] with { LastTransitionTime = Now.AddSeconds(-10) }] },
        };
        var p = Calculator().GetResourceReplicas(3, 30, ResourceName.Cpu, null, pods, Usage(300, 500, 700));
        Assert.Equal(4, p.Replicas);
        Assert.Equal(60, p.Utilization);
    }

    [Fact]
    public void Scale_up_with_unready_pods_that_would_flip_direction_does_not_scale()
    {
        // Ready pod at 40 % wants up; with the two unready ones at 0 the ratio falls below 1 → stay.
        var p = Calculator().GetResourceReplicas(3, 30, ResourceName.Cpu, null, Pods(3, ready: [true, false, false]), Usage(400, 500, 700));
        Assert.Equal(3, p.Replicas);
        Assert.Equal(40, p.Utilization);
    }

    [Fact]
    public void Scale_up_ignores_failed_and_deleted_pods()
    {
        var pods = Pods(4, phases: [PodPhase.Running, PodPhase.Running, PodPhase.Failed, PodPhase.Failed]);
        var p = Calculator().GetResourceReplicas(2, 30, ResourceName.Cpu, null, pods, Usage(500, 700, 100, 100));
        Assert.Equal(4, p.Replicas);
        Assert.Equal(60, p.Utilization);

        pods = Pods(4);
        pods[2] = pods[2] with { Metadata = pods[2].Metadata with { DeletionTimestamp = Now } };
        pods[3] = pods[3] with { Metadata = pods[3].Metadata with { DeletionTimestamp = Now } };
        p = Calculator().GetResourceReplicas(2, 30, ResourceName.Cpu, null, pods, Usage(500, 700, 100, 100));
        Assert.Equal(4, p.Replicas);
    }

    [Fact]
    public void Scale_down()
    {
        var p = Calculator().GetResourceReplicas(5, 50, ResourceName.Cpu, null, Pods(5), Usage(100, 300, 500, 250, 250));
        Assert.Equal(3, p.Replicas);
        Assert.Equal(28, p.Utilization);
    }

    [Fact]
    public void Scale_down_excludes_unready_pods()
    {
        var p = Calculator().GetResourceReplicas(5, 50, ResourceName.Cpu, null, Pods(5, ready: [true, true, true, false, false]), Usage(100, 300, 500, 250, 250));
        Assert.Equal(2, p.Replicas);
        Assert.Equal(30, p.Utilization);
    }

    [Fact]
    public void Within_tolerance_keeps_the_count()
    {
        var p = Calculator().GetResourceReplicas(3, 100, ResourceName.Cpu, null, Pods(3, requests: [900, 1000, 1100]), Usage(1010, 1030, 1020));
        Assert.Equal(3, p.Replicas);
        Assert.Equal(102, p.Utilization);
    }

    [Fact]
    public void Superfluous_metrics_of_other_pods_are_ignored()
    {
        var p = Calculator().GetResourceReplicas(4, 100, ResourceName.Cpu, null, Pods(4), Usage(4000, 9500, 3000, 7000, 3200, 2000));
        Assert.Equal(24, p.Replicas);
        Assert.Equal(587, p.Utilization);
    }

    [Fact]
    public void Missing_metrics_at_target_keep_the_count()
    {
        var p = Calculator().GetResourceReplicas(2, 100, ResourceName.Cpu, null, Pods(2), Usage(1000));
        Assert.Equal(2, p.Replicas);
        Assert.Equal(100, p.Utilization);
    }

    [Fact]
    public void Missing_metrics_on_a_scale_up_count_as_zero()
    {
        // 190 % alone → up, but with the missing pod at 0 it is 95 %: within tolerance, stay.
        var p = Calculator().GetResourceReplicas(2, 100, ResourceName.Cpu, null, Pods(2), Usage(1900));
        Assert.Equal(2, p.Replicas);
        Assert.Equal(190, p.Utilization);
    }

    [Fact]
    public void Missing_metrics_on_a_scale_down_count_as_full_request()
    {
        // 60 % alone → down to 1, but with the missing pod at 100 % it is 80 % → ceil(0.8 × 2) = 2.
        var p = Calculator().GetResourceReplicas(2, 100, ResourceName.Cpu, null, Pods(2), Usage(600));
        Assert.Equal(2, p.Replicas);
        Assert.Equal(60, p.Utilization);
    }

    [Fact]
    public void Missing_metrics_scale_down_still_happens_when_clear()
    {
        // 4 pods, one missing: 10 % each → with the missing one at 100 % (30 + 100) / 400 = 32 % against 50 % → ceil(0.64 × 4) = 3.
        var p = Calculator().GetResourceReplicas(4, 50, ResourceName.Cpu, null, Pods(4), Usage(100, 100, 100));
        Assert.Equal(3, p.Replicas);
        Assert.Equal(10, p.Utilization);
    }

    [Fact]
    public void No_metrics_at_all_is_an_error()
    {
        var ex = Assert.Throws<ReplicaCalculationException>(() =>
            Calculator().GetResourceReplicas(3, 50, ResourceName.Cpu, null, Pods(3, ready: [false, false, false]), Usage(100, 100, 100)));
        Assert.Equal("did not receive metrics for targeted pods (pods might be unready)", ex.Message);
        ex = Assert.Throws<ReplicaCalculationException>(() => Calculator().GetResourceReplicas(3, 50, ResourceName.Cpu, null, [], Usage(100)));
        Assert.Equal("no pods returned by selector while calculating replica count", ex.Message);
    }

    [Fact]
    public void Missing_request_is_an_error()
    {
        var pods = Pods(1);
        pods[0] = pods[0] with { Spec = pods[0].Spec! with { Containers = [pods[0].Spec!.Containers[0] with { Resources = null }] } };
        var ex = Assert.Throws<ReplicaCalculationException>(() => Calculator().GetResourceReplicas(1, 50, ResourceName.Cpu, null, pods, Usage(100)));
        Assert.Equal("missing request for cpu in container c of Pod test-pod-0", ex.Message);
    }

    [Fact]
    public void Memory_ignores_readiness()
    {
        // Readiness only matters for CPU: unready pods' memory counts.
        var pods = Pods(3, requests: [1000, 1000, 1000], ready: [false, true, true], resource: ResourceName.Memory);
        var p = Calculator().GetResourceReplicas(3, 50, ResourceName.Memory, null, pods, Usage(1000, 1000, 1000));
        Assert.Equal(6, p.Replicas);
        Assert.Equal(100, p.Utilization);
    }

    [Fact]
    public void Average_value_target()
    {
        var p = Calculator().GetRawResourceReplicas(3, 500, ResourceName.Cpu, Pods(3), Usage(1000, 1000, 1000));
        Assert.Equal(6, p.Replicas);
        Assert.Equal(1000, p.Average);
        // Within tolerance.
        p = Calculator().GetRawResourceReplicas(3, 1000, ResourceName.Cpu, Pods(3), Usage(1050, 1000, 980));
        Assert.Equal(3, p.Replicas);
        // Missing pod on a scale-down counts as the target.
        p = Calculator().GetRawResourceReplicas(2, 1000, ResourceName.Cpu, Pods(2), Usage(600));
        Assert.Equal(2, p.Replicas);
    }
}
