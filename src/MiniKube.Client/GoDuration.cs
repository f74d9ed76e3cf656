using System.Globalization;

namespace MiniKube.Client;

/// <summary>Go-style durations on command lines (250ms, 10s, 5m, 1h, 1m30s), shared by the components' flags.</summary>
public static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var rest = text.Trim();
        if (rest.Length == 0)
        {
            return false;
        }
        while (rest.Length > 0)
        {
            var i = 0;
            while (i < rest.Length && (char.IsAsciiDigit(rest[i]) || rest[i] == '.'))
            {
                i++;
            }
            if (i == 0 || !double.TryParse(rest[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            rest = rest[i..];
            var unit = rest.StartsWith("ms", StringComparison.Ordinal) ? "ms" : rest.Length > 0 ? rest[..1] : "";
            if (unit is not ("ms" or "s" or "m" or "h"))
            {
                return false;
            }
            value += unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromHours(number),
            };
            rest = rest[unit.Length..];
        }
        return true;
    }
}
