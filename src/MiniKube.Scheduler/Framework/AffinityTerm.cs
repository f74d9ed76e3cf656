using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>
/// A parsed pod (anti-)affinity term: which pods it selects (label selector and namespaces) and the
/// topology key whose domains it is about. Namespaces default to the term owner's namespace; an empty
/// namespaceSelector means all namespaces. A namespaceSelector with requirements would need namespace
/// labels, which the scheduler does not watch: such a selector adds no namespaces (only the listed ones count).
/// </summary>
public sealed class AffinityTerm
{
    private readonly Selector _selector;
    private readonly HashSet<string>? _namespaces;

    private AffinityTerm(Selector selector, HashSet<string>? namespaces, string topologyKey, int weight)
    {
        _selector = selector;
        _namespaces = namespaces;
        TopologyKey = topologyKey;
        Weight = weight;
    }

    public string TopologyKey { get; }

    /// <summary>Weight of a preferred term; 0 for required terms.</summary>
    public int Weight { get; }

    /// <summary>Whether the term selects <paramref name="pod"/>.</summary>
    public bool Matches(PodInfo pod) =>
        (_namespaces is null || _namespaces.Contains(pod.Namespace)) && _selector.Matches(pod.Labels);

    internal static AffinityTerm Parse(PodAffinityTerm term, string ownNamespace, int weight)
    {
        Selector selector;
        try
        {
            selector = Selector.FromLabelSelector(term.LabelSelector);
        }
        catch (FormatException)
        {
            // The API rejects such selectors; one that slips through selects nothing.
            selector = Selector.Nothing;
        }
        HashSet<string>? namespaces = new(term.Namespaces ?? [], StringComparer.Ordinal);
        var ns = term.NamespaceSelector;
        if (ns is not null && (ns.MatchLabels?.Count ?? 0) == 0 && (ns.MatchExpressions?.Count ?? 0) == 0)
        {
            namespaces = null;
        }
        else if (namespaces.Count == 0 && ns is null)
        {
            namespaces.Add(ownNamespace);
        }
        return new AffinityTerm(selector, namespaces, term.TopologyKey, weight);
    }
}

/// <summary>All pod (anti-)affinity terms of one pod, parsed once.</summary>
public sealed class PodAffinityTerms
{
    public static readonly PodAffinityTerms None = new([], [], [], []);

    private PodAffinityTerms(AffinityTerm[] requiredAffinity, AffinityTerm[] requiredAnti, AffinityTerm[] preferredAffinity, AffinityTerm[] preferredAnti)
    {
        RequiredAffinity = requiredAffinity;
        RequiredAntiAffinity = requiredAnti;
        PreferredAffinity = preferredAffinity;
        PreferredAntiAffinity = preferredAnti;
    }

    public AffinityTerm[] RequiredAffinity { get; }

    public AffinityTerm[] RequiredAntiAffinity { get; }

    public AffinityTerm[] PreferredAffinity { get; }

    public AffinityTerm[] PreferredAntiAffinity { get; }

    internal static PodAffinityTerms Of(Pod pod)
    {
        var affinity = pod.Spec?.Affinity;
        if (affinity?.PodAffinity is null && affinity?.PodAntiAffinity is null)
        {
            return None;
        }
        var ns = pod.Metadata.Namespace ?? "";
        return new PodAffinityTerms(
            Required(affinity.PodAffinity, ns),
            Required(affinity.PodAntiAffinity, ns),
            Preferred(affinity.PodAffinity, ns),
            Preferred(affinity.PodAntiAffinity, ns));
    }

    private static AffinityTerm[] Required(PodAffinity? a, string ns) =>
        a?.RequiredDuringSchedulingIgnoredDuringExecution?.Select(t => AffinityTerm.Parse(t, ns, 0)).ToArray() ?? [];

    private static AffinityTerm[] Preferred(PodAffinity? a, string ns) =>
        a?.PreferredDuringSchedulingIgnoredDuringExecution?.Select(t => AffinityTerm.Parse(t.PodAffinityTerm, ns, t.Weight)).ToArray() ?? [];
}
