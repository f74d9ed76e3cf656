using System.Globalization;

namespace MiniKube.ApiServer;

/// <summary>One sample of a pod's own metrics: name, labels and value.</summary>
internal sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, decimal Value);

/// <summary>
/// The sample lines of the Prometheus text exposition format (version 0.0.4), what pods expose on <c>/metrics</c>:
/// <c>name{label="value",...} value [timestamp]</c>. Comments (<c># HELP</c>, <c># TYPE</c>) and blank lines are skipped,
/// as are lines that do not parse and non-finite values (NaN, ±Inf), so one bad line does not lose the others.
/// </summary>
internal static class PrometheusText
{
    public static List<MetricSample> Parse(string text)
    {
        var samples = new List<MetricSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            if (TryParseLine(line, out var sample))
            {
                samples.Add(sample);
            }
        }
        return samples;
    }

    private static bool TryParseLine(string line, out MetricSample sample)
    {
        sample = null!;
        var i = 0;
        while (i < line.Length && IsNameChar(line[i], i == 0))
        {
            i++;
        }
        if (i == 0)
        {
            return false;
        }
        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{' && !TryParseLabels(line, ref i, labels))
        {
            return false;
        }
        var rest = line[i..].Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is 0 or > 2 || !double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
            || Math.Abs(value) > 1e15)
        {
            return false;
        }
        sample = new MetricSample(name, labels, (decimal)value);
        return true;
    }

    /// <summary>Parses <c>{a="x",b="y"}</c> starting at the brace; leaves <paramref name="i"/> after the closing brace.</summary>
    private static bool TryParseLabels(string line, ref int i, Dictionary<string, string> labels)
    {
        i++;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or ',')
            {
                i++;
            }
            if (i >= line.Length)
            {
                return false;
            }
            if (line[i] == '}')
            {
                i++;
                return true;
            }
            var start = i;
            while (i < line.Length && IsNameChar(line[i], i == start) && line[i] != ':')
            {
                i++;
            }
            if (i == start || i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"')
            {
                return false;
            }
            var key = line[start..i];
            i += 2;
            var value = new System.Text.StringBuilder();
            while (i < line.Length && line[i] != '"')
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }
                i++;
            }
            if (i >= line.Length)
            {
                return false;
            }
            i++;
            labels[key] = value.ToString();
        }
    }

    private static bool IsNameChar(char c, bool first) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');
}
