using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>Why a container is not running, as the sync decided it (ErrImagePull, CrashLoopBackOff …).</summary>
public sealed record WaitingReason(string Reason, string? Message);

/// <summary>Readiness and startup as the probes last saw a container.</summary>
public readonly record struct ProbeState(bool Ready, bool Started);

/// <summary>
/// Computes a pod's status from what runs, with Kubernetes' rules: container states with lastState and restartCount,
/// the phase (kubelet getPhase), and the PodReadyToStartContainers / Initialized / ContainersReady / Ready conditions,
/// whose lastTransitionTime changes only when their status does. Pure: no I/O.
/// </summary>
public static class PodStatusBuilder
{
    public const string ConditionPodReadyToStartContainers = "PodReadyToStartContainers";

    public static PodStatus Build(Pod pod, RuntimeContainer? sandbox, IReadOnlyList<RuntimeContainer> containers,
        IReadOnlyDictionary<string, WaitingReason> waiting, Func<string, string, ProbeState> probes, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new PodSpec();
        var old = pod.Status ?? new PodStatus();
        var appStarted = containers.Any(c => !c.IsSandbox && spec.Containers.Any(s => s.Name == c.ContainerName));
        var initStatuses = new List<ContainerStatus>();
        foreach (var init in spec.InitContainers ?? [])
        {
            var (current, previous) = Instances(containers, init.Name);
            var status = ContainerStatusFor(init, current, previous, waiting.GetValueOrDefault(init.Name), (_, _) => new ProbeState(false, false), old, true);
            if (status.State?.Terminated is { ExitCode: 0 })
            {
                status = status with { Ready = true };
            }
            else if (appStarted && status.State?.Running is null && status.State?.Terminated is null)
            {
                // Initialized earlier; its container was removed since.
                status = status with { State = new ContainerState { Terminated = new ContainerStateTerminated { Reason = "Completed" } }, Ready = true };
            }
            initStatuses.Add(status);
        }
        var initialized = appStarted || initStatuses.All(s => s.State?.Terminated is { ExitCode: 0 });
        var statuses = new List<ContainerStatus>(spec.Containers.Count);
        foreach (var container in spec.Containers)
        {
            var (current, previous) = Instances(containers, container.Name);
            var why = waiting.GetValueOrDefault(container.Name) ?? (initialized ? null : new WaitingReason("PodInitializing", null));
            statuses.Add(ContainerStatusFor(container, current, previous, why, probes, old, initialized));
        }
        var phase = initialized ? Phase(spec, statuses, old.Phase) : InitPhase(spec, initStatuses, old.Phase);
        var sandboxReady = sandbox is { State: RuntimeContainerState.Running };
        var terminal = phase is PodPhase.Succeeded or PodPhase.Failed;
        var unready = statuses.Where(s => !s.Ready).Select(s => s.Name).ToList();
        var conditions = new List<PodCondition>();
        foreach (var existing in old.Conditions ?? [])
        {
            if (existing.Type is not (PodConditionType.Initialized or PodConditionType.ContainersReady or PodConditionType.Ready
                or ConditionPodReadyToStartContainers))
            {
                conditions.Add(existing);
            }
        }
        if (!conditions.Any(c => c.Type == PodConditionType.PodScheduled))
        {
            conditions.Insert(0, new PodCondition { Type = PodConditionType.PodScheduled, Status = ConditionStatus.True, LastTransitionTime = now });
        }
        conditions.Add(Condition(old, ConditionPodReadyToStartContainers, sandboxReady, null, null, now));
        var incomplete = initStatuses.Where(s => s.State?.Terminated is not { ExitCode: 0 }).Select(s => s.Name).ToList();
        conditions.Add(initialized
            ? Condition(old, PodConditionType.Initialized, true, null, null, now)
            : Condition(old, PodConditionType.Initialized, false, "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', incomplete)}]", now));
        var (reason, message) = terminal
            ? ("PodCompleted", (string?)null)
            : unready.Count > 0 ? ("ContainersNotReady", $"containers with unready status: [{string.Join(' ', unready)}]") : ((string?)null, null);
        var allReady = !terminal && unready.Count == 0 && statuses.Count > 0;
        conditions.Add(Condition(old, PodConditionType.ContainersReady, allReady, reason, message, now));
        conditions.Add(Condition(old, PodConditionType.Ready, allReady, reason, message, now));

        var podIp = sandboxReady && !string.IsNullOrEmpty(sandbox!.IpAddress) ? sandbox.IpAddress : old.PodIP;
        return new PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            HostIP = ContainerConfigBuilder.HostIp,
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new PodIP { Ip = podIp }],
            StartTime = old.StartTime ?? now,
            ContainerStatuses = statuses,
            InitContainerStatuses = initStatuses.Count > 0 ? initStatuses : null,
            QosClass = old.QosClass ?? QosClass(spec),
            NominatedNodeName = old.NominatedNodeName,
            Message = old.Message,
            Reason = old.Reason,
        };
    }

    /// <summary>While init containers run: Pending, or Failed once one failed and the pod never restarts.</summary>
    public static string InitPhase(PodSpec spec, IReadOnlyList<ContainerStatus> initStatuses, string? previousPhase)
    {
        if (previousPhase is PodPhase.Succeeded or PodPhase.Failed)
        {
            return previousPhase;
        }
        var failed = initStatuses.Any(s => s.State?.Terminated is { ExitCode: not 0 });
        return failed && (spec.RestartPolicy ?? RestartPolicy.Always) == RestartPolicy.Never ? PodPhase.Failed : PodPhase.Pending;
    }

    private static (RuntimeContainer? Current, RuntimeContainer? Previous) Instances(IReadOnlyList<RuntimeContainer> containers, string name)
    {
        var instances = containers.Where(c => !c.IsSandbox && c.ContainerName == name)
            .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.CreatedAt).ToList();
        var current = instances.FirstOrDefault(c => c.State != RuntimeContainerState.Created) ?? instances.FirstOrDefault();
        var previous = current is null ? null : instances.FirstOrDefault(c => c != current && c.State == RuntimeContainerState.Exited);
        return (current, previous);
    }

    /// <summary>Kubernetes' getPhase over the app containers.</summary>
    public static string Phase(PodSpec spec, IReadOnlyList<ContainerStatus> statuses, string? previousPhase)
    {
        if (previousPhase is PodPhase.Succeeded or PodPhase.Failed)
        {
            return previousPhase;
        }
        int running = 0, waiting = 0, stopped = 0, succeeded = 0, unknown = 0;
        foreach (var status in statuses)
        {
            if (status.State?.Running is not null)
            {
                running++;
            }
            else if (status.State?.Terminated is { } terminated)
            {
                stopped++;
                if (terminated.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (status.State?.Waiting is not null)
            {
                if (status.LastState?.Terminated is not null)
                {
                    stopped++;
                }
                else
                {
                    waiting++;
                }
            }
            else
            {
                unknown++;
            }
        }
        var policy = spec.RestartPolicy ?? RestartPolicy.Always;
        if (waiting > 0)
        {
            return PodPhase.Pending;
        }
        if (running > 0 && unknown == 0)
        {
            return PodPhase.Running;
        }
        if (running == 0 && stopped > 0 && unknown == 0)
        {
            if (policy == RestartPolicy.Always)
            {
                return PodPhase.Running;
            }
            if (stopped == succeeded)
            {
                return PodPhase.Succeeded;
            }
            return policy == RestartPolicy.Never ? PodPhase.Failed : PodPhase.Running;
        }
        return PodPhase.Pending;
    }

    public static string QosClass(PodSpec spec)
    {
        var any = false;
        var guaranteed = spec.Containers.Count > 0;
        foreach (var c in spec.Containers)
        {
            var limits = c.Resources?.Limits;
            var requests = c.Resources?.Requests;
            if ((limits?.Count ?? 0) > 0 || (requests?.Count ?? 0) > 0)
            {
                any = true;
            }
            foreach (var resource in new[] { ResourceName.Cpu, ResourceName.Memory })
            {
                if (limits is null || !limits.TryGetValue(resource, out var limit))
                {
                    guaranteed = false;
                    continue;
                }
                if (requests is not null && requests.TryGetValue(resource, out var request) && request != limit)
                {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    public static ContainerStateTerminated Terminated(RuntimeContainer c) => new()
    {
        ExitCode = c.ExitCode,
        Reason = c.OomKilled ? "OOMKilled" : c.ExitCode == 0 ? "Completed" : "Error",
        Message = c.Error,
        StartedAt = c.StartedAt,
        FinishedAt = c.FinishedAt,
        ContainerID = "docker://" + c.Id,
    };

    private static ContainerStatus ContainerStatusFor(Container container, RuntimeContainer? current, RuntimeContainer? previous, WaitingReason? waiting,
        Func<string, string, ProbeState> probes, PodStatus old, bool keepEarlierWaiting)
    {
        var status = new ContainerStatus
        {
            Name = container.Name,
            Image = container.Image ?? "",
            ImageID = current is null || string.IsNullOrEmpty(current.ImageId) ? "" : "docker://" + current.ImageId,
            ContainerID = current is null ? null : "docker://" + current.Id,
            RestartCount = current?.RestartCount ?? 0,
            Started = false,
        };
        if (current is { State: RuntimeContainerState.Running })
        {
            var probe = probes(container.Name, current.Id);
            return status with
            {
                State = new ContainerState { Running = new ContainerStateRunning { StartedAt = current.StartedAt } },
                LastState = previous is null ? new ContainerState() : new ContainerState { Terminated = Terminated(previous) },
                Ready = probe.Ready && probe.Started,
                Started = probe.Started,
            };
        }
        if (waiting is not null)
        {
            var last = current is { State: RuntimeContainerState.Exited } ? current : previous;
            return status with
            {
                State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message } },
                LastState = last is null ? new ContainerState() : new ContainerState { Terminated = Terminated(last) },
            };
        }
        if (current is { State: RuntimeContainerState.Exited })
        {
            return status with
            {
                State = new ContainerState { Terminated = Terminated(current) },
                LastState = previous is null ? new ContainerState() : new ContainerState { Terminated = Terminated(previous) },
            };
        }
        // Nothing created yet (or created but not started): keep an earlier waiting reason, else ContainerCreating.
        var before = keepEarlierWaiting ? old.ContainerStatuses?.FirstOrDefault(s => s.Name == container.Name)?.State?.Waiting : null;
        return status with
        {
            State = new ContainerState { Waiting = before ?? new ContainerStateWaiting { Reason = "ContainerCreating" } },
            LastState = previous is null ? new ContainerState() : new ContainerState { Terminated = Terminated(previous) },
        };
    }

    private static PodCondition Condition(PodStatus old, string type, bool isTrue, string? reason, string? message, DateTimeOffset now)
    {
        var status = isTrue ? ConditionStatus.True : ConditionStatus.False;
        var existing = old.Conditions?.FirstOrDefault(c => c.Type == type);
        var since = existing is not null && existing.Status == status ? existing.LastTransitionTime : now;
        return new PodCondition { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = since };
    }
}
