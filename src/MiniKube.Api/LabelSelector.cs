namespace MiniKube.Api;

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
