using System.Text;

namespace MiniKube.Api;

/// <summary>One requirement of a field selector: <c>field=value</c> or <c>field!=value</c>.</summary>
public sealed record FieldRequirement(string Field, SelectorOperator Operator, string Value)
{
    /// <summary>A missing field counts as "".</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        var actual = fields.TryGetValue(Field, out var v) ? v : "";
        var equal = string.Equals(actual, Value, StringComparison.Ordinal);
        return Operator == SelectorOperator.Equal ? equal : !equal;
    }

    public override string ToString() => Field + (Operator == SelectorOperator.Equal ? "=" : "!=") + FieldSelector.Escape(Value);
}

/// <summary>
/// A parsed field selector ("spec.nodeName=n1,status.phase!=Running"): every requirement must hold.
/// Values may contain ',', '=' and '\' escaped with a backslash, as in Kubernetes. Which fields exist is the
/// API server's business (per kind); here a missing field reads as "".
/// </summary>
public sealed class FieldSelector
{
    private readonly FieldRequirement[] requirements;
    private string? text;

    private FieldSelector(FieldRequirement[] requirements)
    {
        this.requirements = requirements
            .OrderBy(r => r.Field, StringComparer.Ordinal)
            .ThenBy(r => r.Operator)
            .ThenBy(r => r.Value, StringComparer.Ordinal)
            .ToArray();
    }

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => requirements.Length == 0;

    /// <summary>The requirements, sorted by field.</summary>
    public IReadOnlyList<FieldRequirement> Requirements => requirements;

    public static FieldSelector FromRequirements(IEnumerable<FieldRequirement> requirements)
    {
        var array = requirements.ToArray();
        return array.Length == 0 ? Everything : new FieldSelector(array);
    }

    /// <summary>
    /// Parses comma-separated <c>f=v</c>, <c>f==v</c>, <c>f!=v</c> terms (blank terms are skipped, as Kubernetes does).
    /// Throws <see cref="FormatException"/> for a term without an operator, an empty field name, or a bad escape.
    /// </summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var reqs = new List<FieldRequirement>();
        foreach (var term in SplitTerms(text))
        {
            if (string.IsNullOrWhiteSpace(term))
            {
                continue;
            }
            reqs.Add(ParseTerm(text, term));
        }
        return FromRequirements(reqs);
    }

    public static bool TryParse(string? text, out FieldSelector selector, out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            selector = Everything;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Whether the fields satisfy every requirement; a missing field reads as "". Allocation-free.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var r in requirements)
        {
            if (!r.Matches(fields))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The value an exact-match requirement (<c>field=value</c>) demands, e.g. for indexing pods by <c>spec.nodeName</c>.</summary>
    public bool TryGetRequiredValue(string field, out string value)
    {
        foreach (var r in requirements)
        {
            if (r.Operator == SelectorOperator.Equal && r.Field == field)
            {
                value = r.Value;
                return true;
            }
        }
        value = "";
        return false;
    }

    /// <summary>Canonical form, sorted by field, values escaped; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => text ??= string.Join(',', requirements.Select(r => r.ToString()));

    internal static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '\\' or ',' or '=')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Splits on commas that are not escaped with a backslash.</summary>
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    private static FieldRequirement ParseTerm(string text, string term)
    {
        // The leftmost unescaped operator splits the term; '!=' and '==' win over '=' at the same place.
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
            {
                i++;
                continue;
            }
            SelectorOperator op;
            int width;
            if (term[i] == '!' && i + 1 < term.Length && term[i + 1] == '=')
            {
                (op, width) = (SelectorOperator.NotEqual, 2);
            }
            else if (term[i] == '=')
            {
                (op, width) = (SelectorOperator.Equal, i + 1 < term.Length && term[i + 1] == '=' ? 2 : 1);
            }
            else
            {
                continue;
            }
            var field = term[..i].Trim();
            if (field.Length == 0)
            {
                throw new FormatException($"invalid field selector \"{text}\": \"{term.Trim()}\" has no field name before the operator");
            }
            if (field.Contains('\\', StringComparison.Ordinal))
            {
                throw new FormatException($"invalid field selector \"{text}\": field name \"{field}\" may not contain '\\'");
            }
            return new FieldRequirement(field, op, Unescape(text, term[(i + width)..].Trim()));
        }
        throw new FormatException($"invalid field selector \"{text}\": \"{term.Trim()}\" has no operator (expected =, == or !=)");
    }

    private static string Unescape(string text, string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '=') < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\')
            {
                if (i + 1 >= value.Length || value[i + 1] is not ('\\' or ',' or '='))
                {
                    throw new FormatException($"invalid field selector \"{text}\": invalid escape sequence in value \"{value}\" (only \\\\, \\, and \\= are allowed)");
                }
                sb.Append(value[++i]);
            }
            else if (c == '=')
            {
                throw new FormatException($"invalid field selector \"{text}\": value \"{value}\" contains an unescaped '=' (write \\=)");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
