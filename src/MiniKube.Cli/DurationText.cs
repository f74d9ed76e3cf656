using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Cli;

/// <summary>Durations as kubectl accepts them for <c>--request-timeout</c> and <c>--timeout</c>: a whole number of seconds
/// (<c>0</c>, <c>30</c>) or a Go duration (<see cref="GoDuration"/>: <c>5s</c>, <c>1m30s</c>, <c>500ms</c>, <c>2h</c>).</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        return GoDuration.TryParse(text, out duration);
    }
}
