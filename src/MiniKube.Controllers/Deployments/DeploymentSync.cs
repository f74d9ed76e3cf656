using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using static MiniKube.Controllers.Deployments.DeploymentUtil;

namespace MiniKube.Controllers.Deployments;

/// <summary>
/// One sync of one Deployment (Kubernetes' sync.go; the two strategies and the status are in DeploymentSync.Rolling.cs,
/// .Recreate.cs and .Progress.cs). Holds the Deployment and its ReplicaSets as they change during the sync: every write's
/// result replaces the cached copy it was built from.
/// </summary>
internal sealed partial class DeploymentSync
{
    private readonly ControllerContext _ctx;
    private readonly IEventSink _events;
    private readonly Func<Deployment, IReadOnlyList<ReplicaSet>, IReadOnlyList<Pod>> _podsOf;
    private readonly List<ReplicaSet> _sets;
    private readonly Action<ReplicaSet> _written;
    private Deployment _d;

    public DeploymentSync(ControllerContext ctx, IEventSink events, Deployment d, IEnumerable<ReplicaSet> sets,
        Func<Deployment, IReadOnlyList<ReplicaSet>, IReadOnlyList<Pod>> podsOf, Action<ReplicaSet> written)
    {
        _written = written;
        _ctx = ctx;
        _events = events;
        _d = d;
        _sets = [.. sets];
        _podsOf = podsOf;
    }

    /// <summary>When to look again (a progress deadline to check), if at all.</summary>
    public ReconcileResult Result { get; private set; }

    public Deployment Deployment => _d;

    private string Key => ObjectKeys.For(_d);

    public async Task RunAsync(CancellationToken ct)
    {
        if (Owners.IsBeingDeleted(_d))
        {
            await SyncStatusOnlyAsync(ct).ConfigureAwait(false);
            return;
        }
        await CheckPausedConditionsAsync(ct).ConfigureAwait(false);
        if (_d.Spec?.Paused == true || await IsScalingEventAsync(ct).ConfigureAwait(false))
        {
            await SyncAsync(ct).ConfigureAwait(false);
            return;
        }
        if (_d.Spec?.Strategy?.Type == DeploymentStrategyType.Recreate)
        {
            await RolloutRecreateAsync(ct).ConfigureAwait(false);
        }
        else
        {
            await RolloutRollingAsync(ct).ConfigureAwait(false);
        }
    }

    // ---- entry points ------------------------------------------------------------------------------------------

    private async Task SyncStatusOnlyAsync(CancellationToken ct)
    {
        var (newSet, oldSets) = await GetAllReplicaSetsAsync(create: false, ct).ConfigureAwait(false);
        await SyncDeploymentStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
    }

    /// <summary>Scaling and paused Deployments: resize proportionally, no rollout.</summary>
    private async Task SyncAsync(CancellationToken ct)
    {
        var (newSet, oldSets) = await GetAllReplicaSetsAsync(create: false, ct).ConfigureAwait(false);
        await ScaleAsync(newSet, oldSets, ct).ConfigureAwait(false);
        (newSet, oldSets) = Current(newSet, oldSets);
        if (_d.Spec?.Paused == true)
        {
            await CleanupAsync(oldSets, ct).ConfigureAwait(false);
            (newSet, oldSets) = Current(newSet, oldSets);
        }
        await SyncDeploymentStatusAsync(All(newSet, oldSets), newSet, ct).ConfigureAwait(false);
    }

    // ---- the new and old ReplicaSets -----------------------------------------------------------------------------

    private async Task<(ReplicaSet? New, List<ReplicaSet> Old)> GetAllReplicaSetsAsync(bool create, CancellationToken ct)
    {
        var existing = FindNewReplicaSet(_d, _sets);
        var oldSets = _sets.Where(rs => rs.Metadata.Uid != existing?.Metadata.Uid).ToList();
        var newSet = await GetNewReplicaSetAsync(existing, oldSets, create, ct).ConfigureAwait(false);
        return (newSet, oldSets);
    }

