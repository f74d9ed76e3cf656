using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>How a list is tracked by server-side apply.</summary>
internal enum ListKind
{
    /// <summary>Owned and replaced as a whole (command, args, tolerations).</summary>
    Atomic,

    /// <summary>A set of primitives, items owned one by one (<c>v:"x"</c>; finalizers).</summary>
    Set,

    /// <summary>Items identified by key fields (<c>k:{"name":"web"}</c>; containers, env, ports).</summary>
    Map,
}

/// <summary>
/// The schema facts server-side apply needs, by field name: which lists are keyed (the merge keys
/// <see cref="StrategicMergePatch"/> knows; ports are keyed by port and protocol, protocol defaulting to TCP, as in
/// Kubernetes), which are sets, and which objects are atomic (label selectors). Also names list items as FieldsV1 path
/// elements.
/// </summary>
internal static class FieldSchema
{
    public const string DefaultProtocol = "TCP";

    /// <summary>Objects owned as a whole: label selectors (and a Service's selector map), as Kubernetes marks them atomic.</summary>
    public static bool IsAtomicObject(string field) => field == "selector";

    public static (ListKind Kind, string[] Keys) ListOf(string field, JsonArray? a, JsonArray? b = null)
    {
        if (StrategicMergePatch.IsSetList(field))
        {
            return (ListKind.Set, []);
        }
        var items = (a ?? []).Concat(b ?? []);
        var key = StrategicMergePatch.MergeKey(field, items);
        if (key is null)
        {
            return (ListKind.Atomic, []);
        }
        return field == "ports" ? (ListKind.Map, [key, "protocol"]) : (ListKind.Map, [key]);
    }

    /// <summary>The path element of a list item: <c>v:&lt;json&gt;</c> for a set, <c>k:{…}</c> (keys sorted) for a keyed list.</summary>
    public static string ItemElement(ListKind kind, string[] keys, JsonNode? item, string path, int index)
    {
        if (kind == ListKind.Set)
        {
            return "v:" + (item?.ToJsonString(KubeSerializer.Options) ?? "null");
        }
        if (item is not JsonObject obj)
        {
            throw ApiException.BadRequest($"{path}: element {index}: expected an object in a list keyed by {string.Join(", ", keys)}");
        }
        var key = new JsonObject();
        foreach (var name in keys.Order(StringComparer.Ordinal))
        {
            var value = obj[name];
            if (value is null && name == "protocol")
            {
                value = JsonValue.Create(DefaultProtocol);
            }
            if (value is null)
            {
                throw ApiException.BadRequest($"{path}: element {index}: associative list with keys has an element that omits key field \"{name}\"");
            }
            key[name] = value.DeepClone();
        }
        return "k:" + key.ToJsonString(KubeSerializer.Options);
    }

    /// <summary>The index of the item of <paramref name="list"/> that <paramref name="element"/> names, or -1.</summary>
    public static int IndexOf(JsonArray list, ListKind kind, string[] keys, string element, string path)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (ItemElement(kind, keys, list[i], path, i) == element)
            {
                return i;
            }
        }
        return -1;
    }
}
