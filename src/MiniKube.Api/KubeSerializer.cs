using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MiniKube.Api.Serialization;

namespace MiniKube.Api;

/// <summary>
/// JSON and YAML codecs with Kubernetes' wire shapes. Decoding is strict: unknown fields, wrong types and
/// unreadable values are all reported, each with its path (<c>spec.containers[0].imagee: unknown field</c>).
/// </summary>
/// <remarks>
/// Well-formed JSON goes straight through System.Text.Json with strict options (the API server's hot path).
/// Only when that fails, or for YAML, is the document parsed into a tree and checked field by field, so that
/// one bad request reports every problem instead of the first.
/// </remarks>
public static class KubeSerializer
{
    private static readonly JsonSerializerOptions ReadOptions = CreateOptions(strict: true);
    private static readonly JsonSerializerOptions WriteOptions = CreateOptions(strict: false);
    private static readonly StrictChecker Checker = new(ReadOptions);

    // Kinds that are decoded but not stored as resources (the pods/binding subresource body).
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> DecodeOnlyKinds = new()
    {
        [("v1", "Binding")] = typeof(Binding),
        [("autoscaling/v1", "Scale")] = typeof(Scale),
    };

    private static readonly JsonWriterOptions IndentedWriter = new()
    {
        Indented = true,
        Encoder = WriteOptions.Encoder,
    };

    /// <summary>
    /// Options for hosts that serialize API objects themselves (e.g. ASP.NET Core's JSON output). Reading with
    /// them is lenient; use this class's decode methods for strict reads.
    /// </summary>
    public static JsonSerializerOptions Options => WriteOptions;

