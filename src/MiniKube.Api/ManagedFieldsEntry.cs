using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>One manager's fields of an object (metav1.ManagedFieldsEntry): who, by which operation, in which version, when.</summary>
public sealed record ManagedFieldsEntry
{
    public string? Manager { get; init; }
    /// <summary><c>Apply</c> or <c>Update</c>.</summary>
    public string? Operation { get; init; }
    public string? ApiVersion { get; init; }
    public DateTimeOffset? Time { get; init; }
    /// <summary>Always <c>FieldsV1</c>.</summary>
    public string? FieldsType { get; init; }
    public FieldsV1? FieldsV1 { get; init; }
    public string? Subresource { get; init; }
}

/// <summary>
/// A set of fields in Kubernetes' FieldsV1 JSON form (<c>{"f:spec":{"f:replicas":{}}}</c>), kept as the JSON text it was read as so
/// that it round-trips unchanged and compares by value.
/// </summary>
[JsonConverter(typeof(FieldsV1Converter))]
public sealed record FieldsV1
{
    public FieldsV1(string json)
    {
        Json = json;
    }

    public string Json { get; }

    public JsonObject ToNode() => JsonNode.Parse(Json) as JsonObject ?? [];

    public static FieldsV1 From(JsonObject node) => new(node.ToJsonString(KubeSerializer.Options));
}

internal sealed class FieldsV1Converter : JsonConverter<FieldsV1>
{
    public override FieldsV1 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("fieldsV1 must be a JSON object");
        }
        using var document = JsonDocument.ParseValue(ref reader);
        return new FieldsV1(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, FieldsV1 value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json, skipInputValidation: true);
}
