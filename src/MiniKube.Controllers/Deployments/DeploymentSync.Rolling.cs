using MiniKube.Api;
using MiniKube.Client;
using static MiniKube.Controllers.Deployments.DeploymentUtil;

namespace MiniKube.Controllers.Deployments;

/// <summary>The RollingUpdate strategy (Kubernetes' rolling.go): grow the new ReplicaSet and shrink the old ones within maxSurge / maxUnavailable.</summary>
internal sealed partial class DeploymentSync
{
    private async Task RolloutRollingAsync(CancellationToken ct)
    {
        var (newSet, oldSets) = await GetAllReplicaSetsAsync(create: true, ct).ConfigureAwait(false);
        if (await ReconcileNewReplicaSetAsync(newSet!, oldSets, ct).ConfigureAwait(false))
        {
            (newSet, oldSets) = Current(newSet, oldSets);
            await SyncRolloutStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
            return;
        }
        if (await ReconcileOldReplicaSetsAsync(newSet!, oldSets, ct).ConfigureAwait(false))
        {
            (newSet, oldSets) = Current(newSet, oldSets);
            await SyncRolloutStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
            return;
        }
        if (IsComplete(_d, CalculateStatus(All(newSet, oldSets), newSet, _d, _ctx.Now())))
        {
            await CleanupAsync(oldSets, ct).ConfigureAwait(false);
            (newSet, oldSets) = Current(newSet, oldSets);
        }
        await SyncRolloutStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
    }

    private async Task<bool> ReconcileNewReplicaSetAsync(ReplicaSet newSet, List<ReplicaSet> oldSets, CancellationToken ct)
    {
        var desired = Replicas(_d);
        if (Replicas(newSet) == desired)
        {
            return false;
        }
        if (Replicas(newSet) > desired)
        {
            return await ScaleReplicaSetAsync(newSet, desired, ct).ConfigureAwait(false);
        }
        var target = NewReplicaSetReplicas(_d, All(newSet, oldSets), newSet);
        return await ScaleReplicaSetAsync(newSet, target, ct).ConfigureAwait(false);
    }

    private async Task<bool> ReconcileOldReplicaSetsAsync(ReplicaSet newSet, List<ReplicaSet> oldSets, CancellationToken ct)
    {
        var activeOld = Active(oldSets).ToList();
        if (activeOld.Sum(Replicas) == 0)
        {
            return false;
        }
        var allPods = All(newSet, oldSets).Sum(Replicas);
        var minAvailable = Replicas(_d) - MaxUnavailable(_d);
        var newUnavailable = Replicas(newSet) - (newSet.Status?.AvailableReplicas ?? 0);
        var maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return false;
        }
        // Unhealthy old replicas go first: they do not count towards availability anyway.
        var cleaned = await CleanupUnhealthyReplicasAsync(activeOld, maxScaledDown, ct).ConfigureAwait(false);
        var (latestNew, latestOld) = Current(newSet, oldSets);
        var scaledDown = await ScaleDownOldForRollingUpdateAsync(latestNew, Active(latestOld).ToList(), ct).ConfigureAwait(false);
        return cleaned + scaledDown > 0;
    }

    private async Task<int> CleanupUnhealthyReplicasAsync(List<ReplicaSet> oldSets, int maxCleanup, CancellationToken ct)
    {
        var total = 0;
        foreach (var rs in ByCreation(oldSets).ToList())
        {
            if (total >= maxCleanup)
            {
                break;
            }
            var replicas = Replicas(rs);
            var available = rs.Status?.AvailableReplicas ?? 0;
            // More available than asked for means the ReplicaSet's status still counts pods it is removing: nothing
            // unhealthy there (Kubernetes fails the sync on this; scaling "down" by a negative count would scale up).
            if (replicas == 0 || replicas <= available)
            {
                continue;
            }
            var count = Math.Min(maxCleanup - total, replicas - available);
            await ScaleReplicaSetAsync(rs, replicas - count, ct).ConfigureAwait(false);
            total += count;
        }
        return total;
    }

    private async Task<int> ScaleDownOldForRollingUpdateAsync(ReplicaSet? newSet, List<ReplicaSet> oldSets, CancellationToken ct)
    {
        var minAvailable = Replicas(_d) - MaxUnavailable(_d);
        var available = All(newSet, oldSets).Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        if (available <= minAvailable)
        {
            return 0;
        }
        var toScaleDown = available - minAvailable;
        var total = 0;
        foreach (var rs in ByCreation(oldSets).ToList())
        {
            if (total >= toScaleDown)
            {
                break;
            }
            if (Replicas(rs) == 0)
            {
                continue;
            }
            var count = Math.Min(Replicas(rs), toScaleDown - total);
            await ScaleReplicaSetAsync(rs, Replicas(rs) - count, ct).ConfigureAwait(false);
            total += count;
        }
        return total;
    }
}
