using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>How a <see cref="Quantity"/> is written when it has no original text (e.g. after arithmetic).</summary>
public enum QuantityFormat
{
    /// <summary>n u m "" k M G T P E — e.g. <c>250m</c>, <c>2k</c>.</summary>
    DecimalSI,
    /// <summary>Ki Mi Gi Ti Pi Ei — e.g. <c>128Mi</c>.</summary>
    BinarySI,
    /// <summary>Powers of ten written as exponents — e.g. <c>1e3</c>.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity (<c>500m</c>, <c>128Mi</c>, <c>1e3</c>, <c>0.1</c>). The amount is held as an
/// exact decimal, rounded away from zero to nano units as Kubernetes does, so <c>100m</c> equals <c>0.1</c> and
/// <c>1Gi</c> is greater than <c>1G</c> without floating-point surprises. The text the user wrote is kept so a
/// manifest reads back the way it was written.
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly struct Quantity : IEquatable<Quantity>, IComparable<Quantity>, IComparable
{
    /// <summary>The message Kubernetes gives for text that is not a quantity at all.</summary>
    public const string FormatErrorMessage =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    public const string SuffixErrorMessage = "unable to parse quantity's suffix";

    private const string SuffixChars = "eEinumkKMGTP";
    private static readonly decimal Nano = 0.000000001m;

    private readonly decimal _amount;
    private readonly string? _text;

    private Quantity(decimal amount, QuantityFormat format, string? text)
    {
        _amount = amount;
        Format = format;
        _text = text;
    }

    public static Quantity Zero => default;

    /// <summary>The exact amount in base units (cores, bytes, …).</summary>
    public decimal Amount => _amount;

    public QuantityFormat Format { get; }

    public bool IsZero => _amount == 0m;

    public int Sign => Math.Sign(_amount);

    /// <summary>The amount in thousandths, rounded away from zero (as Kubernetes' MilliValue does).</summary>
    public long MilliValue => RoundAwayFromZeroToLong(_amount * 1000m);

    /// <summary>The amount in whole units, rounded away from zero (Kubernetes' Value: <c>1.5</c> → 2).</summary>
    public long Value => RoundAwayFromZeroToLong(_amount);

    public double ToDouble() => (double)_amount;

    /// <summary>A computed quantity; it prints in the canonical form of <paramref name="format"/>.</summary>
    public static Quantity FromDecimal(decimal amount, QuantityFormat format = QuantityFormat.DecimalSI) =>
        new(RoundUpToNano(amount), format, null);

    public static Quantity FromMilli(long milli) => new(milli / 1000m, QuantityFormat.DecimalSI, null);

    public static Quantity FromValue(long value, QuantityFormat format = QuantityFormat.DecimalSI) => new(value, format, null);

    public static Quantity FromBytes(long bytes) => new(bytes, QuantityFormat.BinarySI, null);

    public static Quantity Parse(string text) =>
        TryParseCore(text, out var q, out var error) ? q : throw new FormatException(error);

    public static bool TryParse(string? text, out Quantity quantity) => TryParseCore(text, out quantity, out _);

    /// <summary>Like <see cref="TryParse"/> but says why the text was rejected, in Kubernetes' words.</summary>
    public static bool TryParse(string? text, out Quantity quantity, out string? error) => TryParseCore(text, out quantity, out error);

    public Quantity Add(Quantity other) => new(_amount + other._amount, Format, null);

    public Quantity Subtract(Quantity other) => new(_amount - other._amount, Format, null);

    public Quantity Negate() => new(-_amount, Format, null);

    /// <summary>Scales by an integer factor (e.g. per-pod request × replicas).</summary>
    public Quantity Multiply(long factor) => new(_amount * factor, Format, null);

    public static Quantity operator +(Quantity a, Quantity b) => a.Add(b);

    public static Quantity operator -(Quantity a, Quantity b) => a.Subtract(b);

    public static Quantity operator -(Quantity a) => a.Negate();

    public static bool operator ==(Quantity a, Quantity b) => a._amount == b._amount;

    public static bool operator !=(Quantity a, Quantity b) => a._amount != b._amount;

    public static bool operator <(Quantity a, Quantity b) => a._amount < b._amount;

    public static bool operator >(Quantity a, Quantity b) => a._amount > b._amount;

    public static bool operator <=(Quantity a, Quantity b) => a._amount <= b._amount;

    public static bool operator >=(Quantity a, Quantity b) => a._amount >= b._amount;

    public int CompareTo(Quantity other) => _amount.CompareTo(other._amount);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        Quantity q => CompareTo(q),
        _ => throw new ArgumentException("Object must be a Quantity.", nameof(obj)),
    };

