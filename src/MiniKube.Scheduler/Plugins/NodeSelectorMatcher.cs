using MiniKube.Api;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// A parsed node selector term: label requirements (matchExpressions) and the node's name (matchFields
/// on metadata.name, the only field Kubernetes supports). A term that fails to parse — unknown operator,
/// Gt without an integer, an empty term — matches no node, as upstream's lazy-error selector does.
/// </summary>
public sealed class NodeSelectorTermMatcher
{
    private readonly Selector? _labels;
    private readonly string[]? _nameIn;
    private readonly string[]? _nameNotIn;
    private readonly bool _never;

    private NodeSelectorTermMatcher(Selector? labels, string[]? nameIn, string[]? nameNotIn, bool never)
    {
        _labels = labels;
        _nameIn = nameIn;
        _nameNotIn = nameNotIn;
        _never = never;
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
        if (_never)
        {
            return false;
        }
        if (_labels is not null && !_labels.Matches(nodeLabels))
        {
            return false;
        }
        if (_nameIn is not null)
        {
            foreach (var n in _nameIn)
            {
                if (n != nodeName)
                {
                    return false;
                }
            }
        }
        if (_nameNotIn is not null)
        {
            foreach (var n in _nameNotIn)
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
    private readonly KeyValuePair<string, string>[] _nodeSelector;
    private readonly NodeSelectorTermMatcher[]? _terms;

    private RequiredNodeAffinity(KeyValuePair<string, string>[] nodeSelector, NodeSelectorTermMatcher[]? terms)
    {
        _nodeSelector = nodeSelector;
        _terms = terms;
    }

    /// <summary>True when the pod has neither a nodeSelector nor required node affinity.</summary>
    public bool IsEmpty => _nodeSelector.Length == 0 && _terms is null;

    public static RequiredNodeAffinity Of(PodSpec? spec)
    {
        var selector = spec?.NodeSelector?.ToArray() ?? [];
        var required = spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        var terms = required is null ? null : required.NodeSelectorTerms.Select(NodeSelectorTermMatcher.Parse).ToArray();
        return new RequiredNodeAffinity(selector, terms);
    }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in _nodeSelector)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }
        if (_terms is null)
        {
            return true;
        }
        // An empty term list (required affinity with no terms) matches nothing, as in Kubernetes.
        foreach (var t in _terms)
        {
            if (t.Matches(nodeName, labels))
            {
                return true;
            }
        }
        return false;
    }
}
