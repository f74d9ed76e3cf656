using System.Text.Json;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Converts between the wire/storage bytes and API objects. etcd holds an object without its resourceVersion
/// (the key's mod revision is the version), so every read stamps it back in.
/// </summary>
internal sealed class ObjectCodec
{
    /// <summary>Strictly decodes a request body into the resource's type; errors name the offending field.</summary>
    public KubeObject DecodeRequest(ResourceInfo resource, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw ApiException.BadRequest("the request body is empty: expected a " + resource.Kind + " object");
        }
        KubeObject obj;
        try
        {
            obj = (KubeObject)KubeSerializer.FromJson(body, resource.Type);
        }
        catch (DecodeException ex)
        {
            throw ApiException.BadRequest($"{resource.Kind} in version \"{resource.ApiVersion}\" cannot be decoded: {ex.Message}");
        }
        if (obj.Kind != resource.Kind || obj.ApiVersion != resource.ApiVersion)
        {
            throw ApiException.BadRequest(
                $"the object is a {obj.Kind} in version \"{obj.ApiVersion}\", but this request is for {resource.Plural} ({resource.ApiVersion}, {resource.Kind})");
        }
        return obj;
    }

    /// <summary>Bytes for etcd: the object without a resourceVersion.</summary>
    public byte[] EncodeForStorage(KubeObject obj) =>
        KubeSerializer.ToJsonBytes(obj.Metadata.ResourceVersion is null ? obj : obj with { Metadata = obj.Metadata with { ResourceVersion = null } });

    public CachedObject FromStorage(ResourceInfo resource, string key, ReadOnlyMemory<byte> value, long revision)
    {
        var obj = (KubeObject)KubeSerializer.FromJson(value.Span, resource.Type);
        return Stamp(resource, key, obj, revision, value.Span);
    }

    /// <summary>
    /// The served form of an object at <paramref name="revision"/>. With the stored bytes at hand the version is spliced
    /// into them instead of encoding the object again: every write and every watch event would otherwise pay a second encode.
    /// </summary>
    public CachedObject Stamp(ResourceInfo resource, string key, KubeObject obj, long revision, ReadOnlySpan<byte> storedJson = default)
    {
        var version = Versions.Format(revision);
        var stamped = obj with { Metadata = obj.Metadata with { ResourceVersion = version } };
        var json = storedJson.IsEmpty || obj.Metadata.ResourceVersion is not null
            ? null
            : SpliceResourceVersion(storedJson, version);
        return new CachedObject(key, stamped, json ?? KubeSerializer.ToJsonBytes(stamped), revision, resource.Fields(stamped));
    }

    public CachedObject WithRevision(ResourceInfo resource, CachedObject obj, long revision) => Stamp(resource, obj.Key, obj.Object, revision);

    /// <summary>Inserts <c>"resourceVersion":"N"</c> as the first member of the top-level metadata object; null if there is none.</summary>
    internal static byte[]? SpliceResourceVersion(ReadOnlySpan<byte> json, string version)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        while (reader.Read() && reader.CurrentDepth == 1)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            if (!reader.Read())
            {
                return null;
            }
            if (!isMetadata)
            {
                reader.Skip();
                continue;
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            var open = (int)reader.TokenStartIndex + 1;
            var empty = reader.Read() && reader.TokenType == JsonTokenType.EndObject;
            var member = "\"resourceVersion\":\"" + version + "\"" + (empty ? "" : ",");
            var insert = System.Text.Encoding.UTF8.GetBytes(member);
            var result = new byte[json.Length + insert.Length];
            json[..open].CopyTo(result);
            insert.CopyTo(result.AsSpan(open));
            json[open..].CopyTo(result.AsSpan(open + insert.Length));
            return result;
        }
        return null;
    }

    /// <summary>A watch bookmark: an object of the kind carrying only the resourceVersion.</summary>
    public byte[] EncodeBookmark(ResourceInfo resource, long revision, bool initialEventsEnd = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", resource.Kind);
            writer.WriteString("apiVersion", resource.ApiVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", Versions.Format(revision));
            if (initialEventsEnd)
            {
                writer.WriteStartObject("annotations");
                writer.WriteString("k8s.io/initial-events-end", "true");
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A list object (e.g. PodList) built from already-encoded items, without re-encoding them.</summary>
    public byte[] EncodeList(ResourceInfo resource, IReadOnlyList<CachedObject> items, long revision)
    {
        var size = 128;
        foreach (var item in items)
        {
            size += item.Json.Length + 1;
        }
        using var buffer = new MemoryStream(size);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", resource.ApiVersion);
            writer.WriteString("kind", resource.ListKind);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", Versions.Format(revision));
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(item.Json, skipInputValidation: true);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>resourceVersion is the etcd revision as a decimal string; clients treat it as opaque.</summary>
public static class Versions
{
    public static string Format(long revision) => revision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses a client-supplied resourceVersion; empty means "none".</summary>
    public static long? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw ApiException.BadRequest($"invalid resourceVersion \"{text}\": expected a value returned by this server");
        }
        return value;
    }
}