    // Equality is by amount only: "100m" and "0.1" are the same quantity however they were written.
    public bool Equals(Quantity other) => _amount == other._amount;

    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);

    public override int GetHashCode() => _amount.GetHashCode();

    /// <summary>The text as written by the user, or the canonical form for computed values.</summary>
    public override string ToString() => _text ?? ToCanonicalString();

    /// <summary>Kubernetes' canonical spelling: the largest suffix that keeps the number whole (<c>0.25</c> → <c>250m</c>, 1073741824 bytes → <c>1Gi</c>).</summary>
    public string ToCanonicalString()
    {
        if (_amount == 0m)
        {
            return "0";
        }
        if (Format == QuantityFormat.BinarySI && decimal.Truncate(_amount) == _amount && Math.Abs(_amount) >= 1024m)
        {
            return FormatBinary(_amount);
        }
        return FormatDecimal(_amount, Format == QuantityFormat.DecimalExponent);
    }

    private static string FormatBinary(decimal amount)
    {
        ReadOnlySpan<string> suffixes = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        for (var i = suffixes.Length - 1; i >= 0; i--)
        {
            var unit = (decimal)(1L << (10 * (i + 1)));
            if (decimal.Remainder(amount, unit) == 0m)
            {
                return (amount / unit).ToString("0", CultureInfo.InvariantCulture) + suffixes[i];
            }
        }
        return amount.ToString("0", CultureInfo.InvariantCulture);
    }

    private static string FormatDecimal(decimal amount, bool exponent)
    {
        // Largest power of 1000 (from nano up to exa) that leaves a whole mantissa.
        for (var e = 18; e >= -9; e -= 3)
        {
            var unit = Pow10(e);
            var mantissa = amount / unit;
            if (decimal.Truncate(mantissa) == mantissa)
            {
                var digits = mantissa.ToString("0", CultureInfo.InvariantCulture);
                if (e == 0)
                {
                    return digits;
                }
                return exponent ? digits + "e" + e.ToString(CultureInfo.InvariantCulture) : digits + DecimalSuffix(e);
            }
        }
        // Unreachable: amounts are rounded to nano units on the way in.
        return amount.ToString(CultureInfo.InvariantCulture);
    }

    private static string DecimalSuffix(int exponent) => exponent switch
    {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "",
    };

    private static decimal Pow10(int e)
    {
        var result = 1m;
        if (e >= 0)
        {
            for (var i = 0; i < e; i++)
            {
                result *= 10m;
            }
        }
        else
        {
            for (var i = 0; i < -e; i++)
            {
                result /= 10m;
            }
        }
        return result;
    }

    private static long RoundAwayFromZeroToLong(decimal value)
    {
        var rounded = value >= 0 ? decimal.Ceiling(value) : decimal.Floor(value);
        if (rounded > long.MaxValue)
        {
            return long.MaxValue;
        }
        return rounded < long.MinValue ? long.MinValue : (long)rounded;
    }

    private static decimal RoundUpToNano(decimal value)
    {
        if (value.Scale <= 9)
        {
            return value;
        }
        var truncated = Math.Round(value, 9, MidpointRounding.ToZero);
        return truncated == value ? truncated : truncated + (value > 0 ? Nano : -Nano);
    }

    private static bool TryParseCore(string? text, out Quantity quantity, out string? error)
    {
        quantity = default;
        error = FormatErrorMessage;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        // Numeric part: [+-]? digits [. digits]; at least one digit.
        var i = 0;
        if (text[0] is '+' or '-')
        {
            i++;
        }
        var digitCount = 0;
        var dots = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            if (text[i] == '.')
            {
                dots++;
            }
            else
            {
                digitCount++;
            }
            i++;
        }
        if (digitCount == 0)
        {
            return false;
        }
        var number = text.AsSpan(0, i);
        var suffix = text.AsSpan(i);

        // Whole-text shape check, mirroring the regular expression in the error message.
        var j = 0;
        while (j < suffix.Length && SuffixChars.Contains(suffix[j], StringComparison.Ordinal))
        {
            j++;
        }
        if (j < suffix.Length && suffix[j] is '+' or '-')
        {
            j++;
        }
        while (j < suffix.Length && char.IsAsciiDigit(suffix[j]))
        {
            j++;
        }
        if (j != suffix.Length)
        {
            return false;
        }
        if (dots > 1)
        {
            error = "unable to parse numeric part of quantity";
            return false;
        }

        if (!TryParseSuffix(suffix, out var radix, out var exponent, out var format))
        {
            error = SuffixErrorMessage;
            return false;
        }
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var mantissa))
        {
            error = "unable to parse numeric part of quantity";
            return false;
        }

        decimal amount;
        try
        {
            amount = Scale(mantissa, radix, exponent);
        }
        catch (OverflowException)
        {
            error = "quantity is too large";
            return false;
        }

        var rounded = RoundUpToNano(amount);
        // A value that had to be rounded no longer matches what was written, so it prints canonically.
        var kept = rounded == amount ? text : null;
        quantity = new Quantity(rounded, format, kept);
        error = null;
        return true;
    }

    private static decimal Scale(decimal mantissa, int radix, int exponent)
    {
        if (exponent == 0 || mantissa == 0m)
        {
            return mantissa;
        }
        if (radix == 2)
        {
            return mantissa * (1L << exponent);
        }
        if (exponent > 0)
        {
            return exponent > 28 ? throw new OverflowException() : checked(mantissa * Pow10(exponent));
        }
        // Anything smaller than a nano unit rounds up to one nano unit below.
        return exponent < -20 ? mantissa.CompareTo(0m) * 0.0000000001m : mantissa * Pow10(exponent);
    }

    private static bool TryParseSuffix(ReadOnlySpan<char> suffix, out int radix, out int exponent, out QuantityFormat format)
    {
        radix = 10;
        exponent = 0;
        format = QuantityFormat.DecimalSI;
        switch (suffix)
        {
            case "":
                return true;
            case "n": exponent = -9; return true;
            case "u": exponent = -6; return true;
            case "m": exponent = -3; return true;
            case "k": exponent = 3; return true;
            case "M": exponent = 6; return true;
            case "G": exponent = 9; return true;
            case "T": exponent = 12; return true;
            case "P": exponent = 15; return true;
            case "E": exponent = 18; return true;
        }
        if (suffix.Length == 2 && suffix[1] == 'i')
        {
            var index = "KMGTPE".IndexOf(suffix[0], StringComparison.Ordinal);
            if (index >= 0)
            {
                radix = 2;
                exponent = 10 * (index + 1);
                format = QuantityFormat.BinarySI;
                return true;
            }
            return false;
        }
        if (suffix.Length >= 2 && suffix[0] is 'e' or 'E')
        {
            var rest = suffix[1..];
            var start = rest[0] is '+' or '-' ? 1 : 0;
            if (rest.Length > start && int.TryParse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                format = QuantityFormat.DecimalExponent;
                return true;
            }
        }
        return false;
    }
}

/// <summary>Reads a quantity from a JSON string or number (<c>cpu: 1</c> and <c>cpu: "500m"</c>); always writes a string.</summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string text;
        if (reader.TokenType == JsonTokenType.String)
        {
            text = reader.GetString()!;
        }
        else if (reader.TokenType == JsonTokenType.Number)
        {
            // The raw token keeps the user's spelling ("1.50", "1e3").
            text = reader.HasValueSequence
                ? Encoding.UTF8.GetString(reader.ValueSequence)
                : Encoding.UTF8.GetString(reader.ValueSpan);
        }
        else
        {
            throw new JsonException("expected a quantity string or number");
        }
        return Quantity.TryParse(text, out var q, out var error) ? q : throw new JsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());

    public override Quantity ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Quantity.TryParse(reader.GetString(), out var q, out var error) ? q : throw new JsonException(error);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value.ToString());
}
