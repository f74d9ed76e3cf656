using System.Globalization;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Printing;

namespace MiniKube.ApiServer.Rest;

/// <summary>What a Table row carries as its <c>object</c> (the <c>includeObject</c> parameter).</summary>
internal enum TableObjects
{
    None,
    Metadata,
    Object,
}

/// <summary>
/// <c>meta.k8s.io/v1</c> Tables built from the same per-kind columns minictl prints (<see cref="ResourceTables"/>): wide-only
/// columns have priority 1, the name column has format <c>name</c>, and rows carry PartialObjectMetadata by default.
/// </summary>
internal static class TableEncoder
{
    public static bool Wants(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    public static TableObjects ParseInclude(string? value) => value switch
    {
        null or "" or "Metadata" => TableObjects.Metadata,
        "Object" => TableObjects.Object,
        "None" => TableObjects.None,
        _ => throw ApiException.BadRequest($"includeObject \"{value}\" is not one of None, Metadata, Object"),
    };

    public static byte[] Encode(
        ResourceInfo resource, IEnumerable<CachedObject> items, string? resourceVersion, string? continueToken, long? remaining, bool withColumns,
        TableObjects include, DateTimeOffset now)
    {
        var table = ResourceTables.For(resource);
        return RestDiscovery.Write(w =>
        {
            w.WriteString("kind", "Table");
            w.WriteString("apiVersion", "meta.k8s.io/v1");
            w.WriteStartObject("metadata");
            if (resourceVersion is not null)
            {
                w.WriteString("resourceVersion", resourceVersion);
            }
            if (!string.IsNullOrEmpty(continueToken))
            {
                w.WriteString("continue", continueToken);
            }
            if (remaining is { } left)
            {
                w.WriteNumber("remainingItemCount", left);
            }
            w.WriteEndObject();
            if (withColumns)
            {
                w.WriteStartArray("columnDefinitions");
                foreach (var column in table.Columns)
                {
                    w.WriteStartObject();
                    w.WriteString("name", TitleCase(column.Header));
                    w.WriteString("type", "string");
                    w.WriteString("format", column.IsName ? "name" : "");
                    w.WriteString("description", Describe(column.Header));
                    w.WriteNumber("priority", column.WideOnly ? 1 : 0);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteStartArray("rows");
            foreach (var item in items)
            {
                w.WriteStartObject();
                w.WriteStartArray("cells");
                foreach (var cell in table.Cells(item.Object, wide: true, now))
                {
                    w.WriteStringValue(cell);
                }
                w.WriteEndArray();
                switch (include)
                {
                    case TableObjects.Object:
                        w.WritePropertyName("object");
                        w.WriteRawValue(item.Json, skipInputValidation: true);
                        break;
                    case TableObjects.Metadata:
                        w.WriteStartObject("object");
                        w.WriteString("kind", "PartialObjectMetadata");
                        w.WriteString("apiVersion", "meta.k8s.io/v1");
                        w.WritePropertyName("metadata");
                        WriteMetadata(w, item.Json);
                        w.WriteEndObject();
                        break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static void WriteMetadata(Utf8JsonWriter w, byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.TryGetProperty("metadata", out var metadata))
        {
            metadata.WriteTo(w);
        }
        else
        {
            w.WriteStartObject();
            w.WriteEndObject();
        }
    }

    /// <summary>Kubernetes names columns "Nominated Node"; kubectl upper-cases them again when printing.</summary>
    private static string TitleCase(string header) =>
        string.Join(' ', header.Split(' ').Select(word =>
            word.Length == 0 ? word : word[0] + word[1..].ToLower(CultureInfo.InvariantCulture)));

    private static string Describe(string header) => header switch
    {
        ResourceTable.NameHeader => "Name must be unique within a namespace.",
        "AGE" => "CreationTimestamp is a timestamp representing the server time when this object was created.",
        _ => TitleCase(header),
    };
}
