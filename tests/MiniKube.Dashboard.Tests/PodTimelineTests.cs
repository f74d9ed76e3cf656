using MiniKube.Api;
using MiniKube.Dashboard.State;

namespace MiniKube.Dashboard.Tests;

public sealed class PodTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    private static Pod NewPod() => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new ObjectMeta { Name = "web", Namespace = "default", Uid = "u1", ResourceVersion = "42", CreationTimestamp = T0 },
        Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox" }] },
    };

    private static Event Ev(string reason, string message, int second, string component, string type = "Normal") => new()
    {
        Metadata = new ObjectMeta { Name = reason + second, Namespace = "default" },
        InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web", Namespace = "default", Uid = "u1" },
        Reason = reason,
        Message = message,
        Type = type,
        Source = new EventSource { Component = component },
        LastTimestamp = T0.AddSeconds(second),
    };

    [Fact]
    public void The_scheduled_step_carries_the_node_scores_of_the_schedulers_event()
    {
        var pod = NewPod() with { Spec = NewPod().Spec! with { NodeName = "n2" } };
        var steps = PodTimeline.Build(pod, [Ev("Scheduled", "Successfully assigned default/web to n2 (scores: n2=187, n1=161)", 1, "default-scheduler")]);
        Assert.Equal([new NodeScore("n2", 187), new NodeScore("n1", 161)], steps[2].Scores);
        Assert.Equal("Successfully assigned default/web to n2 (scores: n2=187, n1=161)", steps[2].Detail);

        Assert.Equal([new NodeScore("a", 300), new NodeScore("b", 250), new NodeScore("c", 200)],
            PodTimeline.Scores("Successfully assigned default/web to a (top scores of 7 feasible nodes: a=300, b=250, c=200)"));
        // kube-scheduler's own message, one node not scored, and anything malformed: no scores.
        Assert.Empty(PodTimeline.Scores("Successfully assigned default/web to n1"));
        Assert.Empty(PodTimeline.Scores("Successfully assigned default/web to n1 (1 feasible node, not scored)"));
        Assert.Empty(PodTimeline.Scores("Successfully assigned default/web to n1 (scores: n1=x)"));
        Assert.Empty(PodTimeline.Scores(null));
    }

    [Fact]
    public void A_running_pod_has_all_seven_steps_done_in_order()
    {
        var pod = NewPod() with
        {
            Spec = NewPod().Spec! with { NodeName = "n1" },
            Status = new PodStatus
            {
                Phase = "Running",
                PodIP = "172.17.0.5",
                StartTime = T0.AddSeconds(2),
                Conditions =
                [
                    new PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = T0.AddSeconds(1) },
                    new PodCondition { Type = PodTimeline.ReadyToStartContainers, Status = "True", LastTransitionTime = T0.AddSeconds(3) },
                    new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = T0.AddSeconds(4) },
                ],
                ContainerStatuses = [new ContainerStatus { Name = "app", Ready = true, State = new ContainerState { Running = new ContainerStateRunning { StartedAt = T0.AddSeconds(3) } } }],
            },
        };
        var steps = PodTimeline.Build(pod, [Ev("Scheduled", "Successfully assigned default/web to n1", 1, "default-scheduler"), Ev("Started", "Started container app", 3, "kubelet")]);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], steps.Select(s => s.Number));
        Assert.All(steps, s => Assert.Equal(StepState.Done, s.State));
        Assert.Contains("Successfully assigned default/web to n1", steps[2].Detail, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(2), steps[4].Time);
        Assert.Equal(T0.AddSeconds(4), steps[6].Time);
        Assert.Contains("172.17.0.5", steps[6].Detail, StringComparison.Ordinal);
        var times = steps.Select(s => s.Time!.Value).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void An_unschedulable_pod_shows_the_fit_error_and_nothing_after()
    {
        var pod = NewPod() with
        {
            Status = new PodStatus
            {
                Phase = "Pending",
                Conditions = [new PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", LastTransitionTime = T0.AddSeconds(1) }],
            },
        };
        var fit = "0/2 nodes are available: 2 Insufficient cpu.";
        var steps = PodTimeline.Build(pod, [Ev("FailedScheduling", fit, 1, "default-scheduler", "Warning")]);

        Assert.Equal(StepState.Failed, steps[2].State);
        Assert.Equal(fit, steps[2].Detail);
        Assert.All(steps.Skip(3), s => Assert.Equal(StepState.Pending, s.State));
    }

    [Fact]
    public void A_new_pod_is_created_and_stored_and_waits_for_the_scheduler()
    {
        var steps = PodTimeline.Build(NewPod(), []);
        Assert.Equal(StepState.Done, steps[0].State);
        Assert.Equal(StepState.Done, steps[1].State);
        Assert.Contains("/registry/pods/default/web", steps[1].Detail, StringComparison.Ordinal);
        Assert.All(steps.Skip(2), s => Assert.Equal(StepState.Pending, s.State));
    }
}
