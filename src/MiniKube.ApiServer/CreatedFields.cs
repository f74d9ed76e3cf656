using System.Text;
using System.Text.Json;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The fields a new object holds, as its creator's <c>Update</c> entry records them: what <see cref="FieldWalk.Compare"/>
/// finds between nothing and the object (each top-level field added, so owned itself, and every leaf and list item below),
/// walked over a <see cref="JsonElement"/>. Every create that names a manager (each <c>kubectl create</c>) pays for this, and
/// the <see cref="System.Text.Json.Nodes.JsonNode"/> tree the general comparison needs cost as much as the rest of the create.
/// </summary>
internal static class CreatedFields
{
    public static FieldSet Of(KubeObject obj)
    {
        var root = JsonSerializer.SerializeToElement(obj, obj.GetType(), KubeSerializer.Options);
        var set = new FieldSet();
        foreach (var property in root.EnumerateObject())
        {
            var node = set.Child("f:" + property.Name);
            node.Self = true;
            Visit(property.Name, property.Value, node, new Where(null, "f:" + property.Name));
        }
        return set;
    }

    /// <summary>Where in the object a value is, formatted only for an error message (the walk is on every create).</summary>
    private sealed record Where(Where? Parent, string Element)
    {
        public override string ToString()
        {
            var path = new List<string>();
            for (var at = this; at is not null; at = at.Parent)
            {
                path.Add(at.Element);
            }
            path.Reverse();
            return FieldSet.Format(path);
        }
    }

    // Mirrors FieldWalk.VisitValue.
    private static void Visit(string field, JsonElement value, FieldSet node, Where where)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when !IsEmpty(value) && !FieldSchema.IsAtomicObject(field):
                foreach (var property in value.EnumerateObject())
                {
                    var element = "f:" + property.Name;
                    Visit(property.Name, property.Value, node.Child(element), new Where(where, element));
                }
                break;
            case JsonValueKind.Array:
                var (kind, keys) = ListOf(field, value);
                if (kind == ListKind.Atomic || value.GetArrayLength() == 0)
                {
                    node.Self = true;
                    break;
                }
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var element = ItemElement(kind, keys, item, where, i);
                    if (node.Get(element) is not null)
                    {
                        throw ApiException.BadRequest($"{where}: duplicate entries for key {FieldSet.Format([element])}");
                    }
                    var child = node.Child(element);
                    child.Self = true;
                    if (kind == ListKind.Map)
                    {
                        var itemWhere = new Where(where, element);
                        foreach (var property in item.EnumerateObject())
                        {
                            var name = "f:" + property.Name;
                            Visit(property.Name, property.Value, child.Child(name), new Where(itemWhere, name));
                        }
                    }
                    i++;
                }
                break;
            default:
                node.Self = true;
                break;
        }
    }

    private static bool IsEmpty(JsonElement obj)
    {
        using var members = obj.EnumerateObject();
        return !members.MoveNext();
    }

    // FieldSchema.ListOf over elements.
    private static (ListKind Kind, string[] Keys) ListOf(string field, JsonElement list)
    {
        if (StrategicMergePatch.IsSetList(field))
        {
            return (ListKind.Set, []);
        }
        var hasContainerPort = false;
        if (field == "ports")
        {
            foreach (var item in list.EnumerateArray())
            {
                hasContainerPort |= item.ValueKind == JsonValueKind.Object && item.TryGetProperty("containerPort", out _);
            }
        }
        return StrategicMergePatch.MergeKey(field, hasContainerPort) switch
        {
            null => (ListKind.Atomic, []),
            // Already in key order, as FieldSchema.ItemElement sorts them: containerPort and port sort before protocol.
            var key when field == "ports" => (ListKind.Map, [key, "protocol"]),
            var key => (ListKind.Map, [key]),
        };
    }

    // FieldSchema.ItemElement over elements: the same text, as the raw values were written with KubeSerializer's options
    // and the key names need no escaping.
    private static string ItemElement(ListKind kind, string[] keys, JsonElement item, Where where, int index)
    {
        if (kind == ListKind.Set)
        {
            return "v:" + item.GetRawText();
        }
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"{where}: element {index}: expected an object in a list keyed by {string.Join(", ", keys)}");
        }
        var text = new StringBuilder("k:{", 48);
        foreach (var name in keys)
        {
            text.Append(text.Length > 3 ? ",\"" : "\"").Append(name).Append("\":");
            if (item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                text.Append(value.GetRawText());
            }
            else if (name == "protocol")
            {
                text.Append('"').Append(FieldSchema.DefaultProtocol).Append('"');
            }
            else
            {
                throw ApiException.BadRequest($"{where}: element {index}: associative list with keys has an element that omits key field \"{name}\"");
            }
        }
        return text.Append('}').ToString();
    }
}
