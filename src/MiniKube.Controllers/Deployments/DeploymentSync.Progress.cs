using MiniKube.Api;
using MiniKube.Client;
using static MiniKube.Controllers.Deployments.DeploymentUtil;

namespace MiniKube.Controllers.Deployments;

/// <summary>Status and progress (Kubernetes' progress.go and the status half of sync.go): paused and progressing conditions, the progress deadline.</summary>
internal sealed partial class DeploymentSync
{
    private async Task CheckPausedConditionsAsync(CancellationToken ct)
    {
        if (!HasProgressDeadline(_d))
        {
            return;
        }
        var condition = Condition(_d.Status, DeploymentConditionType.Progressing);
        if (condition?.Reason == ProgressDeadlineExceeded)
        {
            return;
        }
        var pausedShown = condition?.Reason == DeploymentPaused;
        var paused = _d.Spec?.Paused == true;
        DeploymentCondition? next = null;
        if (paused && !pausedShown)
        {
            next = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.Unknown, DeploymentPaused, "Deployment is paused", _ctx.Now());
        }
        else if (!paused && pausedShown)
        {
            next = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.Unknown, DeploymentResumed, "Deployment is resumed", _ctx.Now());
        }
        if (next is not null)
        {
            await WriteStatusAsync(SetCondition(_d.Status ?? new DeploymentStatus(), next), ct).ConfigureAwait(false);
        }
    }

    private async Task SyncDeploymentStatusAsync(List<ReplicaSet> allSets, ReplicaSet? newSet, CancellationToken ct)
    {
        var status = CalculateStatus(allSets, newSet, _d, _ctx.Now());
        if (!SameStatus(_d.Status, status))
        {
            await WriteStatusAsync(status, ct).ConfigureAwait(false);
        }
    }

    private async Task SyncRolloutStatusAsync(List<ReplicaSet> allSets, ReplicaSet? newSet, CancellationToken ct)
    {
        var now = _ctx.Now();
        var status = CalculateStatus(allSets, newSet, _d, now);
        if (!HasProgressDeadline(_d))
        {
            status = RemoveCondition(status, DeploymentConditionType.Progressing);
        }
        var current = Condition(_d.Status, DeploymentConditionType.Progressing);
        var complete = status.Replicas == status.UpdatedReplicas && current?.Reason == NewReplicaSetAvailable;
        if (HasProgressDeadline(_d) && !complete)
        {
            var name = newSet?.Metadata.Name;
            if (IsComplete(_d, status))
            {
                var message = name is null
                    ? $"Deployment \"{_d.Metadata.Name}\" has successfully progressed."
                    : $"ReplicaSet \"{name}\" has successfully progressed.";
                status = SetCondition(status, NewCondition(DeploymentConditionType.Progressing, ConditionStatus.True, NewReplicaSetAvailable, message, now));
            }
            else if (IsProgressing(_d, status))
            {
                var message = name is null ? $"Deployment \"{_d.Metadata.Name}\" is progressing." : $"ReplicaSet \"{name}\" is progressing.";
                var condition = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.True, ReplicaSetUpdated, message, now);
                if (current is { Status: ConditionStatus.True })
                {
                    condition = condition with { LastTransitionTime = current.LastTransitionTime };
                }
                // Progress refreshes lastUpdateTime even when the reason stays the same.
                status = SetCondition(RemoveCondition(status, DeploymentConditionType.Progressing), condition);
            }
            else if (IsTimedOut(_d, status, now))
            {
                var message = name is null
                    ? $"Deployment \"{_d.Metadata.Name}\" has timed out progressing."
                    : $"ReplicaSet \"{name}\" has timed out progressing.";
                status = SetCondition(status, NewCondition(DeploymentConditionType.Progressing, ConditionStatus.False, ProgressDeadlineExceeded, message, now));
            }
        }
        var failure = allSets.Select(rs => rs.Status?.Conditions?.FirstOrDefault(c => c.Type == DeploymentConditionType.ReplicaFailure))
            .FirstOrDefault(c => c is not null);
        status = failure is not null
            ? SetCondition(status, new DeploymentCondition
            {
                Type = DeploymentConditionType.ReplicaFailure,
                Status = failure.Status,
                Reason = failure.Reason,
                Message = failure.Message,
                LastUpdateTime = failure.LastTransitionTime,
                LastTransitionTime = failure.LastTransitionTime,
            })
            : RemoveCondition(status, DeploymentConditionType.ReplicaFailure);

        if (SameStatus(_d.Status, status))
        {
            Result = RequeueStuck(status, now);
            return;
        }
        await WriteStatusAsync(status, ct).ConfigureAwait(false);
        Result = RequeueStuck(status, now);
    }

    /// <summary>A Deployment still progressing is checked again when its progress deadline passes.</summary>
    private ReconcileResult RequeueStuck(DeploymentStatus status, DateTimeOffset now)
    {
        var condition = Condition(status, DeploymentConditionType.Progressing);
        if (!HasProgressDeadline(_d) || condition?.Reason != ReplicaSetUpdated || IsComplete(_d, status) || IsTimedOut(_d, status, now))
        {
            return ReconcileResult.Done;
        }
        var due = (condition.LastUpdateTime ?? now).AddSeconds(_d.Spec!.ProgressDeadlineSeconds!.Value) - now;
        return ReconcileResult.After(due < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : due + TimeSpan.FromSeconds(1));
    }
}
