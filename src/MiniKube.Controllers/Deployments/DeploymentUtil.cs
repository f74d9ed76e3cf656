using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Controllers.Deployments;

/// <summary>Kubernetes' deployment utilities: revisions and annotations, surge/unavailable arithmetic, conditions, status.</summary>
public static class DeploymentUtil
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string RollbackToAnnotation = "deprecated.deployment.rollback.to";
    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";

    // Reasons of the Progressing and Available conditions.
    public const string NewReplicaSetCreated = "NewReplicaSetCreated";
    public const string FoundNewReplicaSet = "FoundNewReplicaSet";
    public const string ReplicaSetUpdated = "ReplicaSetUpdated";
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string ReplicaSetCreateError = "ReplicaSetCreateError";
    public const string DeploymentPaused = "DeploymentPaused";
    public const string DeploymentResumed = "DeploymentResumed";
    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";

    /// <summary>Deployment annotations that are not copied to its ReplicaSets (and that a rollback keeps).</summary>
    public static readonly IReadOnlySet<string> AnnotationsToSkip = new HashSet<string>(StringComparer.Ordinal)
    {
        WellKnownAnnotations.LastAppliedConfiguration, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation, RollbackToAnnotation,
    };

    public static int Replicas(Deployment d) => d.Spec?.Replicas ?? 1;

    public static int Replicas(ReplicaSet? rs) => rs?.Spec?.Replicas ?? 0;

    public static long Revision(KubeObject obj) =>
        obj.Metadata.Annotations?.TryGetValue(RevisionAnnotation, out var text) == true
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : 0;

    public static long MaxRevision(IEnumerable<ReplicaSet> sets) => sets.Select(Revision).DefaultIfEmpty(0).Max();

    public static bool IsRollingUpdate(Deployment d) => d.Spec?.Strategy?.Type is null or DeploymentStrategyType.RollingUpdate;

    /// <summary>maxSurge (rounded up) and maxUnavailable (rounded down) for <paramref name="desired"/> replicas; never both 0.</summary>
    public static (int Surge, int Unavailable) ResolveFenceposts(IntOrString? maxSurge, IntOrString? maxUnavailable, int desired)
    {
        var surge = (maxSurge ?? IntOrString.FromInt(0)).GetScaledValue(desired, roundUp: true);
        var unavailable = (maxUnavailable ?? IntOrString.FromInt(0)).GetScaledValue(desired, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            // Both 0 would deadlock the rollout; validation forbids it, and a percentage may still round to 0.
            unavailable = 1;
        }
        return (surge, unavailable);
    }

    public static int MaxSurge(Deployment d)
    {
        if (!IsRollingUpdate(d))
        {
            return 0;
        }
        var ru = d.Spec?.Strategy?.RollingUpdate;
        return ResolveFenceposts(ru?.MaxSurge, ru?.MaxUnavailable, Replicas(d)).Surge;
    }

    public static int MaxUnavailable(Deployment d)
    {
        if (!IsRollingUpdate(d) || Replicas(d) == 0)
        {
            return 0;
        }
        var ru = d.Spec?.Strategy?.RollingUpdate;
        var unavailable = ResolveFenceposts(ru?.MaxSurge, ru?.MaxUnavailable, Replicas(d)).Unavailable;
        return Math.Min(unavailable, Replicas(d));
    }

    /// <summary>How many replicas the new ReplicaSet should have now.</summary>
    public static int NewReplicaSetReplicas(Deployment d, IEnumerable<ReplicaSet> allSets, ReplicaSet newSet)
    {
        if (!IsRollingUpdate(d))
        {
            return Replicas(d);
        }
        var current = allSets.Sum(Replicas);
        var maxTotal = Replicas(d) + MaxSurge(d);
        if (current >= maxTotal)
        {
            return Replicas(newSet);
        }
        var scaleUp = Math.Min(maxTotal - current, Replicas(d) - Replicas(newSet));
        return Replicas(newSet) + scaleUp;
    }

    /// <summary>The new ReplicaSet runs everything the Deployment wants, and all of it is available.</summary>
    public static bool IsSaturated(Deployment d, ReplicaSet? rs) =>
        rs is not null
        && DesiredReplicas(rs) == Replicas(d)
        && Replicas(rs) == Replicas(d)
        && (rs.Status?.AvailableReplicas ?? 0) == Replicas(d);

    public static int? DesiredReplicas(ReplicaSet rs) => IntAnnotation(rs, DesiredReplicasAnnotation);

    public static int? MaxReplicas(ReplicaSet rs) => IntAnnotation(rs, MaxReplicasAnnotation);

    private static int? IntAnnotation(KubeObject obj, string name) =>
        obj.Metadata.Annotations?.TryGetValue(name, out var text) == true
        && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>This ReplicaSet's share of a proportional scale of <paramref name="toAdd"/> replicas, <paramref name="added"/> of which are handed out.</summary>
    public static int Proportion(ReplicaSet rs, Deployment d, int toAdd, int added)
    {
        if (Replicas(rs) == 0 || toAdd == 0 || toAdd == added)
        {
            return 0;
        }
        var fraction = Fraction(rs, d);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    private static int Fraction(ReplicaSet rs, Deployment d)
    {
        if (Replicas(d) == 0)
        {
            return -Replicas(rs);
        }
        var deploymentReplicas = Replicas(d) + MaxSurge(d);
        var annotated = MaxReplicas(rs) ?? d.Status?.Replicas ?? 0;
        if (annotated == 0)
        {
            return 0;
        }
        var size = (double)Replicas(rs) * deploymentReplicas / annotated;
        return (int)Math.Round(size, MidpointRounding.AwayFromZero) - Replicas(rs);
    }

    /// <summary>Sets desired-replicas and max-replicas; returns the changed annotations or null when already right.</summary>
    public static Dictionary<string, string>? WithReplicasAnnotations(ReplicaSet rs, int desired, int max)
    {
        var annotations = new Dictionary<string, string>(rs.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var desiredText = desired.ToString(CultureInfo.InvariantCulture);
        var maxText = max.ToString(CultureInfo.InvariantCulture);
        var changed = false;
        if (!annotations.TryGetValue(DesiredReplicasAnnotation, out var d) || d != desiredText)
        {
            annotations[DesiredReplicasAnnotation] = desiredText;
            changed = true;
        }
        if (!annotations.TryGetValue(MaxReplicasAnnotation, out var m) || m != maxText)
        {
            annotations[MaxReplicasAnnotation] = maxText;
            changed = true;
        }
        return changed ? annotations : null;
    }

    /// <summary>
    /// The new ReplicaSet's annotations: the Deployment's (except <see cref="AnnotationsToSkip"/>), the revision (raised to
    /// <paramref name="newRevision"/>, with the old one appended to revision-history) and, for a ReplicaSet being created,
    /// desired/max replicas. Null when nothing changes.
    /// </summary>
    public static Dictionary<string, string>? NewReplicaSetAnnotations(Deployment d, ReplicaSet rs, long newRevision, bool exists)
    {
        var annotations = new Dictionary<string, string>(rs.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var changed = false;
        foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!AnnotationsToSkip.Contains(k) && (!annotations.TryGetValue(k, out var current) || current != v))
            {
                annotations[k] = v;
                changed = true;
            }
        }
        var oldRevision = Revision(rs);
        if (oldRevision < newRevision)
        {
            annotations[RevisionAnnotation] = newRevision.ToString(CultureInfo.InvariantCulture);
            changed = true;
            if (oldRevision > 0)
            {
                var history = annotations.GetValueOrDefault(RevisionHistoryAnnotation);
                var old = oldRevision.ToString(CultureInfo.InvariantCulture);
                annotations[RevisionHistoryAnnotation] = string.IsNullOrEmpty(history) ? old : history + "," + old;
            }
        }
        if (!exists)
        {
            annotations[DesiredReplicasAnnotation] = Replicas(d).ToString(CultureInfo.InvariantCulture);
            annotations[MaxReplicasAnnotation] = (Replicas(d) + MaxSurge(d)).ToString(CultureInfo.InvariantCulture);
            changed = true;
        }
        return changed ? annotations : null;
    }

    /// <summary>The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label).</summary>
    public static ReplicaSet? FindNewReplicaSet(Deployment d, IEnumerable<ReplicaSet> sets) =>
        ByCreation(sets).FirstOrDefault(rs => PodTemplateHash.EqualIgnoringHash(rs.Spec?.Template, d.Spec?.Template));

    public static IEnumerable<ReplicaSet> ByCreation(IEnumerable<ReplicaSet> sets) =>
        sets.OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal);

    public static IEnumerable<ReplicaSet> Active(IEnumerable<ReplicaSet> sets) => sets.Where(rs => Replicas(rs) > 0);

    public static bool HasProgressDeadline(Deployment d) => d.Spec?.ProgressDeadlineSeconds is { } s && s != int.MaxValue;

    public static bool HasRevisionHistoryLimit(Deployment d) => d.Spec?.RevisionHistoryLimit is { } l && l != int.MaxValue;

    // ---- status and conditions ---------------------------------------------------------------------------------

    public static DeploymentCondition? Condition(DeploymentStatus? status, string type) => status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static DeploymentCondition NewCondition(string type, string status, string reason, string message, DateTimeOffset now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastUpdateTime = now,
        LastTransitionTime = now,
    };

    /// <summary>Sets a condition; one with the same status and reason stays as it is, and the transition time survives a reason change.</summary>
    public static DeploymentStatus SetCondition(DeploymentStatus status, DeploymentCondition condition)
    {
        var current = Condition(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return status;
        }
        if (current is not null && current.Status == condition.Status)
        {
            condition = condition with { LastTransitionTime = current.LastTransitionTime };
        }
        return status with { Conditions = [.. (status.Conditions ?? []).Where(c => c.Type != condition.Type), condition] };
    }

    public static DeploymentStatus RemoveCondition(DeploymentStatus status, string type) =>
        status.Conditions?.Any(c => c.Type == type) == true
            ? status with { Conditions = [.. status.Conditions.Where(c => c.Type != type)] }
            : status;

    /// <summary>Every replica is updated and available, and the latest spec has been observed.</summary>
    public static bool IsComplete(Deployment d, DeploymentStatus status) =>
        (status.UpdatedReplicas ?? 0) == Replicas(d)
        && (status.Replicas ?? 0) == Replicas(d)
        && (status.AvailableReplicas ?? 0) == Replicas(d)
        && (status.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);

    /// <summary>The new status shows progress over the Deployment's current one.</summary>
    public static bool IsProgressing(Deployment d, DeploymentStatus next)
    {
        var old = d.Status ?? new DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (next.Replicas ?? 0) - (next.UpdatedReplicas ?? 0);
        return (next.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0)
            || newOld < oldOld
            || (next.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0)
            || (next.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    /// <summary>No progress reported within progressDeadlineSeconds of the last one.</summary>
    public static bool IsTimedOut(Deployment d, DeploymentStatus status, DateTimeOffset now)
    {
        if (!HasProgressDeadline(d))
        {
            return false;
        }
        var condition = Condition(status, DeploymentConditionType.Progressing);
        if (condition is null || condition.Reason == NewReplicaSetAvailable)
        {
            return false;
        }
        if (condition.Reason == ProgressDeadlineExceeded)
        {
            return true;
        }
        var from = condition.LastUpdateTime ?? condition.LastTransitionTime ?? now;
        return from.AddSeconds(d.Spec!.ProgressDeadlineSeconds!.Value) < now;
    }

    /// <summary>Counts from the ReplicaSets, and the Available condition (Kubernetes' calculateStatus).</summary>
    public static DeploymentStatus CalculateStatus(IReadOnlyCollection<ReplicaSet> allSets, ReplicaSet? newSet, Deployment d, DateTimeOffset now)
    {
        var available = allSets.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var total = allSets.Sum(Replicas);
        var status = new DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = allSets.Sum(rs => rs.Status?.Replicas ?? 0),
            UpdatedReplicas = newSet?.Status?.Replicas ?? 0,
            ReadyReplicas = allSets.Sum(rs => rs.Status?.ReadyReplicas ?? 0),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, total - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions,
        };
        var condition = available >= Replicas(d) - MaxUnavailable(d)
            ? NewCondition(DeploymentConditionType.Available, ConditionStatus.True, MinimumReplicasAvailable, "Deployment has minimum availability.", now)
            : NewCondition(DeploymentConditionType.Available, ConditionStatus.False, MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now);
        return SetCondition(status, condition);
    }

    /// <summary>Status equality by value (conditions included).</summary>
    public static bool SameStatus(DeploymentStatus? a, DeploymentStatus? b) =>
        a is not null && b is not null
            ? PodTemplateHash.Canonical(a) == PodTemplateHash.Canonical(b)
            : a is null && b is null;
}
