using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Printing;

namespace MiniKube.Cli.Printing;

/// <summary><c>-o yaml</c>, <c>-o json</c> and <c>-o name</c> output of objects and lists.</summary>
public static class ObjectPrinter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Yaml(KubeObject obj) => EndWithNewline(KubeSerializer.ToYaml(obj));

    /// <summary>A <c>kind: List</c> holding <paramref name="items"/>, as kubectl prints several objects.</summary>
    public static string YamlList(IReadOnlyList<KubeObject> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add(JsonNode.Parse(KubeSerializer.ToJsonBytes(item)));
        }
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["items"] = array,
            ["kind"] = "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
        };
        return EndWithNewline(KubeSerializer.ToYaml(list));
    }

    public static string Json(KubeObject obj)
    {
        using var document = JsonDocument.Parse(KubeSerializer.ToJsonBytes(obj));
        return Write(writer => document.RootElement.WriteTo(writer));
    }

    public static string JsonList(IReadOnlyList<KubeObject> items)
    {
        var documents = items.Select(i => JsonDocument.Parse(KubeSerializer.ToJsonBytes(i))).ToList();
        try
        {
            return Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("apiVersion", "v1");
                writer.WriteStartArray("items");
                foreach (var document in documents)
                {
                    document.RootElement.WriteTo(writer);
                }
                writer.WriteEndArray();
                writer.WriteString("kind", "List");
                writer.WriteStartObject("metadata");
                writer.WriteString("resourceVersion", "");
                writer.WriteEndObject();
                writer.WriteEndObject();
            });
        }
        finally
        {
            documents.ForEach(d => d.Dispose());
        }
    }

    /// <summary>One object as <paramref name="kind"/> (yaml, json or name); several as a List (or one name per line).</summary>
    public static string Format(OutputKind kind, IReadOnlyList<KubeObject> items, bool single) => kind switch
    {
        OutputKind.Yaml => single && items.Count == 1 ? Yaml(items[0]) : YamlList(items),
        OutputKind.Json => single && items.Count == 1 ? Json(items[0]) : JsonList(items),
        OutputKind.Name => string.Concat(items.Select(i => ResourceNames.Reference(i) + "\n")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an object output format"),
    };

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static string EndWithNewline(string text) => text.EndsWith('\n') ? text : text + "\n";
}
