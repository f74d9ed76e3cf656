using System.Text.Json;
using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>A condition of any kind, read from <c>status.conditions</c> of the object's JSON form.</summary>
public sealed record ConditionRow(string Type, string Status, string? Reason, string? Message, string? LastTransitionTime);

/// <summary>Generic views of an object for its details page: its spec and status as path/value rows, and its conditions.</summary>
public static class ObjectFields
{
    public const int MaxRows = 300;

    /// <summary>Every leaf under <paramref name="section"/> (<c>spec</c>, <c>status</c>, …) as <c>path = value</c>, at most <see cref="MaxRows"/>.</summary>
    public static IReadOnlyList<(string Path, string Value)> Flatten(KubeObject obj, string section)
    {
        using var doc = JsonDocument.Parse(KubeSerializer.ToJson(obj));
        var rows = new List<(string, string)>();
        if (doc.RootElement.TryGetProperty(section, out var element))
        {
            Walk(element, section, rows);
        }
        return rows;
    }

    public static IReadOnlyList<ConditionRow> Conditions(KubeObject obj)
    {
        using var doc = JsonDocument.Parse(KubeSerializer.ToJson(obj));
        if (!doc.RootElement.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return [.. conditions.EnumerateArray().Select(c => new ConditionRow(Text(c, "type") ?? "", Text(c, "status") ?? "", Text(c, "reason"), Text(c, "message"),
            Text(c, "lastTransitionTime")))];
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static void Walk(JsonElement e, string path, List<(string, string)> rows)
    {
        if (rows.Count >= MaxRows)
        {
            return;
        }
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Walk(p.Value, path + "." + p.Name, rows);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", rows);
                }
                break;
            case JsonValueKind.String:
                rows.Add((path, e.GetString() ?? ""));
                break;
            default:
                rows.Add((path, e.GetRawText()));
                break;
        }
    }
}
