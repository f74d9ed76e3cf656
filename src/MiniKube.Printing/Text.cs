using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary>Small renderings shared by tables and describe output.</summary>
public static class Text
{
    public const string None = "<none>";

    public static string OrNone(string? value, bool allowEmpty = false) =>
        value is null || (!allowEmpty && value.Length == 0) ? None : value;

    /// <summary><c>a=1,b=2</c>, sorted by key; <c>&lt;none&gt;</c> when empty.</summary>
    public static string Labels(IReadOnlyDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? None
            : string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>A label selector as kubectl prints it (<c>app=web,tier in (a,b)</c>); <c>&lt;none&gt;</c> when empty.</summary>
    public static string Selector(LabelSelector? selector)
    {
        if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
        {
            return None;
        }
        try
        {
            return Api.Selector.FromLabelSelector(selector).ToString();
        }
        catch (FormatException)
        {
            return "<error>";
        }
    }

    public static string Int(int? value) => (value ?? 0).ToString(CultureInfo.InvariantCulture);

    public static string Int(long? value) => (value ?? 0).ToString(CultureInfo.InvariantCulture);

    /// <summary>kubectl's describe timestamps: RFC 1123 with a numeric zone, <c>Mon, 02 Jan 2006 15:04:05 +0000</c>.</summary>
    public static string Timestamp(DateTimeOffset? value)
    {
        if (value is not { } t)
        {
            return None;
        }
        var offset = t.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return t.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary><c>LAST (xN over FIRST)</c> for repeated events, else the age of the first occurrence.</summary>
    public static string EventInterval(Event e, DateTimeOffset now)
    {
        var first = e.FirstTimestamp ?? e.EventTime ?? e.LastTimestamp ?? e.Metadata.CreationTimestamp;
        var last = e.LastTimestamp ?? e.EventTime ?? first;
        if (e.Count is > 1)
        {
            return $"{HumanDuration.Since(last, now)} (x{e.Count.Value.ToString(CultureInfo.InvariantCulture)} over {HumanDuration.Since(first, now)})";
        }
        return HumanDuration.Since(first, now);
    }

    /// <summary>When an event last happened, for sorting.</summary>
    public static DateTimeOffset? LastSeen(Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp;
}
