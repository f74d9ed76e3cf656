using System.Globalization;

namespace MiniKube.Api;

/// <summary>
/// Durations written the way Go's <c>time.ParseDuration</c> reads them, as every Kubernetes flag and configuration file
/// does: an optional sign, then one or more decimal numbers each with a unit (<c>ns</c>, <c>us</c>/<c>µs</c>, <c>ms</c>,
/// <c>s</c>, <c>m</c>, <c>h</c>), such as <c>300ms</c>, <c>-1.5h</c>, <c>2h45m</c>; <c>0</c> is the only number without a unit.
/// </summary>
public static class GoDuration
{
    private const long NanosecondsPerTick = 100;

    /// <summary>Go's <c>time.ParseDuration</c>: false for text it refuses, including durations beyond its ±292 years.
    /// Precision below a <see cref="TimeSpan"/> tick (100 ns) is dropped.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text is null)
        {
            return false;
        }
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s is "0")
        {
            return true;
        }
        if (s.IsEmpty)
        {
            return false;
        }
        decimal nanoseconds = 0;
        while (!s.IsEmpty)
        {
            var digits = 0;
            while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            {
                digits++;
            }
            var number = s[..digits];
            s = s[digits..];
            var fraction = ReadOnlySpan<char>.Empty;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                var fractionDigits = 0;
                while (fractionDigits < s.Length && char.IsAsciiDigit(s[fractionDigits]))
                {
                    fractionDigits++;
                }
                fraction = s[..fractionDigits];
                s = s[fractionDigits..];
            }
            if (number.IsEmpty && fraction.IsEmpty)
            {
                return false;
            }
            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }
            if (unitLength == 0 || UnitNanoseconds(s[..unitLength]) is not { } unit)
            {
                return false;
            }
            s = s[unitLength..];
            if (!TryAmount(number, fraction, out var amount) || amount > long.MaxValue / (decimal)unit)
            {
                return false;
            }
            nanoseconds += decimal.Round(amount * unit, MidpointRounding.AwayFromZero);
            if (nanoseconds > long.MaxValue)
            {
                return false;
            }
        }
        var ticks = (long)(nanoseconds / NanosecondsPerTick);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>
    /// The value of a duration flag; text that is not a Go duration adds the one problem every component reports for it
    /// (<c>--sync-period "10" is not a duration such as 500ms, 10s or 5m</c>) and gives zero.
    /// </summary>
    public static TimeSpan ParseFlag(string flag, string? text, ICollection<string> problems)
    {
        if (TryParse(text, out var value))
        {
            return value;
        }
        problems.Add($"{flag} \"{text}\" is not a duration such as 500ms, 10s or 5m");
        return TimeSpan.Zero;
    }

    /// <summary>The duration in its largest whole unit (<c>40s</c>, <c>5m</c>, <c>250ms</c>, <c>1.5h</c> is <c>90m</c>),
    /// which <see cref="TryParse"/> reads back to the same value.</summary>
    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 != 0 ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : value.TotalSeconds % 60 != 0 || value == TimeSpan.Zero ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : value.TotalMinutes % 60 != 0 ? $"{value.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : $"{value.TotalHours.ToString(CultureInfo.InvariantCulture)}h";

    /// <summary>
    /// Go's <c>time.Duration.String()</c>, the form a <c>metav1.Duration</c> takes on the wire (<c>15s</c>, <c>1m30.5s</c>,
    /// <c>500ms</c>, <c>2h0m0s</c>): what metrics.k8s.io's <c>window</c> carries.
    /// </summary>
    public static string ToGoString(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        var sign = duration < TimeSpan.Zero ? "-" : "";
        duration = duration.Duration();
        if (duration < TimeSpan.FromSeconds(1))
        {
            return sign + (duration.Ticks / 10_000m).ToString("0.####", CultureInfo.InvariantCulture) + "ms";
        }
        var hours = (long)duration.TotalHours;
        var minutes = duration.Minutes;
        var seconds = duration.Seconds + (duration.Ticks % TimeSpan.TicksPerSecond) / (decimal)TimeSpan.TicksPerSecond;
        var secondsText = seconds.ToString("0.#######", CultureInfo.InvariantCulture) + "s";
        return hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{hours}h{minutes}m{secondsText}")
            : minutes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{minutes}m{secondsText}")
            : sign + secondsText;
    }

    private static long? UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00b5s" or "\u03bcs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => null,
    };

    private static bool TryAmount(ReadOnlySpan<char> number, ReadOnlySpan<char> fraction, out decimal amount)
    {
        amount = 0;
        // Go overflows past 2^63 ns (about 292 years); more digits than that can only overflow too.
        if (number.Length > 20)
        {
            return false;
        }
        if (!number.IsEmpty)
        {
            amount = decimal.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        // Digits past the 20th cannot change the result by a nanosecond of any unit.
        fraction = fraction.Length > 20 ? fraction[..20] : fraction;
        if (!fraction.IsEmpty)
        {
            amount += decimal.Parse(fraction, NumberStyles.None, CultureInfo.InvariantCulture) / Pow10(fraction.Length);
        }
        return true;
    }

    private static decimal Pow10(int n)
    {
        decimal result = 1;
        for (var i = 0; i < n; i++)
        {
            result *= 10;
        }
        return result;
    }
}
