using MiniKube.Api;

namespace MiniKube.Controllers.ReplicaSets;

/// <summary>A ReplicaSet's status from the pods it controls (Kubernetes' calculateStatus).</summary>
public static class ReplicaSetStatusCalculator
{
    public const string ReplicaFailure = "ReplicaFailure";

    public static ReplicaSetStatus Calculate(ReplicaSet rs, IReadOnlyCollection<Pod> pods, Exception? createError, bool clearFailure, DateTimeOffset now)
    {
        var templateLabels = rs.Spec?.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
        var minReady = rs.Spec?.MinReadySeconds ?? 0;
        var fullyLabeled = 0;
        var ready = 0;
        var available = 0;
        foreach (var pod in pods)
        {
            var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
            if (templateLabels.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            {
                fullyLabeled++;
            }
            if (Pods.IsReady(pod))
            {
                ready++;
                if (Pods.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
            }
        }
        var conditions = (rs.Status?.Conditions ?? []).ToList();
        var failure = conditions.FirstOrDefault(c => c.Type == ReplicaFailure);
        if (createError is not null && failure is null)
        {
            conditions.Add(new ReplicaSetCondition
            {
                Type = ReplicaFailure,
                Status = ConditionStatus.True,
                Reason = "FailedCreate",
                Message = createError.Message,
                LastTransitionTime = now,
            });
        }
        else if (clearFailure && failure is not null)
        {
            conditions.Remove(failure);
        }
        return new ReplicaSetStatus
        {
            Replicas = pods.Count,
            FullyLabeledReplicas = fullyLabeled,
            ReadyReplicas = ready,
            AvailableReplicas = available,
            ObservedGeneration = rs.Metadata.Generation,
            Conditions = conditions.Count == 0 ? null : conditions,
        };
    }

    public static bool Same(ReplicaSetStatus? a, ReplicaSetStatus b) =>
        a is not null
        && a.Replicas == b.Replicas
        && (a.FullyLabeledReplicas ?? 0) == (b.FullyLabeledReplicas ?? 0)
        && (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0)
        && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0)
        && a.ObservedGeneration == b.ObservedGeneration
        && (a.Conditions ?? []).SequenceEqual(b.Conditions ?? []);
}
