using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MiniKube.Api.Serialization;

/// <summary>
/// Writes a JSON tree as kubectl-style YAML: block style, two-space indentation, sequences at their key's
/// indentation, and strings quoted only where a YAML reader (1.1 or 1.2) would otherwise see another type
/// or a syntax character. Hand-written so the output is stable and reads like <c>kubectl get -o yaml</c>.
/// </summary>
internal static partial class JsonToYaml
{
    public static string Write(JsonNode? root)
    {
        var sb = new StringBuilder(1024);
        switch (root)
        {
            case JsonObject obj when obj.Count > 0:
                WriteMapping(sb, obj, 0, firstLineIndented: false);
                break;
            case JsonArray array when array.Count > 0:
                WriteSequence(sb, array, 0);
                break;
            default:
                WriteInlineValue(sb, root, 0);
                sb.Append('\n');
                break;
        }
        return sb.ToString();
    }

    private static void WriteMapping(StringBuilder sb, JsonObject obj, int indent, bool firstLineIndented)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!(first && firstLineIndented))
            {
                sb.Append(' ', indent);
            }
            first = false;
            sb.Append(FormatString(key)).Append(':');
            switch (value)
            {
                case JsonObject child when child.Count > 0:
                    sb.Append('\n');
                    WriteMapping(sb, child, indent + 2, firstLineIndented: false);
                    break;
                case JsonArray array when array.Count > 0:
                    sb.Append('\n');
                    WriteSequence(sb, array, indent);
                    break;
                default:
                    sb.Append(' ');
                    WriteInlineValue(sb, value, indent + 2);
                    sb.Append('\n');
                    break;
            }
        }
    }

    private static void WriteSequence(StringBuilder sb, JsonArray array, int indent)
    {
        foreach (var item in array)
        {
            sb.Append(' ', indent).Append("- ");
            switch (item)
            {
                case JsonObject child when child.Count > 0:
                    WriteMapping(sb, child, indent + 2, firstLineIndented: true);
                    break;
                case JsonArray nested when nested.Count > 0:
                    sb.Append('\n');
                    WriteSequence(sb, nested, indent + 2);
                    break;
                default:
                    WriteInlineValue(sb, item, indent + 2);
                    sb.Append('\n');
                    break;
            }
        }
    }

    /// <summary>A scalar, or an empty collection, on the current line; block text continues at <paramref name="blockIndent"/>.</summary>
    private static void WriteInlineValue(StringBuilder sb, JsonNode? value, int blockIndent)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case JsonObject:
                sb.Append("{}");
                return;
            case JsonArray:
                sb.Append("[]");
                return;
        }
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                var text = value.GetValue<string>();
                if (CanUseLiteralBlock(text))
                {
                    WriteLiteralBlock(sb, text, blockIndent);
                }
                else
                {
                    sb.Append(FormatString(text));
                }
                return;
            case JsonValueKind.True:
                sb.Append("true");
                return;
            case JsonValueKind.False:
                sb.Append("false");
                return;
            default:
                sb.Append(value.ToJsonString());
                return;
        }
    }

    // Multi-line text reads best as a literal block, as long as the block can reproduce it exactly.
    private static bool CanUseLiteralBlock(string text)
    {
        if (!text.Contains('\n') || text[0] is ' ' or '\t' or '\n')
        {
            return false;
        }
        if (text.EndsWith("\n\n", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c != '\n' && char.IsControl(c) && c != '\t')
            {
                return false;
            }
        }
        // A line of trailing blanks followed by more text survives, but one ending the block does not.
        return !text.TrimEnd('\n').EndsWith(' ');
    }

    private static void WriteLiteralBlock(StringBuilder sb, string text, int indent)
    {
        var keepFinalNewline = text.EndsWith('\n');
        sb.Append(keepFinalNewline ? "|" : "|-");
        var body = keepFinalNewline ? text[..^1] : text;
        foreach (var line in body.Split('\n'))
        {
            sb.Append('\n');
            if (line.Length > 0)
            {
                sb.Append(' ', indent).Append(line);
            }
        }
    }

    internal static string FormatString(string text) =>
        NeedsQuotes(text) ? Quote(text) : text;

    private static bool NeedsQuotes(string text)
    {
        if (text.Length == 0 || text[0] is ' ' or '\t' || text[^1] is ' ' or '\t')
        {
            return true;
        }
        if (LooksTyped().IsMatch(text))
        {
            return true;
        }
        var first = text[0];
        if (first is ',' or '[' or ']' or '{' or '}' or '#' or '&' or '*' or '!' or '|' or '>' or '\'' or '"' or '%' or '@' or '`')
        {
            return true;
        }
        // "-", "?" and ":" start a plain scalar only when followed by a non-space character.
        if (first is '-' or '?' or ':' && (text.Length == 1 || text[1] is ' ' or '\t'))
        {
            return true;
        }
        if (text.StartsWith("---", StringComparison.Ordinal) || text.StartsWith("...", StringComparison.Ordinal))
        {
            return true;
        }
        if (text[^1] == ':' || text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal))
        {
            return true;
        }
        foreach (var c in text)
        {
            if (char.IsControl(c) || c == '\uFEFF')
            {
                return true;
            }
        }
        return false;
    }

    private static string Quote(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) || c == '\uFEFF')
            {
                return DoubleQuote(text);
            }
        }
        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static string DoubleQuote(string text)
    {
        var sb = new StringBuilder(text.Length + 8).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c == '\uFEFF')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    // Anything a YAML 1.2 core-schema or YAML 1.1 reader would type as null, bool or a number
    // (including 1.1's yes/no/on/off, octal 0755, 1_000 and sexagesimal 1:20).
    [GeneratedRegex(
        @"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF" +
        @"|[-+]?(\.(inf|Inf|INF))|\.(nan|NaN|NAN)" +
        @"|[-+]?0b[01_]+|[-+]?0o?[0-7_]+|[-+]?0x[0-9a-fA-F_]+" +
        @"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?" +
        @"|[-+]?([0-9][0-9_]*)?\.?[0-9_]*([eE][-+]?[0-9]+)?" +
        @"|=)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex LooksTyped();
}
