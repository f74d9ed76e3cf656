namespace MiniKube.Api;

/// <summary>A parsed label selector (equality- and set-based). CONTRACT STUB.</summary>
public sealed class Selector
{
    public static Selector Everything { get; } = new();

    public bool IsEmpty => true;

    /// <summary>Parses "app=web,tier!=db,env in (a,b),!legacy"; throws FormatException with a clear message.</summary>
    public static Selector Parse(string? text) => string.IsNullOrWhiteSpace(text) ? Everything : throw new NotImplementedException();

    /// <summary>From the API form (matchLabels / matchExpressions). A null selector matches nothing, an empty one everything.</summary>
    public static Selector FromLabelSelector(LabelSelector? selector) => throw new NotImplementedException();

    public bool Matches(IReadOnlyDictionary<string, string>? labels) => true;
}

/// <summary>A parsed field selector ("spec.nodeName=n1,status.phase!=Running"). CONTRACT STUB.</summary>
public sealed class FieldSelector
{
    public static FieldSelector Everything { get; } = new();

    public bool IsEmpty => true;

    public static FieldSelector Parse(string? text) => string.IsNullOrWhiteSpace(text) ? Everything : throw new NotImplementedException();

    public bool Matches(IReadOnlyDictionary<string, string> fields) => true;
}

/// <summary>The API form of a label selector (metav1.LabelSelector). CONTRACT STUB: types work owns it.</summary>
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
