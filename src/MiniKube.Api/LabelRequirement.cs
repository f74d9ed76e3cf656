using System.Globalization;

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
