using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace MiniKube.Api;

/// <summary>How a label or field requirement compares a value.</summary>
public enum SelectorOperator
{
    /// <summary><c>k=v</c> / <c>k==v</c>: the label exists and has this value.</summary>
    Equal,
    /// <summary><c>k!=v</c>: the label is absent or has another value.</summary>
    NotEqual,
    /// <summary><c>k in (a,b)</c>: the label exists and has one of the values.</summary>
    In,
    /// <summary><c>k notin (a,b)</c>: the label is absent or has none of the values.</summary>
    NotIn,
    /// <summary><c>k</c>: the label exists, whatever its value.</summary>
    Exists,
    /// <summary><c>!k</c>: the label is absent.</summary>
    DoesNotExist,
    /// <summary><c>k&gt;5</c>: the label exists and is an integer greater than the value (node affinity's Gt).</summary>
    GreaterThan,
    /// <summary><c>k&lt;5</c>: the label exists and is an integer less than the value (node affinity's Lt).</summary>
    LessThan,
}

/// <summary>
/// One requirement of a label selector. Immutable; its values are distinct and sorted, so a watch
/// cache can index selectors by (key, operator, values) without normalising them again.
/// </summary>
public sealed class LabelRequirement
{
    // Above this many values a hash set beats a linear scan of the sorted array.
    private const int LinearScanLimit = 8;

    private readonly string[] values;
    private readonly HashSet<string>? valueSet;
    private readonly long number;

    private LabelRequirement(string key, SelectorOperator op, string[] values, long number)
    {
        Key = key;
        Operator = op;
        this.values = values;
        this.number = number;
        if (values.Length > LinearScanLimit)
        {
            valueSet = new HashSet<string>(values, StringComparer.Ordinal);
        }
    }

    public string Key { get; }

    public SelectorOperator Operator { get; }

    /// <summary>Distinct values in ordinal order; one for Equal/NotEqual/GreaterThan/LessThan, none for Exists/DoesNotExist.</summary>
    public IReadOnlyList<string> Values => values;

    /// <summary>
    /// Builds a requirement, checking the key (qualified name), the values (label values, or an integer for
    /// GreaterThan/LessThan) and the number of values the operator needs. Throws <see cref="FormatException"/>.
    /// </summary>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string>? values = null)
    {
        var error = TryCreate(key, op, values, out var requirement);
        return error is null ? requirement! : throw new FormatException(error);
    }

    /// <summary>As <see cref="Create"/>, returning the problem instead of throwing.</summary>
    public static string? TryCreate(string key, SelectorOperator op, IEnumerable<string>? values, out LabelRequirement? requirement)
    {
        requirement = null;
        var keyErrors = NameRules.IsQualifiedName(key);
        if (keyErrors.Count > 0)
        {
            return $"invalid label key \"{key}\": {string.Join("; ", keyErrors)}";
        }
        var distinct = (values ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        long number = 0;
        switch (op)
        {
            case SelectorOperator.Equal or SelectorOperator.NotEqual:
                if (distinct.Length != 1)
                {
                    return $"label key \"{key}\": operator '{Symbol(op)}' needs exactly one value";
                }
                break;
            case SelectorOperator.In or SelectorOperator.NotIn:
                if (distinct.Length == 0)
                {
                    return $"label key \"{key}\": operator '{Symbol(op)}' needs at least one value";
                }
                break;
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist:
                if (distinct.Length != 0)
                {
                    return $"label key \"{key}\": operator '{Symbol(op)}' takes no values";
                }
                break;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (distinct.Length != 1)
                {
                    return $"label key \"{key}\": operator '{Symbol(op)}' needs exactly one value";
                }
                if (!long.TryParse(distinct[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
                {
                    return $"label key \"{key}\": the value of '{Symbol(op)}' must be an integer, not \"{distinct[0]}\"";
                }
                requirement = new LabelRequirement(key, op, distinct, number);
                return null;
            default:
                return $"label key \"{key}\": unknown operator {op}";
        }
        foreach (var v in distinct)
        {
            var valueErrors = NameRules.IsValidLabelValue(v);
            if (valueErrors.Count > 0)
            {
                return $"invalid value \"{v}\" for label key \"{key}\": {string.Join("; ", valueErrors)}";
            }
        }
        requirement = new LabelRequirement(key, op, distinct, number);
        return null;
    }

    /// <summary>Whether the labels satisfy this requirement. Allocation-free.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.Equal:
                return has && string.Equals(value, values[0], StringComparison.Ordinal);
            case SelectorOperator.NotEqual:
                return !has || !string.Equals(value, values[0], StringComparison.Ordinal);
            case SelectorOperator.In:
                return has && Contains(value!);
            case SelectorOperator.NotIn:
                return !has || !Contains(value!);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan:
                return has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var gt) && gt > number;
            case SelectorOperator.LessThan:
                return has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lt) && lt < number;
            default:
                return false;
        }
    }

