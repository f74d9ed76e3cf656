using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The <c>scale</c> subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets for any wire (the gRPC
/// <c>Scales</c> service; the REST API's <c>.../scale</c> can route here). Reading gives <c>spec.replicas</c>,
/// <c>status.replicas</c> and the pod selector as a string; writing sets the target's <c>spec.replicas</c> through the
/// ordinary update path (validation, generation, optimistic concurrency when the Scale carries a resourceVersion).
/// </summary>
internal interface IScaleSubresource
{
    Task<Scale> GetAsync(ResourceInfo resource, string? ns, string name, CancellationToken ct);

    /// <summary>Sets spec.replicas; a <paramref name="fieldManager"/> is recorded as the owner of the change (managedFields).</summary>
    Task<Scale> UpdateAsync(ResourceInfo resource, string? ns, string name, Scale scale, string? fieldManager, CancellationToken ct);
}

internal sealed class ScaleSubresource(ObjectApi api) : IScaleSubresource
{
    public async Task<Scale> GetAsync(ResourceInfo resource, string? ns, string name, CancellationToken ct)
    {
        Require(resource);
        return ToScale((await api.GetAsync(resource, ns, name, ct).ConfigureAwait(false)).Object);
    }

    public async Task<Scale> UpdateAsync(ResourceInfo resource, string? ns, string name, Scale scale, string? fieldManager, CancellationToken ct)
    {
        Require(resource);
        if (!string.IsNullOrEmpty(scale.Metadata.Name) && scale.Metadata.Name != name)
        {
            throw ApiException.BadRequest($"the name of the object ({scale.Metadata.Name}) does not match the name on the URL ({name})");
        }
        var replicas = scale.Spec?.Replicas;
        var errors = new List<FieldError>();
        if (replicas is null)
        {
            errors.Add(FieldError.Required("spec.replicas"));
        }
        else if (replicas < 0)
        {
            errors.Add(FieldError.Invalid("spec.replicas", replicas.Value, "must be greater than or equal to 0"));
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("Scale", name, errors);
        }
        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } };
        if (scale.Metadata.ResourceVersion is { Length: > 0 } rv)
        {
            // Pinned: a stale Scale gets Conflict, as with any conditional update.
            patch["metadata"] = new JsonObject { ["resourceVersion"] = rv };
        }
        var updated = await api.PatchAsync(resource, ns, name, "application/merge-patch+json", Encoding.UTF8.GetBytes(patch.ToJsonString()), status: false,
            fieldManager, force: false, dryRun: false, ct)
            .ConfigureAwait(false);
        return ToScale(updated.Object);
    }

    private static void Require(ResourceInfo resource)
    {
        if (resource.Kind is not ("Deployment" or "ReplicaSet"))
        {
            throw new ApiException(new Status
            {
                Outcome = "Failure",
                Code = 404,
                Reason = StatusReasons.NotFound,
                Message = $"the server could not find the requested resource: {resource.Plural} have no scale subresource",
            });
        }
    }

    internal static Scale ToScale(KubeObject target)
    {
        var (replicas, statusReplicas, selector) = target switch
        {
            Deployment d => (d.Spec?.Replicas ?? 1, d.Status?.Replicas ?? 0, d.Spec?.Selector),
            ReplicaSet rs => (rs.Spec?.Replicas ?? 1, rs.Status?.Replicas ?? 0, rs.Spec?.Selector),
            _ => throw new ArgumentException($"{target.Kind} has no scale subresource", nameof(target)),
        };
        return new Scale
        {
            Metadata = new ObjectMeta
            {
                Name = target.Metadata.Name,
                Namespace = target.Metadata.Namespace,
                Uid = target.Metadata.Uid,
                ResourceVersion = target.Metadata.ResourceVersion,
                CreationTimestamp = target.Metadata.CreationTimestamp,
            },
            Spec = new ScaleSpec { Replicas = replicas },
            Status = new ScaleStatus { Replicas = statusReplicas, Selector = Selector.FromLabelSelector(selector).ToString() },
        };
    }
}
