using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>
/// A field that holds either an integer or a string (intstr.IntOrString): a port number or a port name,
/// or an absolute count or a percentage such as <c>"25%"</c>.
/// </summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public readonly struct IntOrString : IEquatable<IntOrString>
{
    private readonly string? _string;
    private readonly int _int;

    private IntOrString(int value, string? text)
    {
        _int = value;
        _string = text;
    }

    public static IntOrString FromInt(int value) => new(value, null);

    public static IntOrString FromString(string value) => new(0, value ?? throw new ArgumentNullException(nameof(value)));

    public static implicit operator IntOrString(int value) => FromInt(value);

    public static implicit operator IntOrString(string value) => FromString(value);

    public bool IsString => _string is not null;

    public bool IsInt => _string is null;

    /// <summary>The integer; 0 when this holds a string.</summary>
    public int IntValue => _int;

    /// <summary>The string, or the integer written in decimal.</summary>
    public string StringValue => _string ?? _int.ToString(CultureInfo.InvariantCulture);

    public bool IsPercent => _string is not null && _string.EndsWith('%');

    /// <summary>
    /// Resolves an absolute value or a percentage of <paramref name="total"/>. Deployments round maxSurge up
    /// and maxUnavailable down, so the caller picks the direction.
    /// </summary>
    /// <exception cref="FormatException">The string is not a percentage.</exception>
    public int GetScaledValue(int total, bool roundUp) =>
        TryGetScaledValue(total, roundUp, out var value, out var error) ? value : throw new FormatException(error);

    public bool TryGetScaledValue(int total, bool roundUp, out int value, out string? error)
    {
        value = 0;
        error = null;
        if (_string is null)
        {
            value = _int;
            return true;
        }
        if (!IsPercent || !int.TryParse(_string.AsSpan(0, _string.Length - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var percent))
        {
            error = $"invalid value for IntOrString: invalid type: string is not a percentage: \"{_string}\"";
            return false;
        }
        var product = (long)percent * total;
        var quotient = Math.DivRem(product, 100L, out var remainder);
        if (remainder != 0)
        {
            // DivRem truncates toward zero; nudge to the requested direction.
            if (roundUp && product > 0)
            {
                quotient++;
            }
            else if (!roundUp && product < 0)
            {
                quotient--;
            }
        }
        value = (int)Math.Clamp(quotient, int.MinValue, int.MaxValue);
        return true;
    }

    public bool Equals(IntOrString other) => _int == other._int && string.Equals(_string, other._string, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is IntOrString other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_int, _string);

    public static bool operator ==(IntOrString a, IntOrString b) => a.Equals(b);

    public static bool operator !=(IntOrString a, IntOrString b) => !a.Equals(b);

    public override string ToString() => StringValue;
}

public sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => IntOrString.FromString(reader.GetString()!),
        JsonTokenType.Number when reader.TryGetInt32(out var i) => IntOrString.FromInt(i),
        _ => throw new JsonException("expected an integer or a string"),
    };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.IsString)
        {
            writer.WriteStringValue(value.StringValue);
        }
        else
        {
            writer.WriteNumberValue(value.IntValue);
        }
    }
}
