using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.Controllers.Deployments;

/// <summary>
/// The <c>pod-template-hash</c> a Deployment stamps on its ReplicaSets and pods, and template equality that ignores it.
/// Like Kubernetes: 32-bit FNV-1a of the template (plus the collision count), written in decimal and mapped onto
/// Kubernetes' "safe" alphabet (no vowels, so no words). The bytes hashed are MiniKube's canonical JSON of the
/// template, so the values differ from a real cluster's, but are stable for the same template.
/// </summary>
public static class PodTemplateHash
{
    public const string Label = "pod-template-hash";

    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(PodTemplateSpec template, int? collisionCount)
    {
        const uint offset = 2166136261;
        const uint prime = 16777619;
        var hash = offset;
        foreach (var b in Encoding.UTF8.GetBytes(Canonical(template)))
        {
            hash = unchecked((hash ^ b) * prime);
        }
        if (collisionCount is { } count)
        {
            Span<byte> bytes = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, unchecked((uint)count));
            foreach (var b in bytes)
            {
                hash = unchecked((hash ^ b) * prime);
            }
        }
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var safe = new char[digits.Length];
        for (var i = 0; i < digits.Length; i++)
        {
            safe[i] = SafeAlphabet[digits[i] % SafeAlphabet.Length];
        }
        return new string(safe);
    }

    /// <summary>Whether two templates are equal once the <c>pod-template-hash</c> label is dropped from both.</summary>
    public static bool EqualIgnoringHash(PodTemplateSpec? a, PodTemplateSpec? b) =>
        Canonical(WithoutHash(a ?? new PodTemplateSpec())) == Canonical(WithoutHash(b ?? new PodTemplateSpec()));

    /// <summary>The template without the <c>pod-template-hash</c> label.</summary>
    public static PodTemplateSpec WithoutHash(PodTemplateSpec template)
    {
        if (template.Metadata?.Labels is not { } labels || !labels.ContainsKey(Label))
        {
            return template;
        }
        var rest = labels.Where(kv => kv.Key != Label).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return template with { Metadata = template.Metadata with { Labels = rest.Count == 0 ? null : rest } };
    }

    /// <summary>The template with the label added.</summary>
    public static PodTemplateSpec WithHash(PodTemplateSpec template, string hash)
    {
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [Label] = hash,
        };
        return template with { Metadata = (template.Metadata ?? new ObjectMeta()) with { Labels = labels } };
    }

    /// <summary>JSON with sorted keys and without nulls or empty lists and maps (Go's omitempty), so equal templates compare equal.</summary>
    public static string Canonical(object value)
    {
        var node = JsonSerializer.SerializeToNode(value, value.GetType(), KubeSerializer.Options);
        return Normalize(node)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var sorted = new JsonObject();
                foreach (var (key, child) in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (Normalize(child) is { } normalized)
                    {
                        sorted[key] = normalized;
                    }
                }
                return sorted.Count == 0 ? null : sorted;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var child in array)
                {
                    items.Add(Normalize(child) ?? new JsonObject());
                }
                return items.Count == 0 ? null : items;
            case null:
                return null;
            default:
                return node.DeepClone();
        }
    }
}
