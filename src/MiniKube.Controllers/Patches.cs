using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.Controllers;

/// <summary>JSON merge patches the controllers send. Lists replace whole in a merge patch, so these pin the resourceVersion.</summary>
public static class Patches
{
    /// <summary>Sets <c>metadata.ownerReferences</c> (null removes the field), failing with Conflict if the object changed since <paramref name="resourceVersion"/>.</summary>
    public static string OwnerReferences(string? resourceVersion, IReadOnlyList<OwnerReference>? references)
    {
        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion))
        {
            metadata["resourceVersion"] = resourceVersion;
        }
        metadata["ownerReferences"] = references is null || references.Count == 0
            ? null
            : JsonSerializer.SerializeToNode(references, KubeSerializer.Options);
        return new JsonObject { ["metadata"] = metadata }.ToJsonString();
    }

    /// <summary>Sets (or with a null value removes) annotations.</summary>
    public static string Annotations(IEnumerable<KeyValuePair<string, string?>> annotations)
    {
        var map = new JsonObject();
        foreach (var (k, v) in annotations)
        {
            map[k] = v;
        }
        return new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = map } }.ToJsonString();
    }

    /// <summary>Sets <c>metadata.finalizers</c> (an empty list removes the field), pinned to <paramref name="resourceVersion"/>.</summary>
    public static string Finalizers(string? resourceVersion, IReadOnlyList<string> finalizers)
    {
        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion))
        {
            metadata["resourceVersion"] = resourceVersion;
        }
        metadata["finalizers"] = finalizers.Count == 0 ? null : JsonSerializer.SerializeToNode(finalizers, KubeSerializer.Options);
        return new JsonObject { ["metadata"] = metadata }.ToJsonString();
    }
}
