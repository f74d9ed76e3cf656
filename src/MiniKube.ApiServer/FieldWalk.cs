using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// JSON objects seen through <see cref="FieldSchema"/>: the set of fields a value holds, the fields that differ between two
/// values, the merge of an apply configuration into a live object, and the removal of a set of fields.
/// </summary>
internal static class FieldWalk
{
    /// <summary>The leaf fields of <paramref name="obj"/> (scalars, atomic lists and objects, empty objects, list items).</summary>
    public static FieldSet FieldsOf(JsonObject obj)
    {
        var set = new FieldSet();
        VisitObject(obj, set, "");
        return set;
    }

    /// <summary>The fields added or changed from <paramref name="old"/> to <paramref name="next"/>, and those removed.</summary>
    public static (FieldSet Changed, FieldSet Removed) Compare(JsonObject? old, JsonObject next)
    {
        var changed = new FieldSet();
        var removed = new FieldSet();
        CompareObject(old ?? [], next, changed, removed, "");
        return (Prune(changed), Prune(removed));
    }

    /// <summary><paramref name="config"/> merged into a copy of <paramref name="live"/>: keyed lists by key, sets as unions, the rest replaced.</summary>
    public static JsonObject Merge(JsonObject? live, JsonObject config) => MergeObject(live, config);

    /// <summary>Removes every path of <paramref name="paths"/> (a whole field, or a list item) from <paramref name="obj"/>.</summary>
    public static void Remove(JsonObject obj, FieldSet paths) => RemoveFromObject(obj, paths, "");

    private static void VisitObject(JsonObject obj, FieldSet node, string path)
    {
        foreach (var (name, value) in obj)
        {
            VisitValue(name, value, node.Child("f:" + name), path + "." + name);
        }
    }

    private static void VisitValue(string field, JsonNode? value, FieldSet node, string path)
    {
        switch (value)
        {
            case JsonObject o when o.Count > 0 && !FieldSchema.IsAtomicObject(field):
                VisitObject(o, node, path);
                break;
            case JsonArray a:
                var (kind, keys) = FieldSchema.ListOf(field, a);
                if (kind == ListKind.Atomic || a.Count == 0)
                {
                    node.Self = true;
                    break;
                }
                for (var i = 0; i < a.Count; i++)
                {
                    var element = FieldSchema.ItemElement(kind, keys, a[i], path, i);
                    if (node.Get(element) is not null)
                    {
                        throw ApiException.BadRequest($"{path}: duplicate entries for key {FieldSet.Format([element])}");
                    }
                    var item = node.Child(element);
                    item.Self = true;
                    if (kind == ListKind.Map)
                    {
                        VisitObject((JsonObject)a[i]!, item, path + FieldSet.Format([element]));
                    }
                }
                break;
            default:
                node.Self = true;
                break;
        }
    }

    private static void CompareObject(JsonObject old, JsonObject next, FieldSet changed, FieldSet removed, string path)
    {
        foreach (var (name, value) in next)
        {
            var element = "f:" + name;
            if (!old.TryGetPropertyValue(name, out var before))
            {
                Added(name, value, changed.Child(element), path + "." + name);
                continue;
            }
            CompareValue(name, before, value, changed.Child(element), removed.Child(element), path + "." + name);
        }
        foreach (var (name, _) in old)
        {
            if (!next.ContainsKey(name))
            {
                removed.Child("f:" + name).Self = true;
            }
        }
    }

    private static void CompareValue(string field, JsonNode? before, JsonNode? after, FieldSet changed, FieldSet removed, string path)
    {
        if (before is JsonObject o && after is JsonObject n && !FieldSchema.IsAtomicObject(field))
        {
            CompareObject(o, n, changed, removed, path);
            return;
        }
        if (before is JsonArray oa && after is JsonArray na && FieldSchema.ListOf(field, oa, na) is { Kind: not ListKind.Atomic } list)
        {
            var olds = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            for (var i = 0; i < oa.Count; i++)
            {
                olds.TryAdd(FieldSchema.ItemElement(list.Kind, list.Keys, oa[i], path, i), oa[i]);
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < na.Count; i++)
            {
                var element = FieldSchema.ItemElement(list.Kind, list.Keys, na[i], path, i);
                seen.Add(element);
                if (!olds.TryGetValue(element, out var item))
                {
                    var added = changed.Child(element);
                    added.Self = true;
                    if (list.Kind == ListKind.Map && na[i] is JsonObject addedItem)
                    {
                        VisitObject(addedItem, added, path);
                    }
                }
                else if (list.Kind == ListKind.Map && item is JsonObject oldItem && na[i] is JsonObject newItem)
                {
                    CompareObject(oldItem, newItem, changed.Child(element), removed.Child(element), path);
                }
            }
            foreach (var element in olds.Keys.Where(e => !seen.Contains(e)))
            {
                removed.Child(element).Self = true;
            }
            return;
        }
        if (!JsonNode.DeepEquals(before, after))
        {
            Added(field, after, changed, path);
        }
    }

