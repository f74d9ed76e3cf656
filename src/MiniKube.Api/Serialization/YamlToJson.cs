using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MiniKube.Api.Serialization;

/// <summary>
/// Converts YAML documents to JSON trees with YAML 1.2 core-schema typing: only plain scalars are typed
/// (true/false, null/~/empty, integers, floats); quoted and block scalars are always strings. One exception,
/// for compatibility with Kubernetes' YAML 1.1 reader: a plain integer with a leading zero is octal. Typing
/// happens here, not in the deserializer, so <c>port: "80"</c> stays a string and is reported as one.
/// </summary>
internal static partial class YamlToJson
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private const string IntTag = "tag:yaml.org,2002:int";
    private const string FloatTag = "tag:yaml.org,2002:float";
    private const string BoolTag = "tag:yaml.org,2002:bool";
    private const string NullTag = "tag:yaml.org,2002:null";
    private const int MaxDepth = 200;

    /// <summary>Parses every document; empty documents are skipped. Syntax errors throw with line and column.</summary>
    public static List<JsonNode> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            throw new DecodeException(FieldError.Malformed("", FormatYamlError(ex)));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet trips over some malformed input (e.g. an unclosed "[") with no position of its own.
            var mark = parser.LastMark;
            throw new DecodeException(FieldError.Malformed("",
                $"yaml: line {mark.Line}, column {mark.Column}: malformed YAML after this point (unclosed bracket or quote?)"));
        }

        var documents = new List<JsonNode>(stream.Documents.Count);
        var errors = new List<FieldError>();
        foreach (var document in stream.Documents)
        {
            var node = Convert(document.RootNode, "", errors, 0, new AliasBudget(), insideAlias: false);
            if (node is not null)
            {
                documents.Add(node);
            }
        }
        if (errors.Count > 0)
        {
            throw new DecodeException(errors);
        }
        return documents;
    }

    internal static string FormatYamlError(YamlException ex)
    {
        // YamlDotNet prefixes its messages with the same position we print; keep only the explanation.
        var message = ex.InnerException is YamlException inner && ex.Message.StartsWith("(Line", StringComparison.Ordinal)
            ? inner.Message
            : ex.Message;
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line", StringComparison.Ordinal) && close > 0)
        {
            message = message[(close + 3)..];
        }
        return $"yaml: line {ex.Start.Line}, column {ex.Start.Column}: {message}";
    }

    private static JsonNode? Convert(YamlNode node, string path, List<FieldError> errors, int depth, AliasBudget budget, bool insideAlias)
    {
        insideAlias = budget.Count(node, insideAlias);
        if (depth > MaxDepth)
        {
            errors.Add(FieldError.Malformed(path, "yaml: document is nested too deeply"));
            return null;
        }
        return node switch
        {
            YamlScalarNode scalar => ConvertScalar(scalar, path, errors),
            YamlSequenceNode sequence => ConvertSequence(sequence, path, errors, depth, budget, insideAlias),
            YamlMappingNode mapping => ConvertMapping(mapping, path, errors, depth, budget, insideAlias),
            _ => null,
        };
    }

    private static JsonArray ConvertSequence(YamlSequenceNode sequence, string path, List<FieldError> errors, int depth, AliasBudget budget, bool insideAlias)
    {
        var array = new JsonArray();
        var i = 0;
        foreach (var child in sequence.Children)
        {
            array.Add(Convert(child, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", errors, depth + 1, budget, insideAlias));
            i++;
        }
        return array;
    }

    private static JsonObject ConvertMapping(YamlMappingNode mapping, string path, List<FieldError> errors, int depth, AliasBudget budget, bool insideAlias)
    {
        var obj = new JsonObject();
        List<YamlNode>? merges = null;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode keyScalar)
            {
                errors.Add(FieldError.Malformed(path, $"yaml: line {keyNode.Start.Line}, column {keyNode.Start.Column}: mapping keys must be scalars"));
                continue;
            }
            var key = keyScalar.Value ?? "";
            if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
            {
                (merges ??= []).Add(valueNode);
                continue;
            }
            var childPath = StrictChecker.Join(path, key);
            if (obj.ContainsKey(key))
            {
                errors.Add(FieldError.Malformed(childPath, $"yaml: line {keyNode.Start.Line}: duplicate field \"{key}\""));
                continue;
            }
            obj[key] = Convert(valueNode, childPath, errors, depth + 1, budget, insideAlias);
        }
        if (merges is not null)
        {
            ApplyMerges(obj, merges, path, errors, depth, budget, insideAlias);
        }
        return obj;
    }

    // "<<: *defaults" copies keys the mapping does not set itself.
    private static void ApplyMerges(JsonObject obj, List<YamlNode> merges, string path, List<FieldError> errors, int depth, AliasBudget budget, bool insideAlias)
    {
        foreach (var merge in merges)
        {
            var sources = merge is YamlSequenceNode seq ? seq.Children.ToList() : [merge];
            foreach (var source in sources)
            {
                if (Convert(source, path, errors, depth + 1, budget, insideAlias) is not JsonObject from)
                {
                    errors.Add(FieldError.Malformed(path, $"yaml: line {source.Start.Line}: merge key \"<<\" needs a mapping"));
                    continue;
                }
                foreach (var (key, value) in from.ToList())
                {
                    if (!obj.ContainsKey(key))
                    {
                        from.Remove(key);
                        obj[key] = value;
                    }
                }
            }
        }
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar, string path, List<FieldError> errors)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == StrTag)
        {
            return JsonValue.Create(text);
        }
        if (tag is IntTag or FloatTag or BoolTag or NullTag)
        {
            var typed = Resolve(text);
            var ok = tag switch
            {
                NullTag => typed is null,
                BoolTag => typed is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
                _ => typed is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.Number,
            };
            if (!ok)
            {
                errors.Add(FieldError.Malformed(path, $"yaml: line {scalar.Start.Line}: cannot read \"{text}\" as {tag.Replace("tag:yaml.org,2002:", "!!", StringComparison.Ordinal)}"));
            }
            return typed;
        }
        if (scalar.Style != ScalarStyle.Plain || tag is not null)
        {
            return JsonValue.Create(text);
        }
        return Resolve(text);
    }

    /// <summary>Core-schema resolution of a plain scalar.</summary>
    private static JsonNode? Resolve(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (!(char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.'))
        {
            return JsonValue.Create(text);
        }
        if (DecimalInteger().IsMatch(text))
        {
            // Kubernetes reads YAML with 1.1 integer rules, and its manifests rely on them: `defaultMode: 0400`
            // means octal 0400 (256). Only the base changes; the value is a number under either schema.
            if (LegacyOctal().IsMatch(text))
            {
                var negative = text[0] == '-';
                var value = System.Convert.ToInt64(text.TrimStart('+', '-'), 8);
                return JsonValue.Create(negative ? -value : value);
            }
            return JsonNode.Parse(NormalizeNumber(text));
        }
        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text.AsSpan(2).ContainsAnyExceptInRange('0', '7') == false)
        {
            return JsonValue.Create(System.Convert.ToInt64(text[2..], 8));
        }
        if (text.StartsWith("0x", StringComparison.Ordinal) && text.Length > 2
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }
        if (Float().IsMatch(text))
        {
            return JsonNode.Parse(NormalizeNumber(text));
        }
        // .inf and .nan have no JSON form; they stay strings, which fails loudly wherever a number is expected.
        return JsonValue.Create(text);
    }

    /// <summary>Rewrites a YAML number into JSON's stricter grammar ("+1" → "1", ".5" → "0.5", "007" → "7", "1." → "1.0").</summary>
    private static string NormalizeNumber(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        var i = 0;
        if (text[0] is '+' or '-')
        {
            if (text[0] == '-')
            {
                sb.Append('-');
            }
            i++;
        }
        var intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
        var digits = text.AsSpan(intStart, i - intStart).TrimStart('0');
        sb.Append(digits.IsEmpty ? "0" : digits);
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var fracStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            sb.Append('.');
            sb.Append(i > fracStart ? text.AsSpan(fracStart, i - fracStart) : "0");
        }
        sb.Append(text.AsSpan(i));
        return sb.ToString();
    }

    /// <summary>Remembers where the last good event ended, for errors YamlDotNet reports without a position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark LastMark { get; private set; } = Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
            {
                LastMark = current.End;
            }
            return inner.MoveNext();
        }
    }

    [GeneratedRegex("^[-+]?0[0-7]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyOctal();

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();
}
