using MiniKube.Api;

namespace MiniKube.Dashboard.State;

public enum StepState
{
    Done,
    Pending,
    Failed,
}

/// <summary>One step of a pod's path through the cluster; the Scheduled step carries the scheduler's node scores when it sent them.</summary>
public sealed record TimelineStep(int Number, string Title, StepState State, DateTimeOffset? Time, string Detail, string Source,
    IReadOnlyList<NodeScore>? Scores = null);

/// <summary>A node's total score in the scheduling cycle that placed the pod (as minikube-scheduler's Scheduled event gives it).</summary>
public sealed record NodeScore(string Node, long Score);

/// <summary>
/// The seven steps of a pod (the flow of <c>kubectl create -f pod.yaml</c>): created → stored → scheduled → bound → seen by the
/// kubelet → sandbox and containers started → status reported / Ready, each with its time, read from the pod's own fields and
/// conditions and from the events about it. A step the cluster has not reached yet is Pending; a scheduling failure is Failed
/// with the scheduler's FitError message.
/// </summary>
public static partial class PodTimeline
{
    public const string ReadyToStartContainers = "PodReadyToStartContainers";

    public static IReadOnlyList<TimelineStep> Build(Pod pod, IEnumerable<Event> events)
    {
        var list = events.OrderBy(ClusterStore.EventTime).ToList();
        var meta = pod.Metadata;
        var status = pod.Status;
        var conditions = status?.Conditions ?? [];
        var scheduledCondition = conditions.FirstOrDefault(c => c.Type == PodConditionType.PodScheduled);
        var scheduledEvent = list.LastOrDefault(e => e.Reason == "Scheduled");
        var failedEvent = list.LastOrDefault(e => e.Reason == "FailedScheduling");
        var node = pod.Spec?.NodeName;
        var steps = new List<TimelineStep>(7)
        {
            new(1, "Created", meta.CreationTimestamp is null ? StepState.Pending : StepState.Done, meta.CreationTimestamp,
                "accepted by the API server: validated, defaulted, admitted", "metadata.creationTimestamp"),
            new(2, "Stored", meta.Uid is null ? StepState.Pending : StepState.Done, meta.CreationTimestamp,
                $"written to etcd as /registry/pods/{meta.Namespace}/{meta.Name} (uid {meta.Uid}; now at resourceVersion {meta.ResourceVersion})",
                "metadata.uid, metadata.resourceVersion"),
        };

        if (scheduledEvent is not null || !string.IsNullOrEmpty(node))
        {
            // The decision precedes the Binding (the condition's time) and the event, which is sent after the bind.
            var bound = scheduledCondition is { Status: ConditionStatus.True } ? scheduledCondition.LastTransitionTime : null;
            steps.Add(new(3, "Scheduled", StepState.Done, Earliest(bound, scheduledEvent is null ? null : ClusterStore.EventTime(scheduledEvent)),
                (scheduledEvent?.Message ?? $"assigned to {node}") + (failedEvent is null ? "" : $" (after: {failedEvent.Message})"),
                scheduledEvent is null ? "spec.nodeName" : "event Scheduled", Scores(scheduledEvent?.Message)));
        }
        else if (failedEvent is not null || scheduledCondition is { Status: ConditionStatus.False })
        {
            steps.Add(new(3, "Scheduled", StepState.Failed, failedEvent is null ? scheduledCondition?.LastTransitionTime : ClusterStore.EventTime(failedEvent),
                failedEvent?.Message ?? scheduledCondition?.Message ?? "unschedulable", failedEvent is null ? "condition PodScheduled" : "event FailedScheduling"));
        }
        else
        {
            steps.Add(new(3, "Scheduled", StepState.Pending, null, "waiting for the scheduler", ""));
        }

        steps.Add(string.IsNullOrEmpty(node)
            ? new(4, "Bound", StepState.Pending, null, "no spec.nodeName yet", "")
            : new(4, "Bound", StepState.Done, scheduledCondition is { Status: ConditionStatus.True } ? scheduledCondition.LastTransitionTime : null,
                $"Binding stored: spec.nodeName = {node}", "spec.nodeName, condition PodScheduled"));

        var kubeletEvents = list.Where(e => e.Source?.Component == "kubelet" || e.ReportingComponent == "kubelet").ToList();
        var sandbox = conditions.FirstOrDefault(c => c.Type == ReadyToStartContainers && c.Status == ConditionStatus.True);
        var containerStatuses = status?.ContainerStatuses ?? [];
        var started = containerStatuses.Select(c => c.State?.Running?.StartedAt ?? c.State?.Terminated?.StartedAt ?? c.LastState?.Terminated?.StartedAt)
            .Where(t => t is not null).ToList();
        // The kubelet had the pod no later than the first thing it did with it: its first status (startTime), its first
        // event, the sandbox, a container start.
        var seen = Earliest([status?.StartTime, kubeletEvents.Count > 0 ? ClusterStore.EventTime(kubeletEvents[0]) : null, sandbox?.LastTransitionTime,
            .. started]);
        steps.Add(seen is null
            ? new(5, "Seen by the kubelet", StepState.Pending, null, string.IsNullOrEmpty(node) ? "not bound yet" : $"waiting for the kubelet of {node}", "")
            : new(5, "Seen by the kubelet", StepState.Done, seen, $"the kubelet of {node} acknowledged the pod (its watch on spec.nodeName={node})",
                "status.startTime, kubelet events, condition PodReadyToStartContainers"));

        var total = pod.Spec?.Containers.Count ?? 0;
        var startedEvents = list.Where(e => e.Reason == "Started").ToList();
        var failedStart = list.LastOrDefault(e => e.Reason is "Failed" or "FailedCreatePodSandBox" or "BackOff" or "ErrImageNeverPull");
        if (started.Count > 0 && started.Count >= total)
        {
            steps.Add(new(6, "Sandbox and containers started", StepState.Done, started.Max(),
                $"sandbox ready{(sandbox?.LastTransitionTime is { } s ? " at " + Links.Time(s) : "")}; {started.Count}/{total} containers started"
                + (startedEvents.Count > 0 ? ": " + string.Join("; ", startedEvents.Select(e => e.Message)) : ""),
                "condition PodReadyToStartContainers, containerStatuses[].state, events Started"));
        }
        else
        {
            var waiting = containerStatuses.Select(c => c.State?.Waiting?.Reason).FirstOrDefault(r => r is not null);
            var failed = failedStart is not null && waiting is not null;
            steps.Add(new(6, "Sandbox and containers started", failed ? StepState.Failed : StepState.Pending, failed ? ClusterStore.EventTime(failedStart!) : null,
                failed ? $"{waiting}: {failedStart!.Message}" : $"{(sandbox is null ? "sandbox not ready" : "sandbox ready")}; {started.Count}/{total} containers started",
                failed ? "event " + failedStart!.Reason : ""));
        }

        var ready = conditions.FirstOrDefault(c => c.Type == PodConditionType.Ready);
        var terminal = status?.Phase is PodPhase.Succeeded or PodPhase.Failed;
        steps.Add(ready is { Status: ConditionStatus.True }
            ? new(7, "Status reported / Ready", StepState.Done, ready.LastTransitionTime,
                $"phase {status?.Phase}, pod IP {status?.PodIP ?? "—"}, Ready=True", "status.phase, status.podIP, condition Ready")
            : terminal
                ? new(7, "Status reported / Ready", StepState.Done, ready?.LastTransitionTime ?? status?.StartTime,
                    $"phase {status?.Phase} (the pod ran to completion)", "status.phase")
                : new(7, "Status reported / Ready", StepState.Pending, null,
                    status?.Phase is null ? "no status reported yet" : $"phase {status.Phase}; Ready={ready?.Status ?? "unknown"}{(ready?.Reason is { } r ? " (" + r + ")" : "")}",
                    "status.phase, condition Ready"));
        return steps;
    }

    /// <summary>
    /// The node scores in a Scheduled event's message: minikube-scheduler appends <c>(scores: n1=187, n2=161)</c> or
    /// <c>(top scores of 5 feasible nodes: …)</c> to kube-scheduler's text, best first. Empty for any other message.
    /// </summary>
    public static IReadOnlyList<NodeScore> Scores(string? message)
    {
        var match = message is null ? null : ScoresPattern().Match(message);
        if (match is not { Success: true })
        {
            return [];
        }
        var scores = new List<NodeScore>();
        foreach (var entry in match.Groups["list"].Value.Split(", "))
        {
            var eq = entry.LastIndexOf('=');
            if (eq <= 0 || !long.TryParse(entry.AsSpan(eq + 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var score))
            {
                return [];
            }
            scores.Add(new NodeScore(entry[..eq], score));
        }
        return scores;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\((?:scores|top scores of \d+ feasible nodes): (?<list>[^()]+)\)$")]
    private static partial System.Text.RegularExpressions.Regex ScoresPattern();

    private static DateTimeOffset? Earliest(params DateTimeOffset?[] times) =>
        times.Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty().Min() is var min && min != default ? min : null;
}
