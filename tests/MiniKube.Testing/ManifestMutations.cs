using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

using MiniKube.Api;

namespace MiniKube.Testing;

/// <summary>
/// Random damage to valid manifests, of the kinds users and attackers send: unknown fields at any depth, wrong types,
/// out-of-range numbers, garbage quantities and names, oversized strings, deep nesting, invalid UTF-8, duplicate keys.
/// </summary>
public static class ManifestMutations
{
    private static readonly string[] Garbage = ["", "-1", "1e400", "12Qi", "0.0000000001m", "∞", "NaN", "-", "..", "a b", "UPPER_case", "x/y/z", "\u0000", "🙂", "9223372036854775808"];

    /// <summary>One damaged document made from one of <paramref name="seeds"/> (valid objects as JSON): UTF-8 bytes of (usually) JSON, and the seed's index.</summary>
    public static Gen<(byte[] Bytes, int Seed)> Of(IReadOnlyList<string> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, 8], Gen.Int[0, int.MaxValue], Gen.Int[1, 3])
            .Select(t => (Damage(seeds[t.Item1], t.Item2, new Random(t.Item3), t.Item4), t.Item1));

    private static byte[] Damage(string json, int kind, Random random, int times)
    {
        var root = JsonNode.Parse(json)!;
        string? text = null;
        for (var i = 0; i < times; i++)
        {
            var nodes = Walk(root).ToList();
            var (target, parent, key) = nodes[random.Next(nodes.Count)];
            switch (kind)
            {
                case 0 when target is JsonObject obj:
                    obj["zz" + random.Next(1000)] = random.Next(2) == 0 ? 1 : new JsonObject { ["nested"] = "x" };
                    break;
                case 1:
                    Replace(parent, key, target switch
                    {
                        JsonValue v when v.TryGetValue<string>(out _) => random.Next(2) == 0 ? JsonValue.Create(42) : new JsonArray(),
                        JsonValue => JsonValue.Create("forty-two"),
                        JsonObject => JsonValue.Create(true),
                        JsonArray => new JsonObject { ["a"] = 1 },
                        _ => JsonValue.Create(0),
                    }, ref root);
                    break;
                case 2 when target is JsonValue:
                    Replace(parent, key, JsonValue.Create(Garbage[random.Next(Garbage.Length)]), ref root);
                    break;
                case 3 when target is JsonValue:
                    Replace(parent, key, random.Next(4) switch
                    {
                        0 => JsonValue.Create(-1),
                        1 => JsonValue.Create(70000),
                        2 => JsonValue.Create(long.MaxValue),
                        _ => JsonValue.Create(1.5e300),
                    }, ref root);
                    break;
                case 4:
                    root["metadata"]!["name"] = Garbage[random.Next(Garbage.Length)] + new string('n', random.Next(300));
                    break;
                case 5 when target is JsonValue:
                    Replace(parent, key, JsonValue.Create(new string('x', 70_000 + random.Next(70_000))), ref root);
                    break;
                case 6:
                    JsonNode deep = JsonValue.Create(1);
                    for (var d = random.Next(30, 200); d > 0; d--)
                    {
                        deep = random.Next(2) == 0 ? new JsonArray(deep) : new JsonObject { ["d"] = deep };
                    }
                    Replace(parent, key, deep, ref root);
                    break;
                case 7:
                    text = root.ToJsonString();
                    var comma = text.IndexOf(",\"", random.Next(text.Length), StringComparison.Ordinal);
                    if (comma > 0)
                    {
                        // Duplicate the next property: {"a":1,"b":2} -> {"a":1,"b":2,"b":2}.
                        var end = text.IndexOfAny([',', '}'], text.IndexOf(':', comma) + 1);
                        if (end > comma)
                        {
                            text = text[..end] + text[comma..end] + text[end..];
                        }
                    }
                    root = JsonNode.Parse(json)!;
                    break;
                case 8:
                    var bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                    var at = random.Next(bytes.Length);
                    return [.. bytes[..at], 0xC3, 0x28, 0xFF, .. bytes[at..]];
            }
        }
        return Encoding.UTF8.GetBytes(text ?? root.ToJsonString());
    }

    private static void Replace(JsonNode? parent, object? key, JsonNode value, ref JsonNode root)
    {
        switch (parent)
        {
            case JsonObject obj:
                obj[(string)key!] = value;
                break;
            case JsonArray array:
                array[(int)key!] = value;
                break;
            default:
                root = value;
                break;
        }
    }

    private static IEnumerable<(JsonNode? Node, JsonNode? Parent, object? Key)> Walk(JsonNode root)
    {
        var stack = new Stack<(JsonNode? Node, JsonNode? Parent, object? Key)>();
        stack.Push((root, null, null));
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            yield return item;
            switch (item.Node)
            {
                case JsonObject obj:
                    foreach (var (k, v) in obj.ToList())
                    {
                        stack.Push((v, obj, k));
                    }
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        stack.Push((array[i], array, i));
                    }
                    break;
            }
        }
    }
}
