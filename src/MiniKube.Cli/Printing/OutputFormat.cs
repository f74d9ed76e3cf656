using MiniKube.Printing;

namespace MiniKube.Cli.Printing;

public enum OutputKind
{
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

/// <summary>The <c>-o</c> values minictl understands.</summary>
public static class OutputFormat
{
    public static OutputKind Parse(string? text, params OutputKind[] allowed)
    {
        OutputKind? kind = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "" => OutputKind.Table,
            "wide" => OutputKind.Wide,
            "yaml" => OutputKind.Yaml,
            "json" => OutputKind.Json,
            "name" => OutputKind.Name,
            _ => null,
        };
        if (kind is null || (allowed.Length > 0 && kind != OutputKind.Table && !allowed.Contains(kind.Value)))
        {
            var names = (allowed.Length > 0 ? allowed : Enum.GetValues<OutputKind>())
                .Where(k => k != OutputKind.Table).Select(k => k.ToString().ToLowerInvariant()).Order(StringComparer.Ordinal);
            throw new CliException($"unable to match a printer suitable for the output format \"{text}\", allowed formats are: {string.Join(",", names)}");
        }
        return kind.Value;
    }
}