    private bool Contains(string value)
    {
        if (valueSet is not null)
        {
            return valueSet.Contains(value);
        }
        foreach (var v in values)
        {
            if (string.Equals(v, value, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Renders in selector syntax, e.g. <c>env in (a,b)</c>, <c>!legacy</c>, <c>app=web</c>.</summary>
    public override string ToString() => Operator switch
    {
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => "!" + Key,
        SelectorOperator.In => Key + " in (" + string.Join(',', values) + ")",
        SelectorOperator.NotIn => Key + " notin (" + string.Join(',', values) + ")",
        _ => Key + Symbol(Operator) + values[0],
    };

    internal static string Symbol(SelectorOperator op) => op switch
    {
        SelectorOperator.Equal => "=",
        SelectorOperator.NotEqual => "!=",
        SelectorOperator.In => "in",
        SelectorOperator.NotIn => "notin",
        SelectorOperator.Exists => "exists",
        SelectorOperator.DoesNotExist => "!",
        SelectorOperator.GreaterThan => ">",
        SelectorOperator.LessThan => "<",
        _ => op.ToString(),
    };
}

/// <summary>
/// A parsed label selector (equality- and set-based), with Kubernetes' semantics: every requirement must hold.
/// Immutable and thread-safe; <see cref="Matches"/> allocates nothing, since the watch cache calls it for
/// every object and every watcher.
/// </summary>
public sealed class Selector
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = ReadOnlyDictionary<string, string>.Empty;

    private readonly LabelRequirement[] requirements;
    private string? text;

    private Selector(LabelRequirement[] requirements, bool matchesNothing)
    {
        // Sorted by key (then rendering) so ToString is canonical and equal selectors render equally.
        this.requirements = requirements
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .ThenBy(r => r.ToString(), StringComparer.Ordinal)
            .ToArray();
        MatchesNothing = matchesNothing;
    }

    /// <summary>Matches every object (the empty selector).</summary>
    public static Selector Everything { get; } = new([], false);

    /// <summary>Matches no object (what a null LabelSelector means to a controller).</summary>
    public static Selector Nothing { get; } = new([], true);

    /// <summary>True for the selector that matches everything.</summary>
    public bool IsEmpty => !MatchesNothing && requirements.Length == 0;

    /// <summary>True for <see cref="Nothing"/>.</summary>
    public bool MatchesNothing { get; }

    /// <summary>The requirements, sorted by key: what a watch cache indexes by.</summary>
    public IReadOnlyList<LabelRequirement> Requirements => requirements;

    /// <summary>A selector from requirements built with <see cref="LabelRequirement.Create"/>.</summary>
    public static Selector FromRequirements(IEnumerable<LabelRequirement> requirements)
    {
        var array = requirements.ToArray();
        return array.Length == 0 ? Everything : new Selector(array, false);
    }

    /// <summary>
    /// Parses "app=web,tier!=db,env in (a,b),!legacy". Whitespace between tokens is ignored; a blank string is
    /// <see cref="Everything"/>. Throws <see cref="FormatException"/> saying what is wrong and where.
    /// </summary>
    public static Selector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        return FromRequirements(new Parser(text).ParseAll());
    }

    /// <summary>As <see cref="Parse"/>, returning false and the problem instead of throwing.</summary>
    public static bool TryParse(string? text, out Selector selector, out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            selector = Nothing;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// From the API form (matchLabels / matchExpressions), like Kubernetes' LabelSelectorAsSelector:
    /// a null selector matches nothing, an empty one everything. An invalid selector (bad key or value,
    /// In/NotIn without values, Exists/DoesNotExist with values, unknown operator) throws <see cref="FormatException"/>.
    /// </summary>
    public static Selector FromLabelSelector(LabelSelector? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }
        var errors = ValidateLabelSelector(selector, "");
        if (errors.Count > 0)
        {
            throw new FormatException("invalid label selector: " + string.Join("; ", errors));
        }
        var reqs = new List<LabelRequirement>();
        if (selector.MatchLabels is not null)
        {
            foreach (var (k, v) in selector.MatchLabels)
            {
                reqs.Add(LabelRequirement.Create(k, SelectorOperator.Equal, [v]));
            }
        }
        foreach (var e in selector.MatchExpressions ?? [])
        {
            reqs.Add(LabelRequirement.Create(e.Key, ParseOperator(e.Operator)!.Value, e.Values));
        }
        return FromRequirements(reqs);
    }

    /// <summary>An equality selector from a map (a Service's or ReplicationController-style selector); empty or null matches everything.</summary>
    public static Selector FromMap(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return Everything;
        }
        return FromRequirements(labels.Select(kv => LabelRequirement.Create(kv.Key, SelectorOperator.Equal, [kv.Value])));
    }

    /// <summary>
    /// The problems with an API label selector, paths under <paramref name="path"/> as Kubernetes reports them
    /// (<c>spec.selector.matchExpressions[0].values: Required value: …</c>).
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateLabelSelector(LabelSelector selector, string path)
    {
        var errs = new List<FieldError>();
        if (selector.MatchLabels is not null)
        {
            ValidateLabels(selector.MatchLabels, Paths.Child(path, "matchLabels"), errs);
        }
        var exprs = selector.MatchExpressions ?? [];
        for (var i = 0; i < exprs.Count; i++)
        {
            var e = exprs[i];
            var p = Paths.Index(Paths.Child(path, "matchExpressions"), i);
            var op = ParseOperator(e.Operator);
            var valueCount = e.Values?.Count ?? 0;
            switch (op)
            {
                case SelectorOperator.In or SelectorOperator.NotIn:
                    if (valueCount == 0)
                    {
                        errs.Add(FieldError.Required(Paths.Child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case SelectorOperator.Exists or SelectorOperator.DoesNotExist:
                    if (valueCount > 0)
                    {
                        errs.Add(FieldError.Forbidden(Paths.Child(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                default:
                    errs.Add(FieldError.Invalid(Paths.Child(p, "operator"), e.Operator, "not a valid selector operator"));
                    break;
            }
            foreach (var msg in NameRules.IsQualifiedName(e.Key))
            {
                errs.Add(FieldError.Invalid(Paths.Child(p, "key"), e.Key, msg));
            }
            if (op is SelectorOperator.In or SelectorOperator.NotIn && e.Values is not null)
            {
                for (var j = 0; j < e.Values.Count; j++)
                {
                    foreach (var msg in NameRules.IsValidLabelValue(e.Values[j]))
                    {
                        errs.Add(FieldError.Invalid(Paths.Index(Paths.Child(p, "values"), j), e.Values[j], msg));
                    }
                }
            }
        }
        return errs;
    }

    /// <summary>Label keys and values as Kubernetes checks them; errors carry the map's path and the bad key or value.</summary>
    internal static void ValidateLabels(IReadOnlyDictionary<string, string> labels, string path, List<FieldError> errs)
    {
        foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var msg in NameRules.IsQualifiedName(k))
            {
                errs.Add(FieldError.Invalid(path, k, msg));
            }
            foreach (var msg in NameRules.IsValidLabelValue(v))
            {
                errs.Add(FieldError.Invalid(path, v, msg));
            }
        }
    }

    private static SelectorOperator? ParseOperator(string op) => op switch
    {
        "In" => SelectorOperator.In,
        "NotIn" => SelectorOperator.NotIn,
        "Exists" => SelectorOperator.Exists,
        "DoesNotExist" => SelectorOperator.DoesNotExist,
        _ => null,
    };

    /// <summary>Whether the labels satisfy every requirement; null labels are treated as none. Allocation-free.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (MatchesNothing)
        {
            return false;
        }
        labels ??= NoLabels;
        foreach (var r in requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The single value a matching object must have for <paramref name="key"/> (from <c>key=v</c> or
    /// <c>key in (v)</c>), so a cache can look candidates up by it instead of scanning.
    /// </summary>
    public bool TryGetRequiredValue(string key, out string value)
    {
        foreach (var r in requirements)
        {
            if (r.Key == key && r.Values.Count == 1 && r.Operator is SelectorOperator.Equal or SelectorOperator.In)
            {
                value = r.Values[0];
                return true;
            }
        }
        value = "";
        return false;
    }

    /// <summary>
    /// Canonical selector syntax, requirements sorted by key; <see cref="Parse"/> reads it back.
    /// <see cref="Everything"/> renders as "" and so, as in Kubernetes, does <see cref="Nothing"/> (use <see cref="MatchesNothing"/>).
    /// </summary>
    public override string ToString() => text ??= string.Join(',', requirements.Select(r => r.ToString()));

    /// <summary>A hand-written recursive-descent parser: small, and its errors can point at a character.</summary>
    private sealed class Parser(string text)
    {
        private int pos;

        public List<LabelRequirement> ParseAll()
        {
            var reqs = new List<LabelRequirement>();
            while (true)
            {
                reqs.Add(ParseRequirement());
                SkipSpace();
                if (AtEnd)
                {
                    return reqs;
                }
                if (Current != ',')
                {
                    throw Error($"expected ',' or the end of the selector but found '{Current}'");
                }
                pos++;
                SkipSpace();
                if (AtEnd)
                {
                    throw Error("expected a requirement after ','");
                }
            }
        }

        private bool AtEnd => pos >= text.Length;

        private char Current => text[pos];

        private LabelRequirement ParseRequirement()
        {
            SkipSpace();
            if (!AtEnd && Current == '!')
            {
                pos++;
                SkipSpace();
                var (notKey, notAt) = ReadKey();
                return Build(notKey, SelectorOperator.DoesNotExist, [], notAt);
            }
            var (key, keyAt) = ReadKey();
            SkipSpace();
            if (AtEnd || Current == ',')
            {
                return Build(key, SelectorOperator.Exists, [], keyAt);
            }
            var opAt = pos;
            switch (Current)
            {
                case '=':
                    pos += pos + 1 < text.Length && text[pos + 1] == '=' ? 2 : 1;
                    return Build(key, SelectorOperator.Equal, [ReadSingleValue()], keyAt);
                case '!' when pos + 1 < text.Length && text[pos + 1] == '=':
                    pos += 2;
                    return Build(key, SelectorOperator.NotEqual, [ReadSingleValue()], keyAt);
                case '>' or '<':
                    var op = Current == '>' ? SelectorOperator.GreaterThan : SelectorOperator.LessThan;
                    pos++;
                    SkipSpace();
                    var (number, _) = ReadIdentifier("an integer after '" + LabelRequirement.Symbol(op) + "'");
                    return Build(key, op, [number], keyAt);
            }
            if (IsSpecial(Current))
            {
                throw Error($"expected an operator (=, ==, !=, in, notin) after \"{key}\" but found '{Current}'");
            }
            var (word, _) = ReadIdentifier("an operator");
            var setOp = word switch
            {
                "in" => SelectorOperator.In,
                "notin" => SelectorOperator.NotIn,
                _ => throw Error($"expected an operator (=, ==, !=, in, notin) after \"{key}\" but found \"{word}\"", opAt),
            };
            return Build(key, setOp, ReadValueList(word), keyAt);
        }

        private (string Key, int At) ReadKey() => ReadIdentifier("a label key");

        /// <summary>The value after = or !=; nothing (end or ',') means the empty value, as in Kubernetes.</summary>
        private string ReadSingleValue()
        {
            SkipSpace();
            if (AtEnd || Current == ',')
            {
                return "";
            }
            return ReadIdentifier("a value").Text;
        }

        /// <summary>"(a, b)"; "()" and empty slots stand for the empty value, as in Kubernetes.</summary>
        private List<string> ReadValueList(string op)
        {
            SkipSpace();
            if (AtEnd || Current != '(')
            {
                throw Error($"expected '(' after '{op}'");
            }
            pos++;
            var values = new List<string>();
            while (true)
            {
                SkipSpace();
                if (AtEnd)
                {
                    throw Error("missing ')' to close the value list");
                }
                if (Current == ')' && values.Count == 0)
                {
                    pos++;
                    return [""];
                }
                values.Add(Current is ',' or ')' ? "" : ReadIdentifier("a value").Text);
                SkipSpace();
                if (AtEnd)
                {
                    throw Error("missing ')' to close the value list");
                }
                if (Current == ')')
                {
                    pos++;
                    return values;
                }
                if (Current != ',')
                {
                    throw Error($"expected ',' or ')' in the value list but found '{Current}'");
                }
                pos++;
            }
        }

        private (string Text, int At) ReadIdentifier(string what)
        {
            var start = pos;
            while (!AtEnd && !char.IsWhiteSpace(Current) && !IsSpecial(Current))
            {
                pos++;
            }
            if (pos == start)
            {
                throw Error(AtEnd ? $"expected {what} but the selector ended" : $"expected {what} but found '{Current}'");
            }
            return (text[start..pos], start);
        }

        private LabelRequirement Build(string key, SelectorOperator op, List<string> values, int at)
        {
            var error = LabelRequirement.TryCreate(key, op, values, out var requirement);
            return error is null ? requirement! : throw Error(error, at);
        }

        private void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(Current))
            {
                pos++;
            }
        }

        private static bool IsSpecial(char c) => c is ',' or '(' or ')' or '=' or '!' or '<' or '>';

        private FormatException Error(string message, int? at = null) =>
            new($"invalid label selector \"{text}\": {message} (at character {(at ?? pos) + 1})");
    }
}

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

/// <summary>The API form of a label selector (metav1.LabelSelector).</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

public sealed record LabelSelectorRequirement
{
    public string Key { get; init; } = "";
    /// <summary>In, NotIn, Exists, DoesNotExist.</summary>
    public string Operator { get; init; } = "";
    public IReadOnlyList<string>? Values { get; init; }
}
