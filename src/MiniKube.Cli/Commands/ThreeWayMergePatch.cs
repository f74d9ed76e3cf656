using System.Text.Json.Nodes;

namespace MiniKube.Cli.Commands;

/// <summary>
/// The JSON merge patch that <c>apply</c> sends, computed like kubectl's client-side apply for types without
/// strategic-merge metadata: fields the manifest sets that differ from the live object, plus deletions (null) of
/// fields the previous apply set (the last-applied configuration) but the manifest no longer has. Fields only others
/// set (controllers, the scheduler, server defaults) are left alone. Lists are atomic: a list is replaced when one of
/// its elements differs in a field the manifest sets; extra fields the server filled in do not count as a difference.
/// </summary>
public static class ThreeWayMergePatch
{
    public static JsonObject Compute(JsonObject? original, JsonObject modified, JsonObject current)
    {
        var patch = new JsonObject();
        foreach (var (key, value) in modified)
        {
            current.TryGetPropertyValue(key, out var live);
            if (value is JsonObject modifiedObject && live is JsonObject liveObject)
            {
                var nested = Compute(original?[key] as JsonObject, modifiedObject, liveObject);
                if (nested.Count > 0)
                {
                    patch[key] = nested;
                }
            }
            else if (!Covers(value, live))
            {
                patch[key] = value?.DeepClone();
            }
        }
        if (original is not null)
        {
            foreach (var (key, _) in original)
            {
                if (!modified.ContainsKey(key) && current.TryGetPropertyValue(key, out var live) && live is not null)
                {
                    patch[key] = null;
                }
            }
        }
        return patch;
    }

    /// <summary>True when <paramref name="live"/> already has every value <paramref name="wanted"/> sets.</summary>
    public static bool Covers(JsonNode? wanted, JsonNode? live)
    {
        switch (wanted)
        {
            case null:
                return live is null;
            case JsonObject wantedObject:
                if (live is null)
                {
                    return wantedObject.Count == 0;
                }
                return live is JsonObject liveObject
                    && wantedObject.All(p => Covers(p.Value, liveObject.TryGetPropertyValue(p.Key, out var v) ? v : null));
            case JsonArray wantedArray:
                if (live is null)
                {
                    return wantedArray.Count == 0;
                }
                return live is JsonArray liveArray
                    && liveArray.Count == wantedArray.Count
                    && wantedArray.Select((w, i) => Covers(w, liveArray[i])).All(ok => ok);
            default:
                return JsonNode.DeepEquals(wanted, live);
        }
    }
}