    private static void Added(string field, JsonNode? value, FieldSet node, string path)
    {
        node.Self = true;
        VisitValue(field, value, node, path);
    }

    private static FieldSet Prune(FieldSet set)
    {
        foreach (var (element, child) in set.Children.ToList())
        {
            Prune(child);
            if (child.IsEmpty)
            {
                set.Remove(element);
            }
        }
        return set;
    }

    private static JsonObject MergeObject(JsonObject? live, JsonObject config)
    {
        var result = live?.DeepClone() as JsonObject ?? [];
        foreach (var (name, value) in config)
        {
            result[name] = MergeValue(name, result[name], value);
        }
        return result;
    }

    private static JsonNode? MergeValue(string field, JsonNode? live, JsonNode? config)
    {
        if (live is JsonObject lo && config is JsonObject co && !FieldSchema.IsAtomicObject(field))
        {
            return MergeObject(lo, co);
        }
        if (live is JsonArray la && config is JsonArray ca && FieldSchema.ListOf(field, la, ca) is { Kind: not ListKind.Atomic } list)
        {
            var items = la.Select(i => i?.DeepClone()).ToList();
            for (var i = 0; i < ca.Count; i++)
            {
                var element = FieldSchema.ItemElement(list.Kind, list.Keys, ca[i], field, i);
                var index = items.FindIndex(existing => Same(list.Kind, list.Keys, existing, element, field));
                if (index < 0)
                {
                    items.Add(ca[i]?.DeepClone());
                }
                else if (list.Kind == ListKind.Map)
                {
                    items[index] = MergeObject(items[index] as JsonObject, (JsonObject)ca[i]!);
                }
            }
            return new JsonArray(items.ToArray());
        }
        return config?.DeepClone();
    }

    private static bool Same(ListKind kind, string[] keys, JsonNode? item, string element, string field) =>
        (kind == ListKind.Set || item is JsonObject) && FieldSchema.ItemElement(kind, keys, item, field, 0) == element;

    private static void RemoveFromObject(JsonObject obj, FieldSet paths, string path)
    {
        foreach (var (element, child) in paths.Children)
        {
            if (!element.StartsWith("f:", StringComparison.Ordinal))
            {
                continue;
            }
            var name = element[2..];
            if (child.Self)
            {
                obj.Remove(name);
                continue;
            }
            if (!obj.ContainsKey(name))
            {
                continue;
            }
            switch (obj[name])
            {
                case JsonObject inner:
                    RemoveFromObject(inner, child, path + "." + name);
                    if (inner.Count == 0)
                    {
                        // Emptied by the removal: gone, as Kubernetes' omitempty drops it.
                        obj.Remove(name);
                    }
                    break;
                case JsonArray list:
                    RemoveFromList(name, list, child, path + "." + name);
                    if (list.Count == 0)
                    {
                        obj.Remove(name);
                    }
                    break;
            }
        }
    }

    private static void RemoveFromList(string field, JsonArray list, FieldSet paths, string path)
    {
        var (kind, keys) = FieldSchema.ListOf(field, list);
        if (kind == ListKind.Atomic)
        {
            return;
        }
        foreach (var (element, child) in paths.Children)
        {
            var index = FieldSchema.IndexOf(list, kind, keys, element, path);
            if (index < 0)
            {
                continue;
            }
            if (child.Self)
            {
                list.RemoveAt(index);
            }
            else if (list[index] is JsonObject item)
            {
                RemoveFromObject(item, child, path);
            }
        }
    }
}