    private async Task<ReplicaSet?> GetNewReplicaSetAsync(ReplicaSet? existing, List<ReplicaSet> oldSets, bool create, CancellationToken ct)
    {
        var newRevision = MaxRevision(oldSets) + 1;
        if (existing is not null)
        {
            var annotations = NewReplicaSetAnnotations(_d, existing, newRevision, exists: true);
            var minReady = _d.Spec?.MinReadySeconds ?? 0;
            if (annotations is not null || (existing.Spec?.MinReadySeconds ?? 0) != minReady)
            {
                var copy = existing with
                {
                    Metadata = existing.Metadata with { Annotations = annotations ?? existing.Metadata.Annotations },
                    Spec = (existing.Spec ?? new ReplicaSetSpec()) with { MinReadySeconds = minReady },
                };
                return Replace(await _ctx.Client.UpdateAsync<ReplicaSet>(copy, ct).ConfigureAwait(false));
            }
            await SetDeploymentRevisionAsync(Revision(existing), ct).ConfigureAwait(false);
            if (HasProgressDeadline(_d) && Condition(_d.Status, DeploymentConditionType.Progressing) is null)
            {
                var condition = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.True, FoundNewReplicaSet,
                    $"Found new replica set \"{existing.Metadata.Name}\"", _ctx.Now());
                await WriteStatusAsync(SetCondition(_d.Status ?? new DeploymentStatus(), condition), ct).ConfigureAwait(false);
            }
            return existing;
        }
        if (!create)
        {
            return null;
        }

        var template = _d.Spec?.Template ?? new PodTemplateSpec();
        var hash = PodTemplateHash.Compute(template, _d.Status?.CollisionCount);
        var selector = _d.Spec?.Selector ?? new LabelSelector();
        var newTemplate = PodTemplateHash.WithHash(template, hash);
        var rs = new ReplicaSet
        {
            Metadata = new ObjectMeta
            {
                Name = _d.Metadata.Name + "-" + hash,
                Namespace = _d.Metadata.Namespace,
                Labels = newTemplate.Metadata!.Labels,
                OwnerReferences = [Owners.ControllerRef(_d)],
            },
            Spec = new ReplicaSetSpec
            {
                Replicas = 0,
                MinReadySeconds = _d.Spec?.MinReadySeconds,
                Selector = selector with
                {
                    MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
                    {
                        [PodTemplateHash.Label] = hash,
                    },
                },
                Template = newTemplate,
            },
        };
        var replicas = NewReplicaSetReplicas(_d, [.. oldSets, rs], rs);
        rs = rs with
        {
            Metadata = rs.Metadata with { Annotations = NewReplicaSetAnnotations(_d, rs, newRevision, exists: false) },
            Spec = rs.Spec with { Replicas = replicas },
        };

