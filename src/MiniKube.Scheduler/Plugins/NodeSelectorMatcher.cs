using MiniKube.Api;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// A parsed node selector term: label requirements (matchExpressions) and the node's name (matchFields
/// on metadata.name, the only field Kubernetes supports). A term that fails to parse — unknown operator,
/// Gt without an integer, an empty term — matches no node, as upstream's lazy-error selector does.
/// </summary>
public sealed class NodeSelectorTermMatcher
{
    private readonly Selector? labels;
    private readonly string[]? nameIn;
    private readonly string[]? nameNotIn;
    private readonly bool never;

    private NodeSelectorTermMatcher(Selector? labels, string[]? nameIn, string[]? nameNotIn, bool never)
    {
        this.labels = labels;
        this.nameIn = nameIn;
        this.nameNotIn = nameNotIn;
        this.never = never;
    }

    public static NodeSelectorTermMatcher Parse(NodeSelectorTerm term)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return new NodeSelectorTermMatcher(null, null, null, never: true);
        }
        var requirements = new List<LabelRequirement>(expressions.Count);
        foreach (var e in expressions)
        {
            SelectorOperator? op = e.Operator switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                "Gt" => SelectorOperator.GreaterThan,
                "Lt" => SelectorOperator.LessThan,
                _ => null,
            };
            if (op is null || LabelRequirement.TryCreate(e.Key, op.Value, e.Values, out var requirement) is not null)
            {
                return new NodeSelectorTermMatcher(null, null, null, never: true);
            }
            requirements.Add(requirement!);
        }
        List<string>? nameIn = null;
        List<string>? nameNotIn = null;
        foreach (var f in fields)
        {
            // Upstream accepts only metadata.name with In/NotIn and exactly one value.
            if (f.Key != "metadata.name" || f.Values is not { Count: 1 })
            {
                return new NodeSelectorTermMatcher(null, null, null, never: true);
            }
            switch (f.Operator)
            {
                case "In":
                    (nameIn ??= []).Add(f.Values[0]);
                    break;
                case "NotIn":
                    (nameNotIn ??= []).Add(f.Values[0]);
                    break;
                default:
                    return new NodeSelectorTermMatcher(null, null, null, never: true);
            }
        }
        return new NodeSelectorTermMatcher(
            requirements.Count > 0 ? Selector.FromRequirements(requirements) : null, nameIn?.ToArray(), nameNotIn?.ToArray(), never: false);
    }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> nodeLabels)
    {
        if (never)
        {
            return false;
        }
        if (labels is not null && !labels.Matches(nodeLabels))
        {
            return false;
        }
        if (nameIn is not null)
        {
            foreach (var n in nameIn)
            {
                if (n != nodeName)
                {
                    return false;
                }
            }
        }
        if (nameNotIn is not null)
        {
            foreach (var n in nameNotIn)
            {
                if (n == nodeName)
                {
                    return false;
                }
            }
        }
        return true;
    }
}

/// <summary>
/// What a pod requires of a node's labels: its nodeSelector (every pair must match) AND its required node
/// affinity (any of the terms must match).
/// </summary>
public sealed class RequiredNodeAffinity
{
    private readonly KeyValuePair<string, string>[] nodeSelector;
    private readonly NodeSelectorTermMatcher[]? terms;

    private RequiredNodeAffinity(KeyValuePair<string, string>[] nodeSelector, NodeSelectorTermMatcher[]? terms)
    {
        this.nodeSelector = nodeSelector;
        this.terms = terms;
    }

    /// <summary>True when the pod has neither a nodeSelector nor required node affinity.</summary>
    public bool IsEmpty => nodeSelector.Length == 0 && terms is null;

    public static RequiredNodeAffinity Of(PodSpec? spec)
    {
        var selector = spec?.NodeSelector?.ToArray() ?? [];
        var required = spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        var terms = required is null ? null : required.NodeSelectorTerms.Select(NodeSelectorTermMatcher.Parse).ToArray();
        return new RequiredNodeAffinity(selector, terms);
    }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in nodeSelector)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }
        if (terms is null)
        {
            return true;
        }
        // An empty term list (required affinity with no terms) matches nothing, as in Kubernetes.
        foreach (var t in terms)
        {
            if (t.Matches(nodeName, labels))
            {
                return true;
            }
        }
        return false;
    }
}
