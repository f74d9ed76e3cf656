namespace MiniKube.Api;

/// <summary>The API form of a label selector (matchLabels / matchExpressions): its validation and its conversion to a <see cref="Selector"/>.</summary>
internal static class LabelSelectorConversion
{
    /// <summary>Implements <see cref="Selector.FromLabelSelector"/>.</summary>
    internal static Selector ToSelector(LabelSelector? selector)
    {
        if (selector is null)
        {
            return Selector.Nothing;
        }
        var errors = Validate(selector, "");
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
        return Selector.FromRequirements(reqs);
    }

    /// <summary>Implements <see cref="Selector.ValidateLabelSelector"/>.</summary>
    internal static IReadOnlyList<FieldError> Validate(LabelSelector selector, string path)
    {
        var errs = new List<FieldError>();
        if (selector.MatchLabels is not null)
        {
            Validator.ValidateLabels(selector.MatchLabels, Paths.Child(path, "matchLabels"), errs);
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

    private static SelectorOperator? ParseOperator(string op) => op switch
    {
        "In" => SelectorOperator.In,
        "NotIn" => SelectorOperator.NotIn,
        "Exists" => SelectorOperator.Exists,
        "DoesNotExist" => SelectorOperator.DoesNotExist,
        _ => null,
    };
}
