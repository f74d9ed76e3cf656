using MiniKube.Api;
using MiniKube.Controllers;
using MiniKube.Controllers.Deployments;

namespace MiniKube.Rollout;

/// <summary>
/// The client side of <c>rollout undo [--to-revision N]</c>, as kubectl does it: find the ReplicaSet of the revision
/// (the previous one by default), and put its pod template (without the pod-template-hash label) and its annotations
/// back on the Deployment. The deployment controller then treats that ReplicaSet as the new one and bumps its revision.
/// </summary>
public sealed class DeploymentRollback(IControllerClient client)
{
    /// <summary>Returns kubectl's outcome: <c>rolled back</c> or <c>skipped rollback (…)</c>.</summary>
    /// <exception cref="RolloutException">Paused, or the revision is not in the history.</exception>
    public async Task<string> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var d = await client.GetAsync<Deployment>(name, ns, cancellationToken).ConfigureAwait(false);
            if (d.Spec?.Paused == true)
            {
                throw new RolloutException("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
            }
            var sets = await RolloutHistory.ReplicaSetsOfAsync(client, d, cancellationToken).ConfigureAwait(false);
            var rs = ForRevision(name, sets, toRevision);
            if (PodTemplateHash.EqualIgnoringHash(rs.Spec?.Template, d.Spec?.Template))
            {
                return $"skipped rollback (current template already matches revision {DeploymentUtil.Revision(rs)})";
            }
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
            {
                if (DeploymentUtil.AnnotationsToSkip.Contains(k))
                {
                    annotations[k] = v;
                }
            }
            foreach (var (k, v) in rs.Metadata.Annotations ?? new Dictionary<string, string>())
            {
                if (!DeploymentUtil.AnnotationsToSkip.Contains(k))
                {
                    annotations[k] = v;
                }
            }
            var restored = d with
            {
                Metadata = d.Metadata with { Annotations = annotations },
                Spec = d.Spec! with { Template = PodTemplateHash.WithoutHash(rs.Spec!.Template!) },
            };
            try
            {
                await client.UpdateAsync<Deployment>(restored, cancellationToken).ConfigureAwait(false);
                return "rolled back";
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 5)
            {
                // Changed meanwhile: decide again on the new state.
            }
            catch (ApiException ex)
            {
                throw new RolloutException($"failed restoring revision {toRevision}: {ex.Message}");
            }
        }
    }

    /// <summary>The ReplicaSet of <paramref name="toRevision"/>, or of the revision before the latest when it is 0.</summary>
    public static ReplicaSet ForRevision(string name, IReadOnlyList<ReplicaSet> sets, long toRevision)
    {
        ReplicaSet? latest = null;
        ReplicaSet? previous = null;
        foreach (var rs in sets)
        {
            var v = DeploymentUtil.Revision(rs);
            if (toRevision > 0)
            {
                if (v == toRevision)
                {
                    return rs;
                }
                continue;
            }
            if (latest is null || v > DeploymentUtil.Revision(latest))
            {
                previous = latest;
                latest = rs;
            }
            else if (previous is null || v > DeploymentUtil.Revision(previous))
            {
                previous = rs;
            }
        }
        if (toRevision > 0)
        {
            throw new RolloutException($"unable to find specified revision {toRevision} in history");
        }
        return previous ?? throw new RolloutException($"no rollout history found for deployment \"{name}\"");
    }
}
