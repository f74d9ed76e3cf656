using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>
/// metav1.Time: RFC 3339 in UTC with whole seconds (<c>2024-05-01T10:00:00Z</c>). Registered globally, so every
/// <see cref="DateTimeOffset"/> field uses it unless marked with <see cref="MicroTimeConverter"/>.
/// Reading accepts any RFC 3339 offset or fraction and normalises to UTC.
/// </summary>
public sealed class TimeConverter : JsonConverter<DateTimeOffset>
{
    public const string WireFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Timestamps.ReadRfc3339(ref reader);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        value.UtcDateTime.TryFormat(buffer, out var written, WireFormat, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}

/// <summary>metav1.MicroTime: RFC 3339 in UTC with six fractional digits (<c>2024-05-01T10:00:00.123456Z</c>).</summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset>
{
    public const string WireFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Timestamps.ReadRfc3339(ref reader);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[40];
        value.UtcDateTime.TryFormat(buffer, out var written, WireFormat, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}

public static class Timestamps
{
    /// <summary>Parses an RFC 3339 timestamp (any offset, optional fraction) into UTC.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length < 20 || text[10] is not ('T' or 't'))
        {
            return false;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return false;
        }
        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>RFC 3339 in UTC with milliseconds (<c>2024-05-01T10:00:00.123Z</c>), as a log query's sinceTime travels.</summary>
    public static string FormatMilliseconds(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ReadRfc3339(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected an RFC 3339 timestamp string");
        }
        var text = reader.GetString();
        return TryParse(text, out var value) ? value : throw new JsonException($"invalid RFC 3339 timestamp \"{text}\"");
    }

    /// <summary>Truncates to whole seconds, the precision a metav1.Time keeps on the wire.</summary>
    public static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>Truncates to microseconds, the precision a metav1.MicroTime keeps on the wire.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}
