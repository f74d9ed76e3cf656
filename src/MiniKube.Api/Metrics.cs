using System.Globalization;

namespace MiniKube.Api;

/// <summary>
/// metrics.k8s.io/v1beta1 PodMetrics: the latest resource usage of one pod's containers, as metrics-server serves it.
/// Served by the API server from its resource metrics pipeline, never stored.
/// </summary>
public sealed record PodMetrics : KubeObject
{
    public PodMetrics()
    {
        ApiVersion = "metrics.k8s.io/v1beta1";
        Kind = "PodMetrics";
    }

    /// <summary>When the usage was sampled (the end of <see cref="Window"/>).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The interval the CPU rate was computed over, as a Go duration (<c>15.002s</c>).</summary>
    public string Window { get; init; } = "";

    public IReadOnlyList<ContainerMetrics> Containers { get; init; } = [];
}

/// <summary>One container's usage: <c>cpu</c> (cores, a rate over the window) and <c>memory</c> (working set bytes).</summary>
public sealed record ContainerMetrics
{
    public string Name { get; init; } = "";

    public IReadOnlyDictionary<string, Quantity> Usage { get; init; } = new Dictionary<string, Quantity>();
}

/// <summary>metrics.k8s.io/v1beta1 NodeMetrics: the usage of one node. Served, never stored.</summary>
public sealed record NodeMetrics : KubeObject
{
    public NodeMetrics()
    {
        ApiVersion = "metrics.k8s.io/v1beta1";
        Kind = "NodeMetrics";
    }

    public DateTimeOffset Timestamp { get; init; }

    public string Window { get; init; } = "";

    public IReadOnlyDictionary<string, Quantity> Usage { get; init; } = new Dictionary<string, Quantity>();
}

/// <summary>Go's <c>time.Duration</c> text form as metav1.Duration carries it (<c>15s</c>, <c>1m0.5s</c>).</summary>
public static class GoDuration
{
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        var sign = duration < TimeSpan.Zero ? "-" : "";
        duration = duration.Duration();
        var hours = (long)duration.TotalHours;
        var minutes = duration.Minutes;
        var seconds = duration.Seconds + (duration.Ticks % TimeSpan.TicksPerSecond) / (decimal)TimeSpan.TicksPerSecond;
        var secondsText = seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        if (hours > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{sign}{hours}h{minutes}m{secondsText}");
        }
        if (minutes > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{sign}{minutes}m{secondsText}");
        }
        if (duration < TimeSpan.FromSeconds(1))
        {
            return sign + (duration.Ticks / 10_000m).ToString("0.####", CultureInfo.InvariantCulture) + "ms";
        }
        return sign + secondsText;
    }

    /// <summary>Parses <c>1h2m3.5s</c>, <c>150ms</c>, <c>15s</c>; null when the text is not a Go duration.</summary>
    public static TimeSpan? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var total = 0m;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            if (start == i || !decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }
            decimal? factor = text[unitStart..i] switch
            {
                "h" => 3600m,
                "m" => 60m,
                "s" => 1m,
                "ms" => 0.001m,
                "us" or "µs" => 0.000001m,
                "ns" => 0.000000001m,
                _ => null,
            };
            if (factor is null)
            {
                return null;
            }
            total += value * factor.Value;
        }
        return TimeSpan.FromTicks((long)(total * TimeSpan.TicksPerSecond));
    }
}
