using MiniKube.Api;

namespace MiniKube.Controllers.Autoscaling;

/// <summary>A condition the normalization sets: type, status, reason, message.</summary>
public readonly record struct ConditionChange(string Type, string Status, string Reason, string Message);

/// <summary>
/// Kubernetes' normalization of a metric proposal, per autoscaler: stabilization (the highest recommendation of the
/// downscale window, the lowest of the upscale window with a <c>behavior</c>), then the rate limits — without a
/// behavior at most max(2 × current, 4) up; with one, the scaleUp/scaleDown policies (Pods or Percent per periodSeconds,
/// selectPolicy Max/Min/Disabled) measured against the replicas at the start of each policy's period — then min/max.
/// Remembers recommendations and scale events in memory, as the Kubernetes controller does.
/// </summary>
public sealed class ScaleNormalizer(TimeSpan downscaleStabilization, TimeProvider time)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, List<Recommendation>> _recommendations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ScaleEvent>> _scaleUps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ScaleEvent>> _scaleDowns = new(StringComparer.Ordinal);

    public void Forget(string key)
    {
        lock (_lock)
        {
            _recommendations.Remove(key);
            _scaleUps.Remove(key);
            _scaleDowns.Remove(key);
        }
    }

    /// <summary>The first sync of an autoscaler recommends the current size.</summary>
    public void RecordInitialRecommendation(string key, int currentReplicas)
    {
        lock (_lock)
        {
            if (!_recommendations.ContainsKey(key))
            {
                _recommendations[key] = [new Recommendation(currentReplicas, time.GetUtcNow())];
            }
        }
    }

    /// <summary>The desired count after stabilization and limits, and the AbleToScale / ScalingLimited conditions it implies.</summary>
    public (int Desired, ConditionChange AbleToScale, ConditionChange ScalingLimited) Normalize(string key, HorizontalPodAutoscalerSpec spec,
        int currentReplicas, int proposed, int minReplicas)
    {
        lock (_lock)
        {
            return spec.Behavior is null
                ? NormalizeWithoutBehavior(key, currentReplicas, proposed, minReplicas, spec.MaxReplicas)
                : NormalizeWithBehavior(key, spec.Behavior, currentReplicas, proposed, minReplicas, spec.MaxReplicas);
        }
    }

    /// <summary>Remembers a rescale for the behavior's rate policies (not kept without a behavior, as in Kubernetes).</summary>
    public void RecordScaleEvent(string key, HorizontalPodAutoscalerBehavior? behavior, int previous, int next)
    {
        if (behavior is null || previous == next)
        {
            return;
        }
        lock (_lock)
        {
            var up = next > previous;
            var rules = up ? HpaBehaviorDefaults.ScaleUp(behavior.ScaleUp) : HpaBehaviorDefaults.ScaleDown(behavior.ScaleDown);
            var events = up ? _scaleUps : _scaleDowns;
            if (!events.TryGetValue(key, out var list))
            {
                list = [];
                events[key] = list;
            }
            var longest = TimeSpan.FromSeconds((rules.Policies ?? []).Select(p => p.PeriodSeconds).DefaultIfEmpty(0).Max());
            var now = time.GetUtcNow();
            // Events older than the longest period no longer limit anything; reuse one slot.
            var index = list.FindIndex(e => e.Time <= now - longest);
            var change = new ScaleEvent(Math.Abs(next - previous), now);
            if (index >= 0)
            {
                list[index] = change;
            }
            else
            {
                list.Add(change);
            }
        }
    }

    private (int, ConditionChange, ConditionChange) NormalizeWithoutBehavior(string key, int current, int proposed, int min, int max)
    {
        var stabilized = StabilizeWithoutBehavior(key, proposed);
        var able = stabilized != proposed
            ? new ConditionChange(HpaConditions.AbleToScale, ConditionStatus.True, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation")
            : new ConditionChange(HpaConditions.AbleToScale, ConditionStatus.True, "ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = ConvertWithRules(current, stabilized, min, max);
        var limited = new ConditionChange(HpaConditions.ScalingLimited, desired == stabilized ? ConditionStatus.False : ConditionStatus.True, reason, message);
        return (desired, able, limited);
    }

    private int StabilizeWithoutBehavior(string key, int proposed)
    {
        var now = time.GetUtcNow();
        var cutoff = now - downscaleStabilization;
        var max = proposed;
        var list = Recommendations(key);
        var oldIndex = -1;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Time < cutoff)
            {
                oldIndex = i;
            }
            else if (list[i].Replicas > max)
            {
                max = list[i].Replicas;
            }
        }
        Record(list, oldIndex, new Recommendation(proposed, now));
        return max;
    }

    private static (int, string, string) ConvertWithRules(int current, int desired, int min, int max)
    {
        var scaleUpLimit = (int)Math.Max(2.0 * current, 4.0);
        int maximumAllowed;
        string reason, message;
        if (max > scaleUpLimit)
        {
            maximumAllowed = scaleUpLimit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        else
        {
            maximumAllowed = max;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        }
        if (desired < min)
        {
            return (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }
        if (desired > maximumAllowed)
        {
            return (maximumAllowed, reason, message);
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    private (int, ConditionChange, ConditionChange) NormalizeWithBehavior(string key, HorizontalPodAutoscalerBehavior behavior, int current, int proposed,
        int min, int max)
    {
        var up = HpaBehaviorDefaults.ScaleUp(behavior.ScaleUp);
        var down = HpaBehaviorDefaults.ScaleDown(behavior.ScaleDown);
        // An unset scale-down window takes the controller's --horizontal-pod-autoscaler-downscale-stabilization.
        var downWindow = down.StabilizationWindowSeconds is { } s ? TimeSpan.FromSeconds(s) : downscaleStabilization;
        var upWindow = TimeSpan.FromSeconds(up.StabilizationWindowSeconds ?? 0);
        var (stabilized, stabilizedReason, stabilizedMessage) = StabilizeWithBehavior(key, current, proposed, upWindow, downWindow);
        var able = stabilized != proposed
            ? new ConditionChange(HpaConditions.AbleToScale, ConditionStatus.True, stabilizedReason, stabilizedMessage)
            : new ConditionChange(HpaConditions.AbleToScale, ConditionStatus.True, "ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = ConvertWithBehaviorRate(key, current, stabilized, min, max, up, down);
        var limited = new ConditionChange(HpaConditions.ScalingLimited, desired == stabilized ? ConditionStatus.False : ConditionStatus.True, reason, message);
        return (desired, able, limited);
    }

    private (int, string, string) StabilizeWithBehavior(string key, int current, int proposed, TimeSpan upWindow, TimeSpan downWindow)
    {
        var now = time.GetUtcNow();
        var upCutoff = now - upWindow;
        var downCutoff = now - downWindow;
        var upRecommendation = proposed;
        var downRecommendation = proposed;
        var list = Recommendations(key);
        var oldIndex = -1;
        for (var i = 0; i < list.Count; i++)
        {
            var rec = list[i];
            if (rec.Time > upCutoff)
            {
                upRecommendation = Math.Min(rec.Replicas, upRecommendation);
            }
            if (rec.Time > downCutoff)
            {
                downRecommendation = Math.Max(rec.Replicas, downRecommendation);
            }
            if (rec.Time < upCutoff && rec.Time < downCutoff)
            {
                oldIndex = i;
            }
        }
        var recommendation = current;
        if (recommendation < upRecommendation)
        {
            recommendation = upRecommendation;
        }
        if (recommendation > downRecommendation)
        {
            recommendation = downRecommendation;
        }
        Record(list, oldIndex, new Recommendation(proposed, now));
        return proposed >= current
            ? (recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
            : (recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
    }

    private (int, string, string) ConvertWithBehaviorRate(string key, int current, int desired, int min, int max, HPAScalingRules up, HPAScalingRules down)
    {
        var ups = _scaleUps.GetValueOrDefault(key) ?? [];
        var downs = _scaleDowns.GetValueOrDefault(key) ?? [];
        if (desired > current)
        {
            var limit = ScaleUpLimit(current, ups, downs, up);
            if (limit < current)
            {
                // No further scale-up until the recent events age out.
                limit = current;
            }
            int maximumAllowed;
            string reason, message;
            if (max > limit)
            {
                maximumAllowed = limit;
                reason = "ScaleUpLimit";
                message = "the desired replica count is increasing faster than the maximum scale rate";
            }
            else
            {
                maximumAllowed = max;
                reason = "TooManyReplicas";
                message = "the desired replica count is more than the maximum replica count";
            }
            if (desired > maximumAllowed)
            {
                return (maximumAllowed, reason, message);
            }
        }
        else if (desired < current)
        {
            var limit = ScaleDownLimit(current, ups, downs, down);
            if (limit > current)
            {
                limit = current;
            }
            int minimumAllowed;
            string reason, message;
            if (min < limit)
            {
                minimumAllowed = limit;
                reason = "ScaleDownLimit";
                message = "the desired replica count is decreasing faster than the maximum scale rate";
            }
            else
            {
                minimumAllowed = min;
                reason = "TooFewReplicas";
                message = "the desired replica count is less than the minimum replica count";
            }
            if (desired < minimumAllowed)
            {
                return (minimumAllowed, reason, message);
            }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    private int ScaleUpLimit(int current, List<ScaleEvent> ups, List<ScaleEvent> downs, HPAScalingRules rules)
    {
        if (rules.SelectPolicy == ScalingPolicySelect.Disabled)
        {
            return current;
        }
        var useMin = rules.SelectPolicy == ScalingPolicySelect.Min;
        var result = useMin ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies ?? [])
        {
            var start = current - ChangeInPeriod(policy.PeriodSeconds, ups) + ChangeInPeriod(policy.PeriodSeconds, downs);
            var proposed = policy.Type == HPAScalingPolicyType.Pods
                ? start + policy.Value
                : (int)Math.Ceiling(start * (1 + policy.Value / 100.0));
            result = useMin ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }
        return result;
    }

    private int ScaleDownLimit(int current, List<ScaleEvent> ups, List<ScaleEvent> downs, HPAScalingRules rules)
    {
        if (rules.SelectPolicy == ScalingPolicySelect.Disabled)
        {
            return current;
        }
        var useMin = rules.SelectPolicy == ScalingPolicySelect.Min;
        var result = useMin ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies ?? [])
        {
            var start = current - ChangeInPeriod(policy.PeriodSeconds, ups) + ChangeInPeriod(policy.PeriodSeconds, downs);
            var proposed = policy.Type == HPAScalingPolicyType.Pods
                ? start - policy.Value
                : (int)(start * (1 - policy.Value / 100.0));
            result = useMin ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }
        return result;
    }

    private int ChangeInPeriod(int periodSeconds, List<ScaleEvent> events)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(periodSeconds);
        return events.Where(e => e.Time > cutoff).Sum(e => e.Change);
    }

    private List<Recommendation> Recommendations(string key)
    {
        if (!_recommendations.TryGetValue(key, out var list))
        {
            list = [];
            _recommendations[key] = list;
        }
        return list;
    }

    private static void Record(List<Recommendation> list, int oldIndex, Recommendation recommendation)
    {
        if (oldIndex >= 0)
        {
            list[oldIndex] = recommendation;
        }
        else
        {
            list.Add(recommendation);
        }
    }

    private readonly record struct Recommendation(int Replicas, DateTimeOffset Time);

    private readonly record struct ScaleEvent(int Change, DateTimeOffset Time);
}

/// <summary>The HorizontalPodAutoscaler condition types.</summary>
public static class HpaConditions
{
    public const string AbleToScale = "AbleToScale";
    public const string ScalingActive = "ScalingActive";
    public const string ScalingLimited = "ScalingLimited";
}
