using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// A set of field paths as Kubernetes' structured-merge-diff keeps them: a tree of path elements (<c>f:name</c> a field,
/// <c>k:{"name":"web"}</c> an item of a keyed list, <c>v:"x"</c> an item of a set, <c>i:0</c> an index), where a node is in
/// the set itself when <see cref="Self"/> is set (written <c>"."</c> when it also has members, else <c>{}</c>). Converts to
/// and from FieldsV1 JSON, and does the set algebra server-side apply needs.
/// </summary>
internal sealed class FieldSet
{
    private readonly SortedDictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    /// <summary>Whether the path of this node itself is in the set.</summary>
    public bool Self { get; set; }

    public bool IsEmpty => !Self && _children.Count == 0;

    public IEnumerable<KeyValuePair<string, FieldSet>> Children => _children;

    public FieldSet Child(string element)
    {
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }
        return child;
    }

    public FieldSet? Get(string element) => _children.GetValueOrDefault(element);

    public void Remove(string element) => _children.Remove(element);

    /// <summary>Marks one path (a sequence of elements) as in the set.</summary>
    public void Insert(IEnumerable<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Child(element);
        }
        node.Self = true;
    }

    public bool Contains(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Get(element);
            if (node is null)
            {
                return false;
            }
        }
        return node.Self;
    }

    /// <summary>Whether the set holds <paramref name="path"/> or any path below it.</summary>
    public bool HasAnyAtOrBelow(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Get(element);
            if (node is null)
            {
                return false;
            }
        }
        return !node.IsEmpty;
    }

    /// <summary>Every path in the set, in order.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var prefix = new List<string>();
        return Walk(this, prefix);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> prefix)
        {
            if (node.Self)
            {
                yield return prefix.ToArray();
            }
            foreach (var (element, child) in node._children)
            {
                prefix.Add(element);
                foreach (var path in Walk(child, prefix))
                {
                    yield return path;
                }
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    public FieldSet Clone() => Union(new FieldSet());

    public FieldSet Union(FieldSet other)
    {
        var result = new FieldSet { Self = Self || other.Self };
        foreach (var (element, child) in _children)
        {
            result._children[element] = other.Get(element) is { } theirs ? child.Union(theirs) : child.Union(new FieldSet());
        }
        foreach (var (element, child) in other._children.Where(c => !_children.ContainsKey(c.Key)))
        {
            result._children[element] = child.Union(new FieldSet());
        }
        return result;
    }

    /// <summary>The paths of this set that are not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet { Self = Self && !other.Self };
        foreach (var (element, child) in _children)
        {
            var rest = other.Get(element) is { } theirs ? child.Difference(theirs) : child.Clone();
            if (!rest.IsEmpty)
            {
                result._children[element] = rest;
            }
        }
        return result;
    }

    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet { Self = Self && other.Self };
        foreach (var (element, child) in _children)
        {
            if (other.Get(element) is { } theirs && child.Intersection(theirs) is { IsEmpty: false } both)
            {
                result._children[element] = both;
            }
        }
        return result;
    }

    public bool SameAs(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    /// <summary>The FieldsV1 JSON of the set.</summary>
    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        if (Self && _children.Count > 0)
        {
            obj["."] = new JsonObject();
        }
        foreach (var (element, child) in _children)
        {
            obj[element] = child.ToJson();
        }
        return obj;
    }

    /// <summary>Reads FieldsV1 JSON; a member that is not an object is a 400.</summary>
    public static FieldSet FromJson(JsonObject json)
    {
        var set = new FieldSet();
        Read(json, set, "");
        return set;

        static void Read(JsonObject json, FieldSet node, string path)
        {
            if (json.Count == 0)
            {
                node.Self = true;
                return;
            }
            foreach (var (element, value) in json)
            {
                if (value is not JsonObject child)
                {
                    throw ApiException.BadRequest($"metadata.managedFields: fieldsV1 {path}{element}: expected an object");
                }
                if (element == ".")
                {
                    node.Self = true;
                    continue;
                }
                Read(child, node.Child(element), path + element + "/");
            }
        }
    }

    /// <summary>A path as Kubernetes prints it in conflicts: <c>.spec.template.spec.containers[name="web"].image</c>.</summary>
    public static string Format(IReadOnlyList<string> path)
    {
        var text = new StringBuilder();
        foreach (var element in path)
        {
            var body = element.Length > 2 ? element[2..] : "";
            switch (element[..Math.Min(2, element.Length)])
            {
                case "f:":
                    text.Append('.').Append(body);
                    break;
                case "v:":
                    text.Append("[=").Append(body).Append(']');
                    break;
                case "i:":
                    text.Append('[').Append(body).Append(']');
                    break;
                case "k:" when JsonNode.Parse(body) is JsonObject key:
                    text.Append('[').Append(string.Join(",", key.Select(k => k.Key + "=" + k.Value?.ToJsonString(KubeSerializer.Options)))).Append(']');
                    break;
                default:
                    text.Append(element);
                    break;
            }
        }
        return text.ToString();
    }
}
