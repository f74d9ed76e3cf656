using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' strategic merge patch for MiniKube's types: like a JSON merge patch, except that lists with a merge key
/// merge element by element (containers, env, volumes and the like by <c>name</c>, container ports by <c>containerPort</c>,
/// service ports by <c>port</c>, volumeMounts by <c>mountPath</c>, conditions by <c>type</c>, ownerReferences by <c>uid</c>),
/// finalizers merge as a set, and the directives <c>$patch</c> (replace, delete, merge), <c>$retainKeys</c>,
/// <c>$setElementOrder/&lt;list&gt;</c> and <c>$deleteFromPrimitiveList/&lt;list&gt;</c> are honoured. Other lists are replaced.
/// </summary>
public static class StrategicMergePatch
{
    private const string Directive = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    private static readonly Dictionary<string, string> NameKeyed = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["imagePullSecrets"] = "name",
        ["resourceClaims"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["addresses"] = "type",
    };

    /// <summary>Primitive lists merged as sets.</summary>
    private static readonly HashSet<string> SetLists = new(StringComparer.Ordinal) { "finalizers" };

    /// <summary>Whether a primitive list merges as a set (finalizers).</summary>
    internal static bool IsSetList(string field) => SetLists.Contains(field);

    public static JsonNode? Apply(JsonNode? original, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        return MergeObject(original as JsonObject, patchObject);
    }

    private static JsonObject? MergeObject(JsonObject? original, JsonObject patch)
    {
        var directive = (patch[Directive] as JsonValue)?.GetValue<string>();
        switch (directive)
        {
            case "delete":
                return null;
            case "replace":
                return StripDirectives(patch);
            case null or "merge":
                break;
            default:
                throw ApiException.BadRequest($"strategic merge patch: unknown $patch directive \"{directive}\"");
        }
        var result = original?.DeepClone() as JsonObject ?? new JsonObject();
        List<string>? orders = null;
        foreach (var (name, value) in patch)
        {
            if (name is Directive or RetainKeys)
            {
                continue;
            }
            if (name.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                (orders ??= []).Add(name);
                continue;
            }
            if (name.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                var field = name[DeleteFromPrimitiveListPrefix.Length..];
                if (result[field] is JsonArray existing && value is JsonArray remove)
                {
                    var kept = existing.Where(e => !remove.Any(r => JsonNode.DeepEquals(r, e))).Select(e => e?.DeepClone()).ToArray();
                    result[field] = new JsonArray(kept);
                }
                continue;
            }
            if (value is null)
            {
                result.Remove(name);
                continue;
            }
            var current = result[name];
            JsonNode? merged = value switch
            {
                JsonObject o => MergeObject(current as JsonObject, o),
                JsonArray a => MergeList(name, current as JsonArray, a),
                _ => value.DeepClone(),
            };
            if (merged is null && value is JsonObject)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = merged;
            }
        }
        foreach (var order in orders ?? [])
        {
            var field = order[SetElementOrderPrefix.Length..];
            if (result[field] is JsonArray list && patch[order] is JsonArray wanted)
            {
                result[field] = Reorder(field, list, wanted);
            }
        }
        if (patch[RetainKeys] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    result.Remove(key);
                }
            }
        }
        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? original, JsonArray patch)
    {
        var elements = patch.ToList();
        if (elements.Any(e => e is JsonObject o && (o[Directive] as JsonValue)?.GetValue<string>() == "replace"))
        {
            return new JsonArray(elements.Where(e => !(e is JsonObject o && o[Directive] is not null)).Select(e => e?.DeepClone()).ToArray());
        }
        if (SetLists.Contains(field))
        {
            var union = (original?.ToList() ?? []).Select(e => e?.DeepClone()).ToList();
            foreach (var e in elements.Where(e => !union.Any(u => JsonNode.DeepEquals(u, e))))
            {
                union.Add(e?.DeepClone());
            }
            return new JsonArray(union.ToArray());
        }
        var key = MergeKey(field, elements.Concat(original?.ToList() ?? []));
        if (key is null || original is null)
        {
            return new JsonArray(elements.Where(e => !(e is JsonObject o && (o[Directive] as JsonValue)?.GetValue<string>() == "delete"))
                .Select(e => e is JsonObject o ? StripDirectives(o) : e?.DeepClone()).ToArray());
        }
        var result = original.Select(e => e?.DeepClone()).ToList();
        foreach (var element in elements)
        {
            if (element is not JsonObject patchElement)
            {
                continue;
            }
            var keyValue = patchElement[key];
            var index = result.FindIndex(e => e is JsonObject o && JsonNode.DeepEquals(o[key], keyValue));
            var merged = MergeObject(index >= 0 ? result[index] as JsonObject : null, patchElement);
            if (index >= 0)
            {
                if (merged is null)
                {
                    result.RemoveAt(index);
                }
                else
                {
                    result[index] = merged;
                }
            }
            else if (merged is not null)
            {
                result.Add(merged);
            }
        }
        return new JsonArray(result.ToArray());
    }

    /// <summary>The merge key of a list field, or null when the list is replaced whole.</summary>
    internal static string? MergeKey(string field, IEnumerable<JsonNode?> elements) =>
        MergeKey(field, hasContainerPort: field == "ports" && elements.OfType<JsonObject>().Any(e => e.ContainsKey("containerPort")));

    /// <summary>The merge key of a list field; <paramref name="hasContainerPort"/>: whether a <c>ports</c> item has a containerPort.</summary>
    internal static string? MergeKey(string field, bool hasContainerPort) =>
        // Container ports merge by containerPort, service ports by port.
        field == "ports" ? (hasContainerPort ? "containerPort" : "port") : NameKeyed.GetValueOrDefault(field);

    private static JsonArray Reorder(string field, JsonArray list, JsonArray wanted)
    {
        var key = MergeKey(field, list);
        var items = list.Select(e => e?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var w in wanted)
        {
            var index = items.FindIndex(e => key is null ? JsonNode.DeepEquals(e, w) : e is JsonObject o && JsonNode.DeepEquals(o[key], w?[key]));
            if (index >= 0)
            {
                ordered.Add(items[index]);
                items.RemoveAt(index);
            }
        }
        ordered.AddRange(items);
        return new JsonArray(ordered.ToArray());
    }

    private static JsonObject StripDirectives(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (!name.StartsWith('$'))
            {
                copy[name] = value is JsonObject o ? StripDirectives(o) : value?.DeepClone();
            }
        }
        return copy;
    }
}
