using MiniKube.Api;
using MiniKube.Controllers.Deployments;

namespace MiniKube.Rollout;

/// <summary>One reading of a Deployment's rollout, in kubectl's words.</summary>
public sealed record RolloutStatusResult(string Message, bool Done);

/// <summary>kubectl's DeploymentStatusViewer: what <c>rollout status</c> prints for a Deployment as it is now.</summary>
public static class RolloutStatus
{
    /// <exception cref="RolloutException">The Deployment exceeded its progress deadline.</exception>
    public static RolloutStatusResult Evaluate(Deployment d)
    {
        var name = d.Metadata.Name;
        var status = d.Status ?? new DeploymentStatus();
        if ((d.Metadata.Generation ?? 0) > (status.ObservedGeneration ?? 0))
        {
            return new("Waiting for deployment spec update to be observed...", false);
        }
        if (DeploymentUtil.Condition(status, DeploymentConditionType.Progressing)?.Reason == DeploymentUtil.ProgressDeadlineExceeded)
        {
            throw new RolloutException($"deployment \"{name}\" exceeded its progress deadline");
        }
        var desired = d.Spec?.Replicas ?? 1;
        var updated = status.UpdatedReplicas ?? 0;
        var replicas = status.Replicas ?? 0;
        var available = status.AvailableReplicas ?? 0;
        if (updated < desired)
        {
            return new($"Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated...", false);
        }
        if (replicas > updated)
        {
            return new($"Waiting for deployment \"{name}\" rollout to finish: {replicas - updated} old replicas are pending termination...", false);
        }
        if (available < updated)
        {
            return new($"Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...", false);
        }
        return new($"deployment \"{name}\" successfully rolled out", true);
    }
}
