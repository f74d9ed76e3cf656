using MiniKube.Api;
using MiniKube.Client;
using static MiniKube.Controllers.Deployments.DeploymentUtil;

namespace MiniKube.Controllers.Deployments;

/// <summary>The Recreate strategy (Kubernetes' recreate.go): every old pod gone before the new ReplicaSet is scaled up.</summary>
internal sealed partial class DeploymentSync
{
    private async Task RolloutRecreateAsync(CancellationToken ct)
    {
        var (newSet, oldSets) = await GetAllReplicaSetsAsync(create: false, ct).ConfigureAwait(false);
        var scaledDown = false;
        foreach (var rs in Active(oldSets).ToList())
        {
            scaledDown |= await ScaleReplicaSetAsync(rs, 0, ct).ConfigureAwait(false);
        }
        (newSet, oldSets) = Current(newSet, oldSets);
        if (scaledDown || OldPodsRunning(newSet, oldSets))
        {
            await SyncRolloutStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
            return;
        }
        if (newSet is null)
        {
            (newSet, oldSets) = await GetAllReplicaSetsAsync(create: true, ct).ConfigureAwait(false);
        }
        if (await ScaleReplicaSetAsync(newSet!, Replicas(_d), ct).ConfigureAwait(false))
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

    private bool OldPodsRunning(ReplicaSet? newSet, List<ReplicaSet> oldSets)
    {
        if (oldSets.Sum(rs => rs.Status?.Replicas ?? 0) > 0)
        {
            return true;
        }
        var oldUids = oldSets.Select(rs => rs.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        return _podsOf(_d, _sets).Any(p =>
            Owners.ControllerOf(p) is { } owner && owner.Uid != newSet?.Metadata.Uid && oldUids.Contains(owner.Uid)
            && p.Status?.Phase is not (PodPhase.Succeeded or PodPhase.Failed));
    }
}
