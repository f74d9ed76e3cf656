using static MiniKube.Api.Validator;

namespace MiniKube.Api;

/// <summary>A pod spec's scheduling constraints: tolerations, node and pod affinity, topology spread.</summary>
internal static class PodSchedulingValidation
{
    private static readonly string[] ScheduleActions = ["DoNotSchedule", "ScheduleAnyway"];

    internal static void ValidateTolerations(IReadOnlyList<Toleration> tolerations, string path, List<FieldError> errs)
    {
        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            var tp = Paths.Index(path, i);
            if (!string.IsNullOrEmpty(t.Key))
            {
                foreach (var msg in NameRules.IsQualifiedName(t.Key))
                {
                    errs.Add(FieldError.Invalid(Paths.Child(tp, "key"), t.Key, msg));
                }
            }
            else if (t.Operator != "Exists")
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "operator"), t.Operator ?? "",
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (t.TolerationSeconds is not null && t.Effect != TaintEffect.NoExecute)
            {
                errs.Add(FieldError.Invalid(Paths.Child(tp, "effect"), t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            switch (t.Operator)
            {
                case null or "" or "Equal":
                    foreach (var msg in NameRules.IsValidLabelValue(t.Value ?? ""))
                    {
                        errs.Add(FieldError.Invalid(Paths.Child(tp, "value"), t.Value, msg));
                    }
                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value))
                    {
                        errs.Add(FieldError.Invalid(Paths.Child(tp, "operator"), t.Value, "value must be empty when `operator` is 'Exists'"));
                    }
                    break;
                default:
                    errs.Add(FieldError.NotSupported(Paths.Child(tp, "operator"), t.Operator, ["Equal", "Exists"]));
                    break;
            }
            OneOf(t.Effect, Paths.Child(tp, "effect"), TaintEffects, errs);
        }
    }

    internal static void ValidateAffinity(Affinity affinity, string path, List<FieldError> errs)
    {
        if (affinity.NodeAffinity is { } na)
        {
            var np = Paths.Child(path, "nodeAffinity");
            if (na.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
            {
                var rp = Paths.Child(np, "requiredDuringSchedulingIgnoredDuringExecution");
                var terms = required.NodeSelectorTerms ?? [];
                if (terms.Count == 0)
                {
                    errs.Add(FieldError.Required(Paths.Child(rp, "nodeSelectorTerms"), "must have at least one node selector term"));
                }
                for (var i = 0; i < terms.Count; i++)
                {
                    ValidateNodeSelectorTerm(terms[i], Paths.Index(Paths.Child(rp, "nodeSelectorTerms"), i), errs);
                }
            }
            var preferred = na.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
            for (var i = 0; i < preferred.Count; i++)
            {
                var pp = Paths.Index(Paths.Child(np, "preferredDuringSchedulingIgnoredDuringExecution"), i);
                Weight(preferred[i].Weight, Paths.Child(pp, "weight"), errs);
                ValidateNodeSelectorTerm(preferred[i].Preference ?? new NodeSelectorTerm(), Paths.Child(pp, "preference"), errs);
            }
        }
        if (affinity.PodAffinity is { } pa)
        {
            ValidatePodAffinity(pa, Paths.Child(path, "podAffinity"), errs);
        }
        if (affinity.PodAntiAffinity is { } paa)
        {
            ValidatePodAffinity(paa, Paths.Child(path, "podAntiAffinity"), errs);
        }
    }

    private static void Weight(int weight, string path, List<FieldError> errs)
    {
        if (weight is < 1 or > 100)
        {
            errs.Add(FieldError.Invalid(path, weight, "must be in the range 1-100"));
        }
    }

    private static void ValidateNodeSelectorTerm(NodeSelectorTerm term, string path, List<FieldError> errs)
    {
        var exprs = term.MatchExpressions ?? [];
        for (var i = 0; i < exprs.Count; i++)
        {
            var e = exprs[i];
            var ep = Paths.Index(Paths.Child(path, "matchExpressions"), i);
            var count = e.Values?.Count ?? 0;
            switch (e.Operator)
            {
                case "In" or "NotIn":
                    if (count == 0)
                    {
                        errs.Add(FieldError.Required(Paths.Child(ep, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case "Exists" or "DoesNotExist":
                    if (count > 0)
                    {
                        errs.Add(FieldError.Forbidden(Paths.Child(ep, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                case "Gt" or "Lt":
                    if (count != 1)
                    {
                        errs.Add(FieldError.Required(Paths.Child(ep, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                    }
                    else if (!long.TryParse(e.Values![0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                    {
                        errs.Add(FieldError.Invalid(Paths.Index(Paths.Child(ep, "values"), 0), e.Values[0], "must be an integer"));
                    }
                    break;
                default:
                    errs.Add(FieldError.Invalid(Paths.Child(ep, "operator"), e.Operator, "not a valid selector operator"));
                    break;
            }
            foreach (var msg in NameRules.IsQualifiedName(e.Key))
            {
                errs.Add(FieldError.Invalid(Paths.Child(ep, "key"), e.Key, msg));
            }
        }
        var fields = term.MatchFields ?? [];
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            var fp = Paths.Index(Paths.Child(path, "matchFields"), i);
            if (f.Key != "metadata.name")
            {
                errs.Add(FieldError.Invalid(Paths.Child(fp, "key"), f.Key, "not a valid field selector key"));
            }
            if (f.Operator is "In" or "NotIn")
            {
                if ((f.Values?.Count ?? 0) != 1)
                {
                    errs.Add(FieldError.Required(Paths.Child(fp, "values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
                }
            }
            else
            {
                errs.Add(FieldError.Invalid(Paths.Child(fp, "operator"), f.Operator, "not a valid selector operator"));
            }
        }
    }

    private static void ValidatePodAffinity(PodAffinity affinity, string path, List<FieldError> errs)
    {
        var required = affinity.RequiredDuringSchedulingIgnoredDuringExecution ?? [];
        for (var i = 0; i < required.Count; i++)
        {
            ValidatePodAffinityTerm(required[i], Paths.Index(Paths.Child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i), errs);
        }
        var preferred = affinity.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
        for (var i = 0; i < preferred.Count; i++)
        {
            var pp = Paths.Index(Paths.Child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
            Weight(preferred[i].Weight, Paths.Child(pp, "weight"), errs);
            ValidatePodAffinityTerm(preferred[i].PodAffinityTerm ?? new PodAffinityTerm(), Paths.Child(pp, "podAffinityTerm"), errs);
        }
    }

    private static void ValidatePodAffinityTerm(PodAffinityTerm term, string path, List<FieldError> errs)
    {
        if (term.LabelSelector is not null)
        {
            errs.AddRange(Selector.ValidateLabelSelector(term.LabelSelector, Paths.Child(path, "labelSelector")));
        }
        if (term.NamespaceSelector is not null)
        {
            errs.AddRange(Selector.ValidateLabelSelector(term.NamespaceSelector, Paths.Child(path, "namespaceSelector")));
        }
        var namespaces = term.Namespaces ?? [];
        for (var i = 0; i < namespaces.Count; i++)
        {
            foreach (var msg in NameRules.IsDns1123Label(namespaces[i]))
            {
                errs.Add(FieldError.Invalid(Paths.Index(Paths.Child(path, "namespaces"), i), namespaces[i], msg));
            }
        }
        TopologyKey(term.TopologyKey, Paths.Child(path, "topologyKey"), errs);
    }

    private static void TopologyKey(string? key, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(key))
        {
            errs.Add(FieldError.Required(path, "can not be empty"));
            return;
        }
        foreach (var msg in NameRules.IsQualifiedName(key))
        {
            errs.Add(FieldError.Invalid(path, key, msg));
        }
    }

    internal static void ValidateTopologySpread(IReadOnlyList<TopologySpreadConstraint> constraints, string path, List<FieldError> errs)
    {
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < constraints.Count; i++)
        {
            var c = constraints[i];
            var cp = Paths.Index(path, i);
            if (c.MaxSkew <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(cp, "maxSkew"), c.MaxSkew, "must be greater than zero"));
            }
            TopologyKey(c.TopologyKey, Paths.Child(cp, "topologyKey"), errs);
            if (!ScheduleActions.Contains(c.WhenUnsatisfiable ?? "", StringComparer.Ordinal))
            {
                errs.Add(FieldError.NotSupported(Paths.Child(cp, "whenUnsatisfiable"), c.WhenUnsatisfiable ?? "", ScheduleActions));
            }
            if (c.MinDomains is { } minDomains)
            {
                if (minDomains < 1)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(cp, "minDomains"), minDomains, "must be greater than 0"));
                }
                else if (c.WhenUnsatisfiable != "DoNotSchedule")
                {
                    errs.Add(FieldError.Invalid(Paths.Child(cp, "minDomains"), minDomains,
                        $"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {c.WhenUnsatisfiable}"));
                }
            }
            if (c.LabelSelector is not null)
            {
                errs.AddRange(Selector.ValidateLabelSelector(c.LabelSelector, Paths.Child(cp, "labelSelector")));
            }
            if (!seen.Add((c.TopologyKey ?? "", c.WhenUnsatisfiable ?? "")))
            {
                errs.Add(FieldError.Duplicate(cp, $"{{{c.TopologyKey}, {c.WhenUnsatisfiable}}}"));
            }
        }
    }
}
