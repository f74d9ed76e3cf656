using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// Turns a <c>application/vnd.kubernetes.protobuf</c> request body — kubectl's generator subcommands (<c>create
/// deployment</c>, <c>create namespace</c>, <c>create secret</c> …) and client-go's typed clients send them — into the
/// JSON the rest of the API server takes. The body is the magic <c>k8s\0</c> and a runtime.Unknown whose typeMeta names
/// the kind and whose raw is the object's message.
/// </summary>
internal static class KubernetesProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    // Go's protobuf leaves every field in the message, set or not; a zero is "unset" except in these pointer fields,
    // where Kubernetes' JSON keeps it (replicas: 0 is a choice).
    private static readonly HashSet<string> ZeroMeans = new(StringComparer.Ordinal)
    {
        "replicas", "minReplicas", "revisionHistoryLimit", "progressDeadlineSeconds", "parallelism", "completions", "backoffLimit",
        "backoffLimitPerIndex", "maxFailedIndexes", "ttlSecondsAfterFinished", "activeDeadlineSeconds", "terminationGracePeriodSeconds",
        "deletionGracePeriodSeconds", "gracePeriodSeconds", "defaultMode", "mode", "runAsUser", "runAsGroup", "fsGroup",
        "immutable", "optional", "suspend", "manualSelector", "enableServiceLinks", "automountServiceAccountToken", "hostUsers",
        "allowPrivilegeEscalation", "privileged", "readOnlyRootFilesystem", "runAsNonRoot", "publishNotReadyAddresses",
        "allocateLoadBalancerNodePorts", "ready", "serving", "terminating",
    };

    /// <summary>Seconds of Go's zero time (year 1), which a Time that was never set carries.</summary>
    private const long ZeroTimeSeconds = -62135596800;

    public static bool IsProtobuf(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The body as Kubernetes' JSON for the same object; 415 for a kind MiniKube has no schema for, 400 when the bytes are not such a body.</summary>
    public static byte[] ToJson(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("the protobuf body does not start with Kubernetes' k8s\\0 envelope");
        }
        try
        {
            var (apiVersion, kind, raw, encoding) = ReadEnvelope(body[Magic.Length..].ToArray());
            if (encoding.Length > 0)
            {
                throw ApiException.UnsupportedMediaType($"the protobuf body's contentEncoding \"{encoding}\" is not supported");
            }
            if (WireSchema.MessageOf(apiVersion, kind) is not { } message)
            {
                throw ApiException.UnsupportedMediaType(
                    $"this server has no protobuf schema for {apiVersion} {kind}: send it as application/json (kubectl create -f or apply -f with a manifest)");
            }
            var output = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartObject();
                writer.WriteString("apiVersion", apiVersion);
                writer.WriteString("kind", kind);
                WriteFields(writer, message, new CodedInputStream(raw));
                writer.WriteEndObject();
            }
            return output.WrittenSpan.ToArray();
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw ApiException.BadRequest("the protobuf body could not be decoded: " + ex.Message);
        }
    }

    private static (string ApiVersion, string Kind, byte[] Raw, string Encoding) ReadEnvelope(byte[] unknown)
    {
        string apiVersion = "", kind = "", encoding = "";
        byte[] raw = [];
        var input = new CodedInputStream(unknown);
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    var typeMeta = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (typeMeta.ReadTag() is var t and not 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(t))
                        {
                            case 1: apiVersion = typeMeta.ReadString(); break;
                            case 2: kind = typeMeta.ReadString(); break;
                            default: typeMeta.SkipLastField(); break;
                        }
                    }
                    break;
                case 2: raw = input.ReadBytes().ToByteArray(); break;
                case 3: encoding = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        if (kind.Length == 0 || apiVersion.Length == 0)
        {
            throw ApiException.BadRequest("the protobuf body's typeMeta names no apiVersion and kind");
        }
        return (apiVersion, kind, raw, encoding);
    }

    /// <summary>Writes the message's fields (without braces), in field-number order of their first appearance, each once:
    /// a repeated field's values gathered into one array, a later singular value replacing an earlier one.</summary>
    private static void WriteFields(Utf8JsonWriter writer, string message, CodedInputStream input)
    {
        var schema = WireSchema.Find(message) ?? throw new InvalidOperationException($"wire-schema.txt names {message} but does not define it");
        var values = new Dictionary<int, List<object>>();
        var order = new List<int>();
        while (input.ReadTag() is var tag and not 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            if (!schema.TryGetValue(number, out var field))
            {
                // A field newer than this server's schema: Kubernetes' own decoder skips those too.
                input.SkipLastField();
                continue;
            }
            if (!values.TryGetValue(number, out var list))
            {
                values[number] = list = [];
                order.Add(number);
            }
            if (!field.Repeated && !field.Map)
            {
                list.Clear();
            }
            ReadValues(input, tag, field, list);
        }
        foreach (var number in order)
        {
            var field = schema[number];
            var list = values[number];
            if (field.Map)
            {
                writer.WriteStartObject(field.JsonName);
                foreach (var entry in list.Cast<byte[]>())
                {
                    WriteMapEntry(writer, field.Type, entry);
                }
                writer.WriteEndObject();
            }
            else if (field.Repeated)
            {
                writer.WriteStartArray(field.JsonName);
                foreach (var value in list)
                {
                    WriteValue(writer, field.Type, value);
                }
                writer.WriteEndArray();
            }
            else if (!IsUnset(field, list[0]))
            {
                writer.WritePropertyName(field.JsonName);
                WriteValue(writer, field.Type, list[0]);
            }
        }
    }

    private static void ReadValues(CodedInputStream input, uint tag, WireField field, List<object> into)
    {
        var wire = WireFormat.GetTagWireType(tag);
        if (wire == WireFormat.WireType.LengthDelimited && !IsLengthDelimited(field))
        {
            // A packed repeated scalar: many values in one length-delimited run.
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                into.Add(ReadScalar(packed, field.Type));
            }
            return;
        }
        into.Add(IsLengthDelimited(field) ? input.ReadBytes().ToByteArray() : ReadScalar(input, field.Type));
    }

    private static bool IsLengthDelimited(WireField field) =>
        field.Map || field.Type is not ("bool" or "int32" or "int64" or "uint32" or "uint64" or "sint32" or "sint64" or "double" or "float");

    private static object ReadScalar(CodedInputStream input, string type) => type switch
    {
        "bool" => input.ReadBool(),
        "int32" => (long)input.ReadInt32(),
        "int64" => input.ReadInt64(),
        "uint32" => (long)input.ReadUInt32(),
        "uint64" => (long)input.ReadUInt64(),
        "sint32" => (long)input.ReadSInt32(),
        "sint64" => input.ReadSInt64(),
        "double" => input.ReadDouble(),
        "float" => (double)input.ReadFloat(),
        _ => throw new InvalidOperationException($"wire-schema.txt: {type} is not a scalar type"),
    };

    private static bool IsUnset(WireField field, object value)
    {
        if (ZeroMeans.Contains(field.JsonName))
        {
            return false;
        }
        return value switch
        {
            bool b => !b,
            long n => n == 0,
            double d => d == 0,
            byte[] bytes => field.Type switch
            {
                "string" or "bytes" => bytes.Length == 0,
                "time" => IsZeroTime(bytes),
                "intorstring" => IsZeroIntOrString(bytes),
                "quantity" or "raw" or "duration" => bytes.Length == 0,
                _ => false, // a message that is there stays, {} included, as Go's JSON writes a struct field
            },
            _ => false,
        };
    }

    private static void WriteValue(Utf8JsonWriter writer, string type, object value)
    {
        switch (value)
        {
            case bool b: writer.WriteBooleanValue(b); return;
            case long n: writer.WriteNumberValue(n); return;
            case double d: writer.WriteNumberValue(d); return;
        }
        var bytes = (byte[])value;
        switch (type)
        {
            case "string": writer.WriteStringValue(System.Text.Encoding.UTF8.GetString(bytes)); break;
            case "bytes": writer.WriteBase64StringValue(bytes); break;
            case "time": WriteTime(writer, bytes); break;
            case "quantity": writer.WriteStringValue(SingleString(bytes, 1)); break;
            case "intorstring": WriteIntOrString(writer, bytes); break;
            case "raw": WriteRaw(writer, bytes); break;
            case "duration": writer.WriteStringValue(GoDuration.ToGoString(TimeSpan.FromTicks(SingleVarint(bytes, 1) / 100))); break;
            default:
                writer.WriteStartObject();
                WriteFields(writer, type, new CodedInputStream(bytes));
                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteMapEntry(Utf8JsonWriter writer, string valueType, byte[] entry)
    {
        var input = new CodedInputStream(entry);
        string key = "";
        object? value = null;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: key = input.ReadString(); break;
                case 2:
                    var holder = new List<object>(1);
                    ReadValues(input, tag, new WireField("", valueType, false, false), holder);
                    value = holder[0];
                    break;
                default: input.SkipLastField(); break;
            }
        }
        writer.WritePropertyName(key);
        if (value is null)
        {
            // A map entry with no value is the value type's zero.
            WriteValue(writer, valueType, IsLengthDelimited(new WireField("", valueType, false, false)) ? Array.Empty<byte>() : ZeroOf(valueType));
        }
        else
        {
            WriteValue(writer, valueType, value);
        }
    }

    private static object ZeroOf(string type) => type switch
    {
        "bool" => false,
        "double" or "float" => 0d,
        _ => 0L,
    };

    private static (long Seconds, long Nanos) ReadTime(byte[] bytes) => (SingleVarint(bytes, 1), SingleVarint(bytes, 2));

    private static bool IsZeroTime(byte[] bytes)
    {
        var (seconds, nanos) = ReadTime(bytes);
        return (seconds == ZeroTimeSeconds || seconds == 0) && nanos == 0;
    }

    private static void WriteTime(Utf8JsonWriter writer, byte[] bytes)
    {
        var (seconds, nanos) = ReadTime(bytes);
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        writer.WriteStringValue(time.UtcDateTime.ToString(nanos == 0 ? TimeConverter.WireFormat : MicroTimeConverter.WireFormat,
            System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool IsZeroIntOrString(byte[] bytes) => SingleVarint(bytes, 1) == 0 ? SingleVarint(bytes, 2) == 0 : SingleString(bytes, 3).Length == 0;

    private static void WriteIntOrString(Utf8JsonWriter writer, byte[] bytes)
    {
        if (SingleVarint(bytes, 1) == 0)
        {
            writer.WriteNumberValue(SingleVarint(bytes, 2));
        }
        else
        {
            writer.WriteStringValue(SingleString(bytes, 3));
        }
    }

    private static void WriteRaw(Utf8JsonWriter writer, byte[] bytes)
    {
        var raw = SingleBytes(bytes, 1);
        if (raw.Length == 0)
        {
            writer.WriteNullValue();
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(raw);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest("an embedded object in the protobuf body is not JSON: " + ex.Message);
        }
    }

    private static long SingleVarint(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        long value = 0;
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                value = input.ReadInt64();
            }
            else
            {
                input.SkipLastField();
            }
        }
        return value;
    }

    private static byte[] SingleBytes(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        byte[] value = [];
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                value = input.ReadBytes().ToByteArray();
            }
            else
            {
                input.SkipLastField();
            }
        }
        return value;
    }

    private static string SingleString(byte[] message, int number) => System.Text.Encoding.UTF8.GetString(SingleBytes(message, number));
}
