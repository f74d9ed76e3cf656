using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>For <c>fieldValidation=Warn|Ignore</c>: drops the fields the type does not declare and reports their paths.</summary>
internal static class UnknownFields
{
    public static (ReadOnlyMemory<byte> Cleaned, IReadOnlyList<string> Unknown) Remove(Type type, ReadOnlyMemory<byte> body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest("the request body is not valid JSON: " + ex.Message);
        }
        var unknown = new List<string>();
        Walk(root, type, "", unknown);
        return unknown.Count == 0 ? (body, unknown) : (JsonSerializer.SerializeToUtf8Bytes(root), unknown);
    }

    private static void Walk(JsonNode? node, Type type, string path, List<string> unknown)
    {
        var info = KubeSerializer.Options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                var properties = info.Properties.ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);
                foreach (var (name, value) in obj.ToList())
                {
                    var child = path.Length == 0 ? name : path + "." + name;
                    if (properties.TryGetValue(name, out var propertyType))
                    {
                        Walk(value, propertyType, child, unknown);
                    }
                    else
                    {
                        unknown.Add(child);
                        obj.Remove(name);
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && info.ElementType is { } element:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], element, $"{path}[{i}]", unknown);
                }
                break;
        }
    }
}
