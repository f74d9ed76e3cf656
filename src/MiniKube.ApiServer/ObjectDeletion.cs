using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// The delete path: preconditions, the grace period, the propagation policy's finalizers, and then either removing the
/// object (with a Service's allocations) or marking it for the kubelet or the finalizers' owners to finish.
/// </summary>
internal sealed class ObjectDeletion(IObjectStore store, ObjectCodec codec, TimeProvider time)
{
    /// <summary>
    /// Deletes or marks <paramref name="current"/>. Writes are conditional on its revision: a <see cref="StorageException"/>
    /// (Conflict, NotFound) means it changed under us, and the caller decides again on the new state.
    /// </summary>
    public async Task<CachedObject> DeleteAsync(ResourceInfo resource, CachedObject current, DeleteOptions options, CancellationToken ct)
    {
        var name = current.Object.Metadata.Name ?? "";
        var obj = current.Object;
        if (options.Preconditions?.Uid is { Length: > 0 } uid && uid != obj.Metadata.Uid)
        {
            throw ApiException.Conflict(resource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {obj.Metadata.Uid}");
        }
        if (options.Preconditions?.ResourceVersion is { Length: > 0 } rv && rv != obj.Metadata.ResourceVersion)
        {
            throw ApiException.Conflict(resource, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {obj.Metadata.ResourceVersion}");
        }
        var grace = GracePeriod(obj, options.GracePeriodSeconds);
        var finalizers = obj.Metadata.Finalizers?.ToList() ?? [];
        switch (options.PropagationPolicy)
        {
            case null or "" or PropagationPolicy.Background:
                break;
            case PropagationPolicy.Foreground:
                AddOnce(finalizers, Finalizers.ForegroundDeletion);
                break;
            case PropagationPolicy.Orphan:
                AddOnce(finalizers, Finalizers.Orphan);
                break;
            default:
                throw ApiException.BadRequest($"propagationPolicy \"{options.PropagationPolicy}\" is not one of Background, Foreground, Orphan");
        }

        if (grace == 0 && finalizers.Count == 0 && !NamespaceFinalization.HeldBySpec(obj))
        {
            var revision = await RemoveAsync(current.Key, current.Revision, obj, ct).ConfigureAwait(false);
            return codec.Stamp(resource, current.Key, obj, revision);
        }

        // Graceful or finalized: mark the object; the kubelet or the finalizers' owners finish the deletion.
        var meta = obj.Metadata;
        var deadline = Now().AddSeconds(grace);
        var shorter = meta.DeletionTimestamp is null || deadline < meta.DeletionTimestamp;
        var marked = meta with
        {
            DeletionTimestamp = shorter ? deadline : meta.DeletionTimestamp,
            DeletionGracePeriodSeconds = shorter ? grace : meta.DeletionGracePeriodSeconds,
            Finalizers = finalizers.Count == 0 ? null : finalizers,
        };
        if (marked == meta)
        {
            return current;
        }
        var updated = NamespaceFinalization.OnDeleteMarked(obj with { Metadata = marked with { ResourceVersion = null } });
        var bytes = codec.EncodeForStorage(updated);
        var stored = await store.UpdateAsync(current.Key, bytes, current.Revision, ct).ConfigureAwait(false);
        return codec.Stamp(resource, current.Key, updated, stored.ModRevision, bytes);
    }

    /// <summary>Deletes the stored object at <paramref name="revision"/>; a Service's allocations go in the same transaction.</summary>
    public async Task<long> RemoveAsync(string key, long revision, KubeObject stored, CancellationToken ct)
    {
        if (stored is Service service && ServiceAllocator.ReleasesOnDelete(service) is { Count: > 0 } releases)
        {
            var ops = new List<StoreOperation> { StoreOperation.Delete(key, revision) };
            ops.AddRange(releases.Select(k => StoreOperation.Delete(k)));
            return await store.CommitAsync(ops, ct).ConfigureAwait(false);
        }
        var deleted = await store.DeleteAsync(key, revision, ct).ConfigureAwait(false);
        return deleted.ModRevision;
    }

    /// <summary>Effective grace period: pods default to their spec; unbound or finished pods go at once.</summary>
    private static long GracePeriod(KubeObject obj, long? requested)
    {
        if (obj is not Pod pod)
        {
            return 0;
        }
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            return 0;
        }
        var grace = requested ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30;
        if (pod.Metadata.DeletionGracePeriodSeconds is { } already && already < grace)
        {
            grace = already;
        }
        return Math.Max(0, grace);
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }

    /// <summary>Kubernetes timestamps have second precision.</summary>
    private DateTimeOffset Now() => Timestamps.TruncateToSeconds(time.GetUtcNow());
}
