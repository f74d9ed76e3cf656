using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler.Config;

/// <summary>A plugin named at an extension point, with its score weight if given.</summary>
public sealed record PluginEntry(string Name, long? Weight = null);

/// <summary>The enabled and disabled plugins of one extension point ("*" disables every default).</summary>
public sealed record PluginSet
{
    public static readonly PluginSet Empty = new();

    public IReadOnlyList<PluginEntry> Enabled { get; init; } = [];

    public IReadOnlyList<string> Disabled { get; init; } = [];
}

/// <summary>One entry of KubeSchedulerConfiguration.profiles, as written (defaults are merged when profiles are built).</summary>
public sealed record ProfileConfiguration
{
    public string SchedulerName { get; init; } = SchedulingProfile.DefaultSchedulerName;

    /// <summary>Overrides the configuration-wide value for this profile.</summary>
    public int? PercentageOfNodesToScore { get; init; }

    public PluginSet MultiPoint { get; init; } = PluginSet.Empty;

    public PluginSet Filter { get; init; } = PluginSet.Empty;

    public PluginSet Score { get; init; } = PluginSet.Empty;

    /// <summary>Decoded pluginConfig args by plugin name (NodeResourcesFitArgs, …).</summary>
    public IReadOnlyDictionary<string, object> PluginArgs { get; init; } = new Dictionary<string, object>();
}

/// <summary>
/// The parts of kube-scheduler's KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) that MiniKube
/// uses: profiles with plugin sets and plugin args, percentageOfNodesToScore, and the backoff timings.
/// </summary>
public sealed record SchedulerConfiguration
{
    public static readonly SchedulerConfiguration Default = new();

    /// <summary>0 = adaptive.</summary>
    public int PercentageOfNodesToScore { get; init; }

    public SchedulingQueueOptions Queue { get; init; } = new();

    public IReadOnlyList<ProfileConfiguration> Profiles { get; init; } = [new ProfileConfiguration()];

    /// <summary>
    /// Instantiates every profile: in-tree defaults merged with what the file enables and disables (upstream's
    /// merge and multiPoint expansion rules), plugin args applied, <paramref name="binder"/> attached.
    /// </summary>
    public IReadOnlyList<SchedulingProfile> BuildProfiles(PluginRegistry? registry = null, IBindPlugin? binder = null)
    {
        registry ??= PluginRegistry.CreateInTree();
        var errors = new List<FieldError>();
        var result = new List<SchedulingProfile>();
        for (var i = 0; i < Profiles.Count; i++)
        {
            var profile = ProfileBuilder.Build(Profiles[i], $"profiles[{i}]", this, registry, binder, errors);
            if (profile is not null)
            {
                result.Add(profile);
            }
        }
        if (errors.Count > 0)
        {
            throw new SchedulerConfigException(errors);
        }
        return result;
    }
}

/// <summary>A configuration file that cannot be used; <see cref="Errors"/> lists every problem with its path.</summary>
public sealed class SchedulerConfigException(IReadOnlyList<FieldError> errors)
    : Exception("invalid scheduler configuration: " + string.Join("; ", errors))
{
    /// <summary>Each problem as a line, <c>path: message</c>.</summary>
    public IReadOnlyList<string> Errors { get; } = errors.Select(e => e.ToString()).ToList();

    public IReadOnlyList<FieldError> FieldErrors { get; } = errors;
}