        ReplicaSet created;
        var alreadyExisted = false;
        try
        {
            created = await _ctx.Client.CreateAsync<ReplicaSet>(rs, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var found = await _ctx.Client.GetAsync<ReplicaSet>(rs.Metadata.Name!, rs.Metadata.Namespace, ct).ConfigureAwait(false);
            if (Owners.IsControlledBy(found, _d) && PodTemplateHash.EqualIgnoringHash(found.Spec?.Template, template))
            {
                // Ours, created by an earlier sync the cache had not shown yet.
                created = found;
                alreadyExisted = true;
            }
            else
            {
                // A different ReplicaSet holds the name: bump collisionCount so the next hash differs.
                var status = (_d.Status ?? new DeploymentStatus()) with { CollisionCount = (_d.Status?.CollisionCount ?? 0) + 1 };
                await WriteStatusAsync(status, ct).ConfigureAwait(false);
                throw;
            }
        }
        catch (ApiException ex) when (!ex.IsConflict)
        {
            var message = $"Failed to create new replica set \"{rs.Metadata.Name}\": {ex.Message}";
            if (HasProgressDeadline(_d))
            {
                var condition = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.False, ReplicaSetCreateError, message, _ctx.Now());
                await WriteStatusAsync(SetCondition(_d.Status ?? new DeploymentStatus(), condition), ct).ConfigureAwait(false);
            }
            _events.Warning(_d, "FailedCreate", message);
            throw;
        }
        if (!alreadyExisted && replicas > 0)
        {
            _events.Normal(_d, "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {replicas}");
        }
        await SetDeploymentRevisionAsync(newRevision, ct).ConfigureAwait(false);
        if (!alreadyExisted && HasProgressDeadline(_d))
        {
            var condition = NewCondition(DeploymentConditionType.Progressing, ConditionStatus.True, NewReplicaSetCreated,
                $"Created new replica set \"{created.Metadata.Name}\"", _ctx.Now());
            await WriteStatusAsync(SetCondition(_d.Status ?? new DeploymentStatus(), condition), ct).ConfigureAwait(false);
        }
        return Replace(created);
    }

    // ---- scaling -----------------------------------------------------------------------------------------------

    private async Task<bool> IsScalingEventAsync(CancellationToken ct)
    {
        var (newSet, oldSets) = await GetAllReplicaSetsAsync(create: false, ct).ConfigureAwait(false);
        return Active(All(newSet, oldSets)).Any(rs => DesiredReplicas(rs) is { } desired && desired != Replicas(_d));
    }

    /// <summary>Kubernetes' proportional scaling: a resize mid-rollout is spread over the active ReplicaSets by size.</summary>
    private async Task ScaleAsync(ReplicaSet? newSet, List<ReplicaSet> oldSets, CancellationToken ct)
    {
        var desired = Replicas(_d);
        var activeOrLatest = ActiveOrLatest(newSet, oldSets);
        if (activeOrLatest is not null)
        {
            if (Replicas(activeOrLatest) != desired)
            {
                await ScaleReplicaSetAsync(activeOrLatest, desired, ct).ConfigureAwait(false);
            }
            return;
        }
        if (IsSaturated(_d, newSet))
        {
            foreach (var rs in Active(oldSets).ToList())
            {
                await ScaleReplicaSetAsync(rs, 0, ct).ConfigureAwait(false);
            }
            return;
        }
        if (!IsRollingUpdate(_d))
        {
            return;
        }
        var active = Active(All(newSet, oldSets)).ToList();
        var allowed = desired > 0 ? desired + MaxSurge(_d) : 0;
        var toAdd = allowed - active.Sum(Replicas);
        // Larger first; ties: newer first when scaling up, older first when scaling down.
        var ordered = toAdd > 0
            ? active.OrderByDescending(Replicas).ThenByDescending(rs => rs.Metadata.CreationTimestamp).ToList()
            : active.OrderByDescending(Replicas).ThenBy(rs => rs.Metadata.CreationTimestamp).ToList();
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = 0;
        foreach (var rs in ordered)
        {
            var proportion = toAdd != 0 ? Proportion(rs, _d, toAdd, added) : 0;
            sizes[rs.Metadata.Name!] = Replicas(rs) + proportion;
            added += proportion;
        }
        if (toAdd != added && ordered.Count > 0)
        {
            var first = ordered[0].Metadata.Name!;
            sizes[first] = Math.Max(0, sizes[first] + toAdd - added);
        }
        foreach (var rs in ordered)
        {
            await ScaleReplicaSetAsync(rs, sizes[rs.Metadata.Name!], ct, force: true).ConfigureAwait(false);
        }
    }

    private static ReplicaSet? ActiveOrLatest(ReplicaSet? newSet, List<ReplicaSet> oldSets)
    {
        if (newSet is null && oldSets.Count == 0)
        {
            return null;
        }
        var active = Active(All(newSet, oldSets)).ToList();
        return active.Count switch
        {
            0 => newSet ?? ByCreation(oldSets).Last(),
            1 => active[0],
            _ => null,
        };
    }

    /// <summary>Sets a ReplicaSet's size (and its desired/max-replicas annotations). True when the size changed.</summary>
    private async Task<bool> ScaleReplicaSetAsync(ReplicaSet rs, int size, CancellationToken ct, bool force = false)
    {
        rs = _sets.FirstOrDefault(s => s.Metadata.Uid == rs.Metadata.Uid) ?? rs;
        var oldSize = Replicas(rs);
        if (oldSize == size && !force)
        {
            return false;
        }
        var annotations = WithReplicasAnnotations(rs, Replicas(_d), Replicas(_d) + MaxSurge(_d));
        if (oldSize == size && annotations is null)
        {
            return false;
        }
        var copy = rs with
        {
            Metadata = rs.Metadata with { Annotations = annotations ?? rs.Metadata.Annotations },
            Spec = (rs.Spec ?? new ReplicaSetSpec()) with { Replicas = size },
        };
        Replace(await _ctx.Client.UpdateAsync<ReplicaSet>(copy, ct).ConfigureAwait(false));
        if (oldSize == size)
        {
            return false;
        }
        var direction = size > oldSize ? "up" : "down";
        _events.Normal(_d, "ScalingReplicaSet", $"Scaled {direction} replica set {rs.Metadata.Name} from {oldSize} to {size}");
        return true;
    }

    // ---- history cleanup ----------------------------------------------------------------------------------------

    private async Task CleanupAsync(List<ReplicaSet> oldSets, CancellationToken ct)
    {
        if (!HasRevisionHistoryLimit(_d))
        {
            return;
        }
        var cleanable = oldSets.Where(rs => !Owners.IsBeingDeleted(rs)).ToList();
        var diff = cleanable.Count - _d.Spec!.RevisionHistoryLimit!.Value;
        if (diff <= 0)
        {
            return;
        }
        foreach (var rs in cleanable.OrderBy(Revision).ThenBy(rs => rs.Metadata.CreationTimestamp).Take(diff))
        {
            if ((rs.Status?.Replicas ?? 0) != 0 || Replicas(rs) != 0 || (rs.Metadata.Generation ?? 0) > (rs.Status?.ObservedGeneration ?? 0))
            {
                continue;
            }
            try
            {
                await _ctx.Client.DeleteAsync<ReplicaSet>(rs.Metadata.Name!, rs.Metadata.Namespace,
                    new DeleteOptions { Preconditions = new Preconditions { Uid = rs.Metadata.Uid } }, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Already gone.
            }
            _sets.RemoveAll(s => s.Metadata.Uid == rs.Metadata.Uid);
        }
    }

    // ---- writes to the Deployment ------------------------------------------------------------------------------

    private async Task SetDeploymentRevisionAsync(long revision, CancellationToken ct)
    {
        var text = revision.ToString(CultureInfo.InvariantCulture);
        if (_d.Metadata.Annotations?.TryGetValue(RevisionAnnotation, out var current) == true && current == text)
        {
            return;
        }
        var patched = await _ctx.Client.PatchAsync<Deployment>(_d.Metadata.Name!, _d.Metadata.Namespace,
            Patches.Annotations([new(RevisionAnnotation, text)]), ct).ConfigureAwait(false);
        // Keep the status this sync is building; the patch only changed metadata.
        _d = patched with { Status = _d.Status };
    }

    private async Task WriteStatusAsync(DeploymentStatus status, CancellationToken ct) =>
        _d = await _ctx.Client.UpdateStatusAsync<Deployment>(_d with { Status = status }, ct).ConfigureAwait(false);

    // ---- bookkeeping -------------------------------------------------------------------------------------------

    private ReplicaSet Replace(ReplicaSet rs)
    {
        _written(rs);
        var index = _sets.FindIndex(s => s.Metadata.Uid == rs.Metadata.Uid);
        if (index >= 0)
        {
            _sets[index] = rs;
        }
        else
        {
            _sets.Add(rs);
        }
        return rs;
    }

    /// <summary>The latest copies of the given new and old ReplicaSets.</summary>
    private (ReplicaSet? New, List<ReplicaSet> Old) Current(ReplicaSet? newSet, List<ReplicaSet> oldSets)
    {
        ReplicaSet? Latest(ReplicaSet? rs) => rs is null ? null : _sets.FirstOrDefault(s => s.Metadata.Uid == rs.Metadata.Uid);
        return (Latest(newSet), [.. oldSets.Select(Latest).OfType<ReplicaSet>()]);
    }

    private static List<ReplicaSet> All(ReplicaSet? newSet, IEnumerable<ReplicaSet> oldSets) =>
        newSet is null ? [.. oldSets] : [.. oldSets, newSet];
}
