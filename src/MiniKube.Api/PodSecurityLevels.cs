using System.Globalization;
using System.Text.RegularExpressions;

namespace MiniKube.Api;

/// <summary>The Pod Security Standards' levels, from the least to the most strict.</summary>
public enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}

/// <summary>
/// A level at a version of the standards, written as Kubernetes writes it (<c>baseline:latest</c>, <c>restricted:v1.32</c>).
/// MiniKube has one set of checks (Kubernetes' latest); a pinned version is kept for messages and evaluated with them.
/// </summary>
public readonly record struct PodSecurityPolicy(PodSecurityLevel Level, string Version)
{
    public const string Latest = "latest";

    public override string ToString() => $"{PodSecurityLabels.Name(Level)}:{Version}";
}

/// <summary>
/// The namespace labels that choose Pod Security levels (<c>pod-security.kubernetes.io/enforce|warn|audit</c> and their
/// <c>-version</c> labels), their parsing and validation.
/// </summary>
public static partial class PodSecurityLabels
{
    public const string Prefix = "pod-security.kubernetes.io/";
    public const string Enforce = Prefix + "enforce";
    public const string EnforceVersion = Prefix + "enforce-version";
    public const string Warn = Prefix + "warn";
    public const string WarnVersion = Prefix + "warn-version";
    public const string Audit = Prefix + "audit";
    public const string AuditVersion = Prefix + "audit-version";

    public const string LevelMessage = "must be one of privileged, baseline, restricted";
    public const string VersionMessage = "must be \"latest\" or \"v1.x\"";

    public static string Name(PodSecurityLevel level) => level switch
    {
        PodSecurityLevel.Privileged => "privileged",
        PodSecurityLevel.Baseline => "baseline",
        _ => "restricted",
    };

    public static bool TryParseLevel(string? text, out PodSecurityLevel level)
    {
        (var ok, level) = text switch
        {
            "privileged" => (true, PodSecurityLevel.Privileged),
            "baseline" => (true, PodSecurityLevel.Baseline),
            "restricted" => (true, PodSecurityLevel.Restricted),
            _ => (false, PodSecurityLevel.Restricted),
        };
        return ok;
    }

    public static bool IsValidVersion(string? text) =>
        text == PodSecurityPolicy.Latest || (text is not null && VersionPattern().Match(text) is { Success: true } m
            && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out _));

    /// <summary>The Invalid causes for a namespace whose Pod Security labels have values Kubernetes does not accept.</summary>
    public static IReadOnlyList<FieldError> Validate(IReadOnlyDictionary<string, string>? labels)
    {
        var errors = new List<FieldError>();
        if (labels is null)
        {
            return errors;
        }
        foreach (var label in (ReadOnlySpan<string>)[Enforce, Audit, Warn])
        {
            if (labels.TryGetValue(label, out var level) && !TryParseLevel(level, out _))
            {
                errors.Add(FieldError.Invalid($"metadata.labels[{label}]", level, LevelMessage));
            }
        }
        foreach (var label in (ReadOnlySpan<string>)[EnforceVersion, AuditVersion, WarnVersion])
        {
            if (labels.TryGetValue(label, out var version) && !IsValidVersion(version))
            {
                errors.Add(FieldError.Invalid($"metadata.labels[{label}]", version, VersionMessage));
            }
        }
        return errors;
    }

    /// <summary>
    /// One mode's policy from the labels, <paramref name="fallback"/> when its level label is absent. As in Kubernetes, an
    /// unreadable enforce level fails closed (restricted), an unreadable warn or audit level fails open (privileged), and an
    /// unreadable version is latest.
    /// </summary>
    public static PodSecurityPolicy PolicyFor(IReadOnlyDictionary<string, string>? labels, string levelLabel, string versionLabel, PodSecurityLevel fallback)
    {
        var level = fallback;
        if (labels is not null && labels.TryGetValue(levelLabel, out var text) && !TryParseLevel(text, out level))
        {
            level = levelLabel == Enforce ? PodSecurityLevel.Restricted : PodSecurityLevel.Privileged;
        }
        var version = labels is not null && labels.TryGetValue(versionLabel, out var v) && IsValidVersion(v) ? v : PodSecurityPolicy.Latest;
        return new PodSecurityPolicy(level, version);
    }

    [GeneratedRegex(@"^v1\.(0|[1-9][0-9]*)$")]
    private static partial Regex VersionPattern();
}
