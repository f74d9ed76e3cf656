using System.Globalization;
using System.Text.RegularExpressions;

namespace MiniKube.Controllers;

/// <summary>Go-style durations as Kubernetes flags take them: <c>40s</c>, <c>5m</c>, <c>1m30s</c>, <c>500ms</c>, <c>1.5h</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (text == "0")
        {
            return true;
        }
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            return false;
        }
        foreach (Match m in matches)
        {
            var amount = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
        }
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 != 0 ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : value.TotalSeconds % 60 != 0 || value == TimeSpan.Zero ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : value.TotalMinutes % 60 != 0 ? $"{value.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : $"{value.TotalHours.ToString(CultureInfo.InvariantCulture)}h";

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
