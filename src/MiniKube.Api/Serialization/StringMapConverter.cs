using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniKube.Api.Serialization;

/// <summary>
/// Labels, annotations, selectors and ConfigMap data. Kubernetes reads <c>key: null</c> in such a map as an empty
/// string; the default converter would store a null the rest of the code does not expect.
/// </summary>
internal sealed class StringMapConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected an object of strings");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => "",
                _ => throw new JsonException("expected a string"),
            };
            if (!map.TryAdd(key, value))
            {
                throw new JsonException($"duplicate field \"{key}\"");
            }
        }
        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in value)
        {
            writer.WriteString(key, item);
        }
        writer.WriteEndObject();
    }
}
