namespace MiniKube.Api;

/// <summary>Deployment, ReplicaSet, DaemonSet and Job validation.</summary>
public static partial class Validator
{
    private static readonly string[] DeploymentStrategies = [DeploymentStrategyType.Recreate, DeploymentStrategyType.RollingUpdate];
    private static readonly string[] DaemonSetStrategies = [DaemonSetUpdateStrategyType.RollingUpdate, DaemonSetUpdateStrategyType.OnDelete];
    private static readonly string[] JobRestartPolicies = [RestartPolicy.OnFailure, RestartPolicy.Never];
    private static readonly string[] CompletionModes = ["NonIndexed", "Indexed"];

    private static void ValidateDeployment(Deployment d, List<FieldError> errs)
    {
        var spec = d.Spec ?? new DeploymentSpec();
        NonNegativeField(spec.Replicas, "spec.replicas", errs);
        ValidateWorkloadSelector(spec.Selector, spec.Template, "deployment", required: true, errs);
        ValidateReplicatedTemplate(spec.Template, "ReplicaSet", errs);

        if (spec.Strategy is { } strategy)
        {
            const string sp = "spec.strategy";
            OneOf(strategy.Type, sp + ".type", DeploymentStrategies, errs);
            if (strategy.Type == DeploymentStrategyType.Recreate && strategy.RollingUpdate is not null)
            {
                errs.Add(FieldError.Forbidden(sp + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
            }
            else if (strategy.RollingUpdate is { } ru)
            {
                const string rp = sp + ".rollingUpdate";
                IntOrPercent(ru.MaxUnavailable, rp + ".maxUnavailable", errs);
                IntOrPercent(ru.MaxSurge, rp + ".maxSurge", errs);
                NotMoreThan100Percent(ru.MaxUnavailable, rp + ".maxUnavailable", errs);
                // Unset values default to 25%, so only two explicit zeros can stall a rollout.
                if (ru.MaxUnavailable is { } mu && ru.MaxSurge is { } ms && IsZero(mu) && IsZero(ms))
                {
                    errs.Add(FieldError.Invalid(rp + ".maxUnavailable", Box(mu), "may not be 0 when `maxSurge` is 0"));
                }
            }
        }
        NonNegativeField(spec.MinReadySeconds, "spec.minReadySeconds", errs);
        NonNegativeField(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errs);
        if (spec.ProgressDeadlineSeconds is { } deadline)
        {
            NonNegativeField(deadline, "spec.progressDeadlineSeconds", errs);
            if (deadline <= (spec.MinReadySeconds ?? 0))
            {
                errs.Add(FieldError.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    private static void ValidateReplicaSet(ReplicaSet rs, List<FieldError> errs)
    {
        var spec = rs.Spec ?? new ReplicaSetSpec();
        NonNegativeField(spec.Replicas, "spec.replicas", errs);
        NonNegativeField(spec.MinReadySeconds, "spec.minReadySeconds", errs);
        ValidateWorkloadSelector(spec.Selector, spec.Template, "replicaset", required: true, errs);
        ValidateReplicatedTemplate(spec.Template, "ReplicaSet", errs);
    }

    private static void ValidateDaemonSet(DaemonSet ds, List<FieldError> errs)
    {
        var spec = ds.Spec ?? new DaemonSetSpec();
        ValidateWorkloadSelector(spec.Selector, spec.Template, "daemonset", required: true, errs);
        ValidateReplicatedTemplate(spec.Template, "DaemonSet", errs);
        NonNegativeField(spec.MinReadySeconds, "spec.minReadySeconds", errs);
        NonNegativeField(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errs);
        if (spec.UpdateStrategy is { } strategy)
        {
            const string sp = "spec.updateStrategy";
            OneOf(strategy.Type, sp + ".type", DaemonSetStrategies, errs);
            if (strategy.Type == DaemonSetUpdateStrategyType.OnDelete && strategy.RollingUpdate is not null)
            {
                errs.Add(FieldError.Forbidden(sp + ".rollingUpdate", "may not be specified when strategy `type` is 'OnDelete'"));
            }
            else if (strategy.RollingUpdate is { } ru)
            {
                const string rp = sp + ".rollingUpdate";
                IntOrPercent(ru.MaxUnavailable, rp + ".maxUnavailable", errs);
                IntOrPercent(ru.MaxSurge, rp + ".maxSurge", errs);
                NotMoreThan100Percent(ru.MaxUnavailable, rp + ".maxUnavailable", errs);
                NotMoreThan100Percent(ru.MaxSurge, rp + ".maxSurge", errs);
                // A node's daemon pod is either replaced in place (unavailable) or surged, never both;
                // unset values count as their defaults (maxUnavailable 1, maxSurge 0).
                var hasUnavailable = ru.MaxUnavailable is not { } mu || !IsZero(mu);
                var hasSurge = ru.MaxSurge is { } ms && !IsZero(ms);
                if (hasUnavailable && hasSurge)
                {
                    errs.Add(FieldError.Invalid(rp + ".maxSurge", Box(ru.MaxSurge!.Value), "may not be set when maxUnavailable is non-zero"));
                }
                else if (!hasUnavailable && !hasSurge)
                {
                    errs.Add(FieldError.Invalid(rp + ".maxUnavailable", Box(ru.MaxUnavailable!.Value), "cannot be 0 when maxSurge is 0"));
                }
            }
        }
    }

    private static void ValidateJob(Job job, List<FieldError> errs)
    {
        var spec = job.Spec ?? new JobSpec();
        NonNegativeField(spec.Parallelism, "spec.parallelism", errs);
        NonNegativeField(spec.Completions, "spec.completions", errs);
        NonNegativeField(spec.BackoffLimit, "spec.backoffLimit", errs);
        NonNegativeField(spec.ActiveDeadlineSeconds, "spec.activeDeadlineSeconds", errs);
        NonNegativeField(spec.TtlSecondsAfterFinished, "spec.ttlSecondsAfterFinished", errs);
        OneOf(spec.CompletionMode, "spec.completionMode", CompletionModes, errs);
        if (spec.CompletionMode == "Indexed" && spec.Completions is null)
        {
            errs.Add(FieldError.Required("spec.completions", "when completion mode is Indexed"));
        }
        // Without manualSelector the selector is generated from the Job's uid (see Defaulter), so it may be absent here.
        ValidateWorkloadSelector(spec.Selector, spec.Template, "job", required: spec.ManualSelector == true, errs);
        ValidatePodTemplate(spec.Template, "spec.template", errs);
        var restartPolicy = spec.Template?.Spec?.RestartPolicy;
        if (string.IsNullOrEmpty(restartPolicy))
        {
            errs.Add(FieldError.Required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""));
        }
        else if (!JobRestartPolicies.Contains(restartPolicy, StringComparer.Ordinal))
        {
            errs.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, JobRestartPolicies));
        }
    }

    /// <summary>
    /// The selector of a controller: required (unless generated), valid, not empty (it would adopt every pod of
    /// the namespace), and matching the labels of the pods it creates (or it would create them forever).
    /// </summary>
    private static void ValidateWorkloadSelector(LabelSelector? selector, PodTemplateSpec? template, string kind, bool required, List<FieldError> errs)
    {
        const string path = "spec.selector";
        if (selector is null)
        {
            if (required)
            {
                errs.Add(FieldError.Required(path));
            }
            return;
        }
        var selectorErrors = Selector.ValidateLabelSelector(selector, path);
        errs.AddRange(selectorErrors);
        if ((selector.MatchLabels?.Count ?? 0) + (selector.MatchExpressions?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Invalid(path, Raw(selector), $"empty selector is invalid for {kind}"));
            return;
        }
        if (selectorErrors.Count > 0 || template is null)
        {
            return;
        }
        var labels = template.Metadata?.Labels ?? new Dictionary<string, string>();
        if (!Selector.FromLabelSelector(selector).Matches(labels))
        {
            errs.Add(FieldError.Invalid("spec.template.metadata.labels", Raw(labels), "`selector` does not match template `labels`"));
        }
    }

    /// <summary>Templates of controllers that keep pods running: restartPolicy must be Always and there is no deadline.</summary>
    private static void ValidateReplicatedTemplate(PodTemplateSpec? template, string controller, List<FieldError> errs)
    {
        ValidatePodTemplate(template, "spec.template", errs);
        var spec = template?.Spec;
        if (spec is null)
        {
            return;
        }
        if (!string.IsNullOrEmpty(spec.RestartPolicy) && spec.RestartPolicy != RestartPolicy.Always)
        {
            errs.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", spec.RestartPolicy, [RestartPolicy.Always]));
        }
        if (spec.ActiveDeadlineSeconds is { } deadline)
        {
            errs.Add(FieldError.Invalid("spec.template.spec.activeDeadlineSeconds", deadline, $"activeDeadlineSeconds in {controller} is not Supported"));
        }
    }

    /// <summary>A non-negative integer or a percentage such as "25%".</summary>
    private static void IntOrPercent(IntOrString? value, string path, List<FieldError> errs)
    {
        if (value is not { } v)
        {
            return;
        }
        if (v.IsInt)
        {
            NonNegativeField(v.IntValue, path, errs);
        }
        else if (!IsPercent(v.StringValue))
        {
            errs.Add(FieldError.Invalid(path, v.StringValue, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '25%')"));
        }
    }

    private static void NotMoreThan100Percent(IntOrString? value, string path, List<FieldError> errs)
    {
        if (value is { IsString: true } v && IsPercent(v.StringValue) && int.Parse(v.StringValue.AsSpan(0, v.StringValue.Length - 1), System.Globalization.CultureInfo.InvariantCulture) > 100)
        {
            errs.Add(FieldError.Invalid(path, v.StringValue, "must not be greater than 100%"));
        }
    }

    private static bool IsPercent(string s) =>
        s.Length is > 1 and <= 10 && s[^1] == '%' && s.AsSpan(0, s.Length - 1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsZero(IntOrString v) => v.IsInt ? v.IntValue == 0 : IsPercent(v.StringValue) && v.StringValue.TrimEnd('%').All(c => c == '0');
}
