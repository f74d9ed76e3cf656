using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Rollout;

namespace MiniKube.Dashboard.State;

/// <summary>The outcome of an action as the page shows it: what happened, or the API server's error.</summary>
public sealed record ActionResult(bool Ok, string Message, KubeObject? Object = null)
{
    public static ActionResult Failed(Exception ex) => new(false, ex switch
    {
        ApiException api => $"{api.Reason} ({api.Code}): {api.Message}",
        _ => ex.Message,
    });
}

/// <summary>
/// Everything the dashboard changes, each a request to the API server (the same client-side logic as minictl's scale,
/// rollout restart and undo). Failures come back as an <see cref="ActionResult"/> carrying the server's reason and message.
/// </summary>
public sealed class DashboardActions(MiniKubeClient client, TimeProvider time)
{
    private readonly RolloutOperations _rollout = new(client, time);

    public Task<ActionResult> ScaleAsync(ResourceInfo resource, string ns, string name, int replicas, CancellationToken ct = default) =>
        Run(async () => new ActionResult(true, await _rollout.ScaleAsync(ns, name, replicas, resource.Plural, ct).ConfigureAwait(false)));

    public Task<ActionResult> RestartAsync(string ns, string name, CancellationToken ct = default) =>
        Run(async () => new ActionResult(true, await _rollout.RestartAsync(ns, name, ct).ConfigureAwait(false)));

    public Task<ActionResult> UndoAsync(string ns, string name, long toRevision = 0, CancellationToken ct = default) =>
        Run(async () => new ActionResult(true, await _rollout.UndoAsync(ns, name, toRevision, ct).ConfigureAwait(false)));

    /// <summary>Deletes with the chosen propagation (Background, Foreground or Orphan).</summary>
    public Task<ActionResult> DeleteAsync(ResourceInfo resource, string? ns, string name, string propagation, CancellationToken ct = default) =>
        Run(async () =>
        {
            var obj = await client.DeleteAsync(resource, name, resource.Namespaced ? ns : null, new DeleteOptions { PropagationPolicy = propagation }, ct)
                .ConfigureAwait(false);
            return new ActionResult(true, $"{resource.Singular} \"{name}\" deleted ({propagation})", obj);
        });

    /// <summary>Sets or clears <c>spec.unschedulable</c>, as kubectl cordon / uncordon do.</summary>
    public Task<ActionResult> CordonAsync(string node, bool cordon, CancellationToken ct = default) =>
        Run(async () =>
        {
            var obj = await client.PatchAsync(ResourceRegistry.For<Node>(), node, null,
                cordon ? """{"spec":{"unschedulable":true}}""" : """{"spec":{"unschedulable":null}}""", cancellationToken: ct).ConfigureAwait(false);
            return new ActionResult(true, $"node/{node} {(cordon ? "cordoned" : "uncordoned")}", obj);
        });

    /// <summary>
    /// Saves edited YAML as an update carrying the resourceVersion it was read at: if the object changed since, the API
    /// server answers Conflict and nothing is written.
    /// </summary>
    public Task<ActionResult> SaveYamlAsync(ResourceInfo resource, string? ns, string name, string yaml, CancellationToken ct = default) =>
        Run(async () =>
        {
            var obj = (KubeObject)KubeSerializer.FromYaml(yaml, resource.Type);
            if (obj.Metadata.Name != name || (resource.Namespaced && (obj.Metadata.Namespace ?? ns) != ns))
            {
                return new ActionResult(false, $"metadata.name and metadata.namespace must stay {(resource.Namespaced ? ns + "/" : "")}{name}");
            }
            if (string.IsNullOrEmpty(obj.Metadata.ResourceVersion))
            {
                return new ActionResult(false, "metadata.resourceVersion: Required value (it guards against overwriting a newer version)");
            }
            var saved = await client.UpdateAsync(obj, ct).ConfigureAwait(false);
            if (resource.HasStatus && !Equals(StatusJson(obj), StatusJson(saved)))
            {
                // update ignores status; say so rather than pretend it was saved.
                return new ActionResult(true, $"saved at resourceVersion {saved.Metadata.ResourceVersion} (status is written by its controller; edits to it are ignored)", saved);
            }
            return new ActionResult(true, $"saved at resourceVersion {saved.Metadata.ResourceVersion}", saved);
        });

    private static string? StatusJson(KubeObject obj)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(KubeSerializer.ToJson(obj));
        return doc.RootElement.TryGetProperty("status", out var s) ? s.GetRawText() : null;
    }

    private static async Task<ActionResult> Run(Func<Task<ActionResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiException or RolloutException or DecodeException or FormatException)
        {
            return ActionResult.Failed(ex);
        }
    }
}
