using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// <c>POST pods/{name}/eviction</c> with a <c>policy/v1</c> (or v1beta1) Eviction: deletes the pod gracefully through
/// <see cref="ObjectApi"/> with the Eviction's <c>deleteOptions</c> (grace period, preconditions, propagation, dryRun) and
/// answers 201 with a Success Status, as Kubernetes does. MiniKube has no PodDisruptionBudgets, so an eviction is never
/// refused with 429 TooManyRequests: every eviction of an existing pod goes ahead.
/// </summary>
internal static class PodEviction
{
    public static async Task ServeAsync(HttpContext http, ObjectApi api, RestTarget target, ReadOnlyMemory<byte> body)
    {
        var ct = http.RequestAborted;
        var name = target.Name!;
        var ns = target.Namespace ?? "default";
        JsonNode? eviction;
        try
        {
            eviction = body.IsEmpty ? null : JsonNode.Parse(body.Span);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest("the body must be a policy/v1 Eviction: " + ex.Message);
        }
        if (eviction is not JsonObject)
        {
            throw ApiException.BadRequest("the body must be a policy/v1 Eviction object with metadata.name and optional deleteOptions");
        }
        if (eviction["kind"]?.GetValue<string>() is { } kind && kind != "Eviction")
        {
            throw ApiException.BadRequest($"kind: Unsupported value: \"{kind}\": the eviction subresource takes an Eviction");
        }
        if (eviction["metadata"]?["name"]?.GetValue<string>() is { Length: > 0 } inBody && inBody != name)
        {
            throw ApiException.BadRequest($"name in URL does not match name in Eviction object ({name} ≠ {inBody})");
        }
        if (eviction["metadata"]?["namespace"]?.GetValue<string>() is { Length: > 0 } nsInBody && nsInBody != ns)
        {
            throw ApiException.BadRequest($"namespace in URL does not match namespace in Eviction object ({ns} ≠ {nsInBody})");
        }
        var options = eviction["deleteOptions"] is JsonObject deleteOptions
            ? KubeSerializer.FromJson<DeleteOptions>(deleteOptions.ToJsonString())
            : new DeleteOptions();
        if ((string?)http.Request.Query["dryRun"] == "All")
        {
            options = options with { DryRun = ["All"] };
        }
        if (options.DryRun is { Count: > 0 } dryRun && dryRun.Any(d => d != "All"))
        {
            throw ApiException.BadRequest($"deleteOptions.dryRun: Unsupported value: \"{dryRun.First(d => d != "All")}\": supported values: \"All\"");
        }
        var pods = ResourceRegistry.For<Pod>();
        if (options.DryRun is { Count: > 0 })
        {
            // Only whether the pod exists (NotFound otherwise); nothing is deleted.
            await api.GetAsync(pods, ns, name, ct).ConfigureAwait(false);
        }
        else
        {
            await api.DeleteAsync(pods, ns, name, options, ct).ConfigureAwait(false);
        }
        var status = KubeSerializer.ToJsonBytes(new Status { Outcome = "Success", Code = 201 });
        http.Response.StatusCode = 201;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = status.Length;
        await http.Response.Body.WriteAsync(status, ct).ConfigureAwait(false);
    }
}
