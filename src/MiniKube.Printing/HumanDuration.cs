using System.Globalization;

namespace MiniKube.Printing;

/// <summary>
/// Renders ages the way kubectl does: precise while short (<c>5s</c>, <c>2m3s</c>), coarser as they grow
/// (<c>45m</c>, <c>3h2m</c>, <c>20h</c>, <c>2d5h</c>, <c>12d</c>, <c>2y30d</c>).
/// </summary>
public static class HumanDuration
{
    public const string Unknown = "<unknown>";

    /// <summary>Age of <paramref name="timestamp"/> at <paramref name="now"/>; <c>&lt;unknown&gt;</c> when absent.</summary>
    public static string Since(DateTimeOffset? timestamp, DateTimeOffset now) =>
        timestamp is { } t ? Format(now - t) : Unknown;

    public static string Format(TimeSpan duration)
    {
        // Clocks of client and server may differ a little: up to a second in the future still reads as now.
        var totalSeconds = (long)duration.TotalSeconds;
        if (totalSeconds < -1)
        {
            return "<invalid>";
        }
        if (totalSeconds < 0)
        {
            return "0s";
        }
        if (totalSeconds < 120)
        {
            return Invariant($"{totalSeconds}s");
        }
        var minutes = totalSeconds / 60;
        if (minutes < 10)
        {
            var seconds = totalSeconds % 60;
            return seconds == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{seconds}s");
        }
        if (minutes < 180)
        {
            return Invariant($"{minutes}m");
        }
        var hours = minutes / 60;
        if (hours < 8)
        {
            var restMinutes = minutes % 60;
            return restMinutes == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{restMinutes}m");
        }
        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }
        var days = hours / 24;
        if (hours < 24 * 8)
        {
            var restHours = hours % 24;
            return restHours == 0 ? Invariant($"{days}d") : Invariant($"{days}d{restHours}h");
        }
        if (days < 365 * 2)
        {
            return Invariant($"{days}d");
        }
        var years = days / 365;
        if (years < 8)
        {
            var restDays = days % 365;
            return restDays == 0 ? Invariant($"{years}y") : Invariant($"{years}y{restDays}d");
        }
        return Invariant($"{years}y");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
