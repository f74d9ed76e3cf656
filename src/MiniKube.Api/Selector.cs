using System.Collections.ObjectModel;

namespace MiniKube.Api;

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
        return FromRequirements(new SelectorParser(text).ParseAll());
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
    public static Selector FromLabelSelector(LabelSelector? selector) => LabelSelectorConversion.ToSelector(selector);

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
    public static IReadOnlyList<FieldError> ValidateLabelSelector(LabelSelector selector, string path) => LabelSelectorConversion.Validate(selector, path);

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
}
