using System.Text;
using System.Text.Json;
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
    private static readonly SortedDictionary<string, FieldSet> NoChildren = new(StringComparer.Ordinal);

    // Most nodes are leaves: their dictionary is made on their first child (a pod's set has ~60 nodes per write).
    private SortedDictionary<string, FieldSet>? _children;

    /// <summary>Whether the path of this node itself is in the set.</summary>
    public bool Self { get; set; }

    public bool IsEmpty => !Self && (_children is null || _children.Count == 0);

    public IEnumerable<KeyValuePair<string, FieldSet>> Children => Entries;

    // Typed as the dictionary so that the set algebra's loops use its struct enumerator.
    private SortedDictionary<string, FieldSet> Entries => _children ?? NoChildren;

    private SortedDictionary<string, FieldSet> Members => _children ??= new SortedDictionary<string, FieldSet>(StringComparer.Ordinal);

    public FieldSet Child(string element)
    {
        var members = Members;
        if (!members.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            members[element] = child;
        }
        return child;
    }

    public FieldSet? Get(string element) => _children?.GetValueOrDefault(element);

    public void Remove(string element) => _children?.Remove(element);

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
            foreach (var (element, child) in node.Entries)
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

    public FieldSet Clone()
    {
        var copy = new FieldSet { Self = Self };
        foreach (var (element, child) in Entries)
        {
            copy.Members[element] = child.Clone();
        }
        return copy;
    }

    public FieldSet Union(FieldSet other)
    {
        var result = new FieldSet { Self = Self || other.Self };
        foreach (var (element, child) in Entries)
        {
            result.Members[element] = other.Get(element) is { } theirs ? child.Union(theirs) : child.Clone();
        }
        foreach (var (element, child) in other.Entries)
        {
            if (Get(element) is null)
            {
                result.Members[element] = child.Clone();
            }
        }
        return result;
    }

    /// <summary>The paths of this set that are not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet { Self = Self && !other.Self };
        foreach (var (element, child) in Entries)
        {
            var rest = other.Get(element) is { } theirs ? child.Difference(theirs) : child.Clone();
            if (!rest.IsEmpty)
            {
                result.Members[element] = rest;
            }
        }
        return result;
    }

    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet { Self = Self && other.Self };
        foreach (var (element, child) in Entries)
        {
            if (other.Get(element) is { } theirs && child.Intersection(theirs) is { IsEmpty: false } both)
            {
                result.Members[element] = both;
            }
        }
        return result;
    }

    public bool SameAs(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    /// <summary>The FieldsV1 JSON of the set.</summary>
    public JsonObject ToJson() => JsonNode.Parse(ToJsonText()) as JsonObject ?? [];

    /// <summary>
    /// The FieldsV1 JSON text of the set, written directly: every write that records a manager stores one per entry, and a
    /// JsonObject tree per node only to print it cost as much as the rest of a create.
    /// </summary>
    public string ToJsonText()
    {
        var text = t_text ?? new StringBuilder(1024);
        t_text = null;
        try
        {
            Write(text);
            return text.ToString();
        }
        finally
        {
            text.Clear();
            t_text = text;
        }
    }

    [ThreadStatic]
    private static StringBuilder? t_text;

    private void Write(StringBuilder text)
    {
        text.Append('{');
        var first = true;
        if (Self && _children is { Count: > 0 })
        {
            text.Append("\".\":{}");
            first = false;
        }
        foreach (var (element, child) in Entries)
        {
            if (!first)
            {
                text.Append(',');
            }
            first = false;
            AppendQuoted(text, element);
            text.Append(':');
            child.Write(text);
        }
        text.Append('}');
    }

    // As KubeSerializer's relaxed encoder writes a member name: quotes, backslashes and control characters escaped.
    private static void AppendQuoted(StringBuilder text, string value)
    {
        if (value.AsSpan().IndexOfAnyInRange((char)0x7F, char.MaxValue) >= 0)
        {
            // Rare (a key value beyond ASCII): the encoder's own rules.
            text.Append('"').Append(JsonEncodedText.Encode(value, KubeSerializer.Options.Encoder).ToString()).Append('"');
            return;
        }
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
        text.Append('"');
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