    /// <summary>Kubernetes JSON (camelCase, nulls omitted) of any API object, list or Status.</summary>
    public static byte[] ToJsonBytes(object value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), WriteOptions);

    public static string ToJson(object value, bool indented = false)
    {
        if (!indented)
        {
            return JsonSerializer.Serialize(value, value.GetType(), WriteOptions);
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, IndentedWriter))
        {
            JsonSerializer.Serialize(writer, value, value.GetType(), WriteOptions);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>kubectl-style YAML of any API object, list or Status (or of a <see cref="JsonNode"/>).</summary>
    public static string ToYaml(object value)
    {
        var node = value as JsonNode ?? JsonSerializer.SerializeToNode(value, value.GetType(), WriteOptions);
        return JsonToYaml.Write(node);
    }

    /// <summary>Strictly decodes JSON into <paramref name="type"/>; throws <see cref="DecodeException"/> with field paths.</summary>
    public static object FromJson(ReadOnlySpan<byte> json, Type type)
    {
        RequireUtf8(json);
        try
        {
            var result = JsonSerializer.Deserialize(json, ReadOptions.GetTypeInfo(type));
            if (result is not null)
            {
                return result;
            }
        }
        catch (JsonException)
        {
            // Fall through to the slow path, which explains every problem with its path.
        }
        return FromNode(ParseJson(json), type, "");
    }

    public static T FromJson<T>(ReadOnlySpan<byte> json) => (T)FromJson(json, typeof(T));

    public static T FromJson<T>(string json) => (T)FromJson(Encoding.UTF8.GetBytes(json), typeof(T));

    /// <summary>Strictly decodes one YAML (or JSON) document into <paramref name="type"/>, e.g. a component's config file.</summary>
    public static object FromYaml(string yaml, Type type)
    {
        var documents = ParseDocuments(yaml);
        return documents.Count switch
        {
            1 => FromNode(documents[0], type, ""),
            0 => throw new DecodeException(FieldError.Malformed("", "the document is empty")),
            _ => throw new DecodeException(FieldError.Malformed("", $"expected one document, found {documents.Count}")),
        };
    }

    public static T FromYaml<T>(string yaml) => (T)FromYaml(yaml, typeof(T));

    /// <summary>
    /// A JSON body (a patch, an object before it is decoded) as a tree, strictly: invalid UTF-8, syntax errors (with line
    /// and column) and duplicate fields (with their paths) throw <see cref="DecodeException"/>, where JsonNode.Parse would
    /// accept duplicates and fail later, on the first lookup of one.
    /// </summary>
    public static JsonNode? ParseJsonTree(ReadOnlySpan<byte> json)
    {
        RequireUtf8(json);
        return ParseJson(json);
    }

    /// <summary>
    /// The one document of a YAML (or JSON) text as a tree, or null when it holds none (empty, or only comments); bad
    /// syntax and more than one document throw <see cref="DecodeException"/>. For <see cref="Decode"/>.
    /// </summary>
    public static JsonNode? ParseDocument(string text)
    {
        var documents = ParseDocuments(text);
        return documents.Count <= 1
            ? documents.FirstOrDefault()
            : throw new DecodeException(FieldError.Malformed("", $"expected one document, found {documents.Count}"));
    }

    /// <summary>
    /// Strictly decodes <paramref name="node"/> (at <paramref name="path"/> in its document) into <paramref name="type"/>, adding
    /// every problem to <paramref name="errors"/> instead of throwing: the fields with problems are left out and the rest is
    /// decoded, so a caller can check what it means too and report everything wrong with a file at once (a component's
    /// configuration). Null when the node itself is not a <paramref name="type"/>. The node is changed.
    /// </summary>
    public static object? Decode(JsonNode node, Type type, string path, List<FieldError> errors)
    {
        if (!Checker.Check(node, type, path, errors))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(node, ReadOptions.GetTypeInfo(type));
        }
        catch (JsonException ex)
        {
            // The checker mirrors the deserializer; this only runs if they ever disagree.
            errors.Add(FieldError.Malformed(path, CleanMessage(ex.Message)));
            return null;
        }
    }

    public static T? Decode<T>(JsonNode node, string path, List<FieldError> errors) where T : class => (T?)Decode(node, typeof(T), path, errors);

    /// <summary>Decodes an API object whose type is given by its own apiVersion/kind.</summary>
    public static KubeObject DecodeObject(ReadOnlySpan<byte> json)
    {
        RequireUtf8(json);
        // A NUL can only arrive escaped; the strict slow path reports it with its field path.
        if (json.IndexOf("\\u0000"u8) < 0 && TryPeekTypeMeta(json, out var apiVersion, out var kind) && TypeOfKind(apiVersion!, kind) is { } type)
        {
            try
            {
                if (JsonSerializer.Deserialize(json, ReadOptions.GetTypeInfo(type)) is KubeObject obj)
                {
                    return obj;
                }
            }
            catch (JsonException)
            {
                // Slow path below reports every problem.
            }
        }
        return DecodeNode(ParseJson(json), "");
    }

    public static KubeObject DecodeObject(string json) => DecodeObject(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Decodes every document of a (multi-document) YAML or JSON manifest, strictly. Empty documents are skipped;
    /// <c>kind: List</c> documents contribute their items. Throws for the first document with problems.
    /// </summary>
    public static IReadOnlyList<KubeObject> DecodeManifests(string text)
    {
        var result = new List<KubeObject>();
        foreach (var document in ParseDocuments(text))
        {
            switch (document)
            {
                case JsonArray array:
                    DecodeItems(array, "", result);
                    break;
                case JsonObject obj when IsListDocument(obj, out var items):
                    DecodeItems(items, "items", result);
                    break;
                default:
                    result.Add(DecodeNode(document, ""));
                    break;
            }
        }
        return result;
    }

    private static List<JsonNode> ParseDocuments(string text)
    {
        var start = text.AsSpan().TrimStart();
        if (start.Length > 0 && start[0] == '\uFEFF')
        {
            start = start[1..].TrimStart();
        }
        if (start.IsEmpty)
        {
            return [];
        }
        if (start[0] is '{' or '[')
        {
            var node = ParseJson(Encoding.UTF8.GetBytes(start.ToString()));
            return node is null ? [] : [node];
        }
        return YamlToJson.ParseDocuments(text);
    }

    private static void DecodeItems(JsonArray items, string path, List<KubeObject> result)
    {
        for (var i = 0; i < items.Count; i++)
        {
            result.Add(DecodeNode(items[i], path + "[" + i + "]"));
        }
    }

    // "List" is the generic container kubectl writes; "PodList" and friends are accepted the same way.
    private static bool IsListDocument(JsonObject obj, out JsonArray items)
    {
        items = null!;
        if (obj["kind"] is JsonValue kindValue && kindValue.GetValueKind() == JsonValueKind.String
            && obj["items"] is JsonArray array)
        {
            var kind = kindValue.GetValue<string>();
            if (kind == "List" || (kind.EndsWith("List", StringComparison.Ordinal) && ResourceRegistry.ByKind(null, kind) is null))
            {
                items = array;
                return true;
            }
        }
        return false;
    }

    private static KubeObject DecodeNode(JsonNode? node, string path)
    {
        if (node is not JsonObject obj)
        {
            throw new DecodeException(FieldError.TypeMismatch(path, "expected object, got " + StrictChecker.Describe(Kind(node))));
        }
        var errors = new List<FieldError>();
        var apiVersion = ReadTypeField(obj, "apiVersion", path, errors);
        var kind = ReadTypeField(obj, "kind", path, errors);
        if (errors.Count > 0)
        {
            throw new DecodeException(errors);
        }
        var type = TypeOfKind(apiVersion!, kind!)
            ?? throw new DecodeException(FieldError.Malformed(path, $"no kind {FieldError.Quote(kind!)} is registered for version {FieldError.Quote(apiVersion!)}"));
        return (KubeObject)FromNode(obj, type, path);
    }

    private static Type? TypeOfKind(string apiVersion, string kind) =>
        ResourceRegistry.ByKind(apiVersion, kind)?.Type ?? DecodeOnlyKinds.GetValueOrDefault((apiVersion, kind));

    private static string? ReadTypeField(JsonObject obj, string name, string path, List<FieldError> errors)
    {
        var fieldPath = StrictChecker.Join(path, name);
        switch (obj[name])
        {
            case null:
                errors.Add(FieldError.Required(fieldPath));
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (text.Length == 0)
                {
                    errors.Add(FieldError.Required(fieldPath));
                }
                return text;
            case var other:
                errors.Add(FieldError.TypeMismatch(fieldPath, "expected string, got " + StrictChecker.Describe(Kind(other))));
                return null;
        }
    }

    private static object FromNode(JsonNode? node, Type type, string path)
    {
        if (node is null)
        {
            throw new DecodeException(FieldError.TypeMismatch(path, "expected object, got null"));
        }
        var errors = new List<FieldError>();
        Checker.Check(node, type, path, errors);
        if (errors.Count > 0)
        {
            throw new DecodeException(errors);
        }
        try
        {
            return JsonSerializer.Deserialize(node, ReadOptions.GetTypeInfo(type))
                ?? throw new DecodeException(FieldError.TypeMismatch(path, "expected object, got null"));
        }
        catch (JsonException ex)
        {
            // The checker mirrors the deserializer; this only runs if they ever disagree.
            var inner = (ex.Path ?? "$").TrimStart('$').TrimStart('.');
            var fullPath = inner.Length == 0 ? path : inner.StartsWith('[') ? path + inner : StrictChecker.Join(path, inner);
            throw new DecodeException(FieldError.Malformed(fullPath, CleanMessage(ex.Message)));
        }
    }

    /// <summary>Parses JSON into a tree, reporting syntax errors with line and column and duplicate fields with paths.</summary>
    // System.Text.Json checks the encoding of a string only when it is read (GetString throws InvalidOperationException),
    // so it is checked once, up front, for every decode.
    private static void RequireUtf8(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            throw new DecodeException(FieldError.Malformed("", $"invalid JSON: invalid UTF-8 at byte {FirstInvalidUtf8(json)}"));
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
        }
        return offset;
    }

    private static JsonNode? ParseJson(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\xEF\xBB\xBF"u8))
        {
            json = json[3..];
        }
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(json);
            root = JsonElement.ParseValue(ref reader);
            if (reader.Read())
            {
                throw new DecodeException(FieldError.Malformed("", "invalid JSON: unexpected data after the top-level value"));
            }
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            throw new DecodeException(FieldError.Malformed("", $"invalid JSON at line {line}, column {column}: {CleanMessage(ex.Message)}"));
        }
        var errors = new List<FieldError>();
        var node = ToNode(root, "", errors);
        if (errors.Count > 0)
        {
            throw new DecodeException(errors);
        }
        return node;
    }

    private static JsonNode? ToNode(JsonElement element, string path, List<FieldError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = StrictChecker.Join(path, property.Name);
                    if (obj.ContainsKey(property.Name))
                    {
                        errors.Add(FieldError.Malformed(childPath, $"duplicate field {FieldError.Quote(property.Name)}"));
                        continue;
                    }
                    obj[property.Name] = ToNode(property.Value, childPath, errors);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item, path + "[" + i++ + "]", errors));
                }
                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }

    private static bool TryPeekTypeMeta(ReadOnlySpan<byte> json, out string? apiVersion, out string kind)
    {
        apiVersion = null;
        kind = null!;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKind = reader.ValueTextEquals("kind"u8);
                var isApiVersion = !isKind && reader.ValueTextEquals("apiVersion"u8);
                reader.Read();
                if (isKind || isApiVersion)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }
                    if (isKind)
                    {
                        kind = reader.GetString()!;
                    }
                    else
                    {
                        apiVersion = reader.GetString();
                    }
                    if (apiVersion is not null && kind is not null)
                    {
                        return true;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Malformed input: the slow path will say where.
        }
        return false;
    }

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    // System.Text.Json appends its own position and path; ours are already in the error.
    private static string CleanMessage(string message)
    {
        foreach (var marker in (ReadOnlySpan<string>)[" Path:", " LineNumber:", " | LineNumber:"])
        {
            var index = message.IndexOf(marker, StringComparison.Ordinal);
            if (index >= 0)
            {
                message = message[..index];
            }
        }
        return message.TrimEnd('.', ' ');
    }

    private static JsonSerializerOptions CreateOptions(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // API payloads are not embedded in HTML; keep '<', '&' and non-ASCII text readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new TimeConverter());
        options.Converters.Add(new StringMapConverter());
        if (strict)
        {
            options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.RespectNullableAnnotations = true;
            options.AllowDuplicateProperties = false;
        }
        options.MakeReadOnly();
        return options;
    }
}
