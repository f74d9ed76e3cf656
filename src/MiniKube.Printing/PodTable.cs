using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME READY STATUS RESTARTS AGE</c> (+ wide <c>IP NODE NOMINATED NODE READINESS GATES</c>).</summary>
public sealed class PodTable : ResourceTable<Pod>
{
    public PodTable()
    {
        NameColumn();
        Column("READY", Ready);
        Column("STATUS", PodStatusText.Of);
        Column("RESTARTS", Restarts);
        AgeColumn();
        Wide("IP", p => Text.OrNone(p.Status?.PodIP));
        Wide("NODE", p => Text.OrNone(p.Spec?.NodeName));
        Wide("NOMINATED NODE", p => Text.OrNone(p.Status?.NominatedNodeName));
        Wide("READINESS GATES", _ => Text.None);
    }

    public static string Ready(Pod pod)
    {
        var total = pod.Spec?.Containers.Count ?? 0;
        var ready = pod.Status?.ContainerStatuses?.Count(c => c.Ready && c.State?.Running is not null) ?? 0;
        return $"{ready.ToString(CultureInfo.InvariantCulture)}/{total.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Sum of restart counts, with the age of the latest restart: <c>3 (2m ago)</c>.</summary>
    public static string Restarts(Pod pod, DateTimeOffset now)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var restarts = statuses.Sum(c => c.RestartCount);
        var lastRestart = statuses.Select(c => c.LastState?.Terminated?.FinishedAt).Where(t => t is not null).Max();
        var count = restarts.ToString(CultureInfo.InvariantCulture);
        return restarts > 0 && lastRestart is not null ? $"{count} ({HumanDuration.Since(lastRestart, now)} ago)" : count;
    }
}

/// <summary>The STATUS kubectl shows for a pod: a container's waiting/terminated reason, init progress, Terminating, or the phase.</summary>
public static class PodStatusText
{
    public static string Of(Pod pod)
    {
        var status = pod.Status;
        var reason = !string.IsNullOrEmpty(status?.Reason) ? status.Reason : status?.Phase ?? "";
        var initStatuses = status?.InitContainerStatuses ?? [];
        var initSpecs = pod.Spec?.InitContainers ?? [];
        var initializing = false;
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            var state = c.State;
            if (state?.Terminated is { ExitCode: 0 })
            {
                continue;
            }
            var isSidecar = initSpecs.FirstOrDefault(s => s.Name == c.Name)?.RestartPolicy == RestartPolicy.Always;
            if (isSidecar && c.Started == true)
            {
                continue;
            }
            if (state?.Terminated is { } terminated)
            {
                reason = !string.IsNullOrEmpty(terminated.Reason)
                    ? "Init:" + terminated.Reason
                    : terminated.Signal is { } signal and not 0
                        ? "Init:Signal:" + signal.ToString(CultureInfo.InvariantCulture)
                        : "Init:ExitCode:" + terminated.ExitCode.ToString(CultureInfo.InvariantCulture);
            }
            else if (state?.Waiting is { Reason: { Length: > 0 } waiting } && waiting != "PodInitializing")
            {
                reason = "Init:" + waiting;
            }
            else
            {
                reason = $"Init:{i.ToString(CultureInfo.InvariantCulture)}/{initSpecs.Count.ToString(CultureInfo.InvariantCulture)}";
            }
            initializing = true;
            break;
        }

        if (!initializing)
        {
            var hasRunning = false;
            var statuses = status?.ContainerStatuses ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var state = statuses[i].State;
                if (state?.Waiting is { Reason: { Length: > 0 } waiting })
                {
                    reason = waiting;
                }
                else if (state?.Terminated is { } terminated)
                {
                    reason = !string.IsNullOrEmpty(terminated.Reason)
                        ? terminated.Reason
                        : terminated.Signal is { } signal and not 0
                            ? "Signal:" + signal.ToString(CultureInfo.InvariantCulture)
                            : "ExitCode:" + terminated.ExitCode.ToString(CultureInfo.InvariantCulture);
                }
                else if (statuses[i].Ready && state?.Running is not null)
                {
                    hasRunning = true;
                }
            }
            if (reason == "Completed" && hasRunning)
            {
                var podReady = status?.Conditions?.Any(c => c.Type == PodConditionType.Ready && c.Status == ConditionStatus.True) == true;
                reason = podReady ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            reason = status?.Reason == "NodeLost" ? "Unknown" : "Terminating";
        }
        return reason.Length == 0 ? PodPhase.Pending : reason;
    }
}
