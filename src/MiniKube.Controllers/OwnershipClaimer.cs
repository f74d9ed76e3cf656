using MiniKube.Api;

namespace MiniKube.Controllers;

/// <summary>
/// Kubernetes' ControllerRefManager: decides which of the candidate objects an owner controls. It adopts matching
/// orphans (adds its controller reference), releases objects it controls that no longer match its selector (removes
/// the reference), and leaves objects controlled by others alone. Patches pin the resourceVersion, so a concurrent
/// change fails the sync instead of being overwritten.
/// </summary>
public sealed class OwnershipClaimer<T>(IControllerClient client, KubeObject owner, Selector selector,
    Func<CancellationToken, Task<KubeObject>> fetchOwner) where T : KubeObject
{
    private Task<string?>? _canAdopt;

    /// <summary>The candidates the owner controls after adoption and release (adopted ones as patched).</summary>
    public async Task<List<T>> ClaimAsync(IEnumerable<T> candidates, CancellationToken cancellationToken)
    {
        var claimed = new List<T>();
        Exception? firstError = null;
        var ownerDeleting = Owners.IsBeingDeleted(owner);
        foreach (var obj in candidates)
        {
            var controllerRef = Owners.ControllerOf(obj);
            var matches = selector.Matches(obj.Metadata.Labels);
            try
            {
                if (controllerRef is not null)
                {
                    if (controllerRef.Uid != owner.Metadata.Uid)
                    {
                        continue;
                    }
                    if (matches)
                    {
                        claimed.Add(obj);
                    }
                    else if (!ownerDeleting)
                    {
                        await ReleaseAsync(obj, cancellationToken).ConfigureAwait(false);
                    }
                    continue;
                }
                if (ownerDeleting || !matches || Owners.IsBeingDeleted(obj))
                {
                    continue;
                }
                if (await AdoptAsync(obj, cancellationToken).ConfigureAwait(false) is { } adopted)
                {
                    claimed.Add(adopted);
                }
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Gone meanwhile: nothing to claim or release.
            }
            catch (Exception ex) when (ex is ApiException or InvalidOperationException)
            {
                firstError ??= ex;
            }
        }
        if (firstError is not null)
        {
            throw firstError;
        }
        return claimed;
    }

    private async Task<T?> AdoptAsync(T obj, CancellationToken ct)
    {
        _canAdopt ??= CheckCanAdoptAsync(ct);
        if (await _canAdopt.ConfigureAwait(false) is { } why)
        {
            throw new InvalidOperationException(why);
        }
        var references = (obj.Metadata.OwnerReferences ?? []).Where(r => r.Uid != owner.Metadata.Uid).Append(Owners.ControllerRef(owner)).ToList();
        var patch = Patches.OwnerReferences(obj.Metadata.ResourceVersion, references);
        return (T)await client.PatchAsync(ResourceRegistry.ByType(typeof(T)), obj.Metadata.Name!, obj.Metadata.Namespace, patch, ct).ConfigureAwait(false);
    }

    private async Task ReleaseAsync(T obj, CancellationToken ct)
    {
        var references = (obj.Metadata.OwnerReferences ?? []).Where(r => r.Uid != owner.Metadata.Uid).ToList();
        var patch = Patches.OwnerReferences(obj.Metadata.ResourceVersion, references);
        await client.PatchAsync(ResourceRegistry.ByType(typeof(T)), obj.Metadata.Name!, obj.Metadata.Namespace, patch, ct).ConfigureAwait(false);
    }

    /// <summary>Re-reads the owner from the API server: the cache may still show an owner that was deleted (or recreated).</summary>
    private async Task<string?> CheckCanAdoptAsync(CancellationToken ct)
    {
        var fresh = await fetchOwner(ct).ConfigureAwait(false);
        if (fresh.Metadata.Uid != owner.Metadata.Uid)
        {
            return $"original {owner.Kind} {owner.Metadata.Namespace}/{owner.Metadata.Name} is gone: got uid {fresh.Metadata.Uid}, wanted {owner.Metadata.Uid}";
        }
        if (fresh.Metadata.DeletionTimestamp is not null)
        {
            return $"{owner.Kind} {owner.Metadata.Namespace}/{owner.Metadata.Name} has just been deleted at {fresh.Metadata.DeletionTimestamp:O}";
        }
        return null;
    }
}
