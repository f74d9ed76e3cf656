using System.Globalization;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over a JSON tree; failures are BadRequest naming the operation.</summary>
public static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? document, JsonArray operations)
    {
        var root = document?.DeepClone();
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject op || op["op"]?.GetValue<string>() is not { } kind || op["path"]?.GetValue<string>() is not { } path)
            {
                throw Bad(i, "each operation needs \"op\" and \"path\"");
            }
            switch (kind)
            {
                case "add":
                    root = Add(root, path, Value(op, i), i);
                    break;
                case "remove":
                    root = Remove(root, path, i, out _);
                    break;
                case "replace":
                    root = Remove(root, path, i, out _);
                    root = Add(root, path, Value(op, i), i);
                    break;
                case "move":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw Bad(i, "move needs \"from\"");
                    root = Remove(root, from, i, out var moved);
                    root = Add(root, path, moved, i);
                    break;
                }
                case "copy":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw Bad(i, "copy needs \"from\"");
                    root = Add(root, path, Get(root, from, i)?.DeepClone(), i);
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path, i), op["value"]))
                    {
                        throw Bad(i, $"test failed: the value at {path} differs");
                    }
                    break;
                default:
                    throw Bad(i, $"unknown op \"{kind}\"");
            }
        }
        return root;
    }

    private static JsonNode? Value(JsonObject op, int index) =>
        op.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Bad(index, "the operation needs \"value\"");

    private static string[] Tokens(string path, int index)
    {
        if (path.Length == 0)
        {
            return [];
        }
        if (path[0] != '/')
        {
            throw Bad(index, $"path \"{path}\" must start with /");
        }
        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Get(JsonNode? root, string path, int index) => Walk(root, Tokens(path, index), path, index);

    private static JsonNode? Walk(JsonNode? root, IEnumerable<string> tokens, string path, int index)
    {
        var node = root;
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < a.Count => a[n],
                _ => throw Bad(index, $"path {path} does not exist"),
            };
        }
        return node;
    }

    private static JsonNode? Add(JsonNode? root, string path, JsonNode? value, int index)
    {
        var tokens = Tokens(path, index);
        if (tokens.Length == 0)
        {
            return value;
        }
        var parent = Walk(root, tokens[..^1], path, index);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= a.Count:
                a.Insert(n, value);
                break;
            default:
                throw Bad(index, $"cannot add at {path}");
        }
        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string path, int index, out JsonNode? removed)
    {
        var tokens = Tokens(path, index);
        if (tokens.Length == 0)
        {
            removed = root;
            return null;
        }
        var parent = Walk(root, tokens[..^1], path, index);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                o.Remove(last);
                removed = child;
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < a.Count:
                removed = a[n];
                a.RemoveAt(n);
                break;
            default:
                throw Bad(index, $"path {path} does not exist");
        }
        return root;
    }

    private static ApiException Bad(int index, string message) =>
        ApiException.BadRequest($"json patch operation {index.ToString(CultureInfo.InvariantCulture)}: {message}");
}
