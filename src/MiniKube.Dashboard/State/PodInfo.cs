using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>What a pods table shows of one pod, computed the way kubectl's STATUS / READY / RESTARTS columns are.</summary>
public sealed record PodInfo(Pod Pod, string Status, int ReadyContainers, int Containers, int Restarts, string Node, string Ip)
{
    public string Namespace => Pod.Metadata.Namespace ?? "";

    public string Name => Pod.Metadata.Name ?? "";

    public string Ready => $"{ReadyContainers}/{Containers}";

    public static PodInfo From(Pod pod)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var containers = pod.Spec?.Containers.Count ?? statuses.Count;
        return new PodInfo(pod, StatusOf(pod), statuses.Count(s => s.Ready), containers, statuses.Sum(s => s.RestartCount),
            pod.Spec?.NodeName ?? "", pod.Status?.PodIP ?? "");
    }

    /// <summary>The phase, or the reason of a waiting/terminated container (CrashLoopBackOff, ErrImagePull, …), or Terminating.</summary>
    public static string StatusOf(Pod pod)
    {
        var status = pod.Status?.Reason ?? pod.Status?.Phase ?? "Pending";
        foreach (var c in pod.Status?.ContainerStatuses ?? [])
        {
            if (c.State?.Waiting is { Reason: { Length: > 0 } waiting })
            {
                status = waiting;
            }
            else if (c.State?.Terminated is { } terminated && !(pod.Status?.Phase is "Succeeded" or "Failed"))
            {
                status = terminated.Reason ?? (terminated.Signal is > 0 ? $"Signal:{terminated.Signal}" : $"ExitCode:{terminated.ExitCode}");
            }
        }
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            status = "Terminating";
        }
        return status;
    }
}
