using System.Text.Json.Nodes;

namespace MiniKube.Scheduler.Config;

// The KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1) as written, field for field: decoded strictly by
// the API library's decoder (KubeSerializer.Decode), which reports unknown fields and wrong types with their paths. What
// the values mean is checked by SchedulerConfigLoader and PluginArgsDecoders.

internal sealed record KubeSchedulerConfigurationFile
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    public long? Parallelism { get; init; }

    public long? PercentageOfNodesToScore { get; init; }

    public long? PodInitialBackoffSeconds { get; init; }

    public long? PodMaxBackoffSeconds { get; init; }

    public IReadOnlyList<ProfileFile>? Profiles { get; init; }

    public IReadOnlyList<JsonNode>? Extenders { get; init; }

    // Accepted as upstream's, with no effect in MiniKube (its flags set these).
    public JsonNode? LeaderElection { get; init; }

    public JsonNode? ClientConnection { get; init; }

    public string? HealthzBindAddress { get; init; }

    public string? MetricsBindAddress { get; init; }

    public bool? EnableProfiling { get; init; }

    public bool? EnableContentionProfiling { get; init; }

    public bool? DelayCacheUntilActive { get; init; }
}

internal sealed record ProfileFile
{
    public string? SchedulerName { get; init; }

    public long? PercentageOfNodesToScore { get; init; }

    public PluginsFile? Plugins { get; init; }

    public IReadOnlyList<PluginConfigFile>? PluginConfig { get; init; }
}

/// <summary>The extension points; MiniKube acts on multiPoint, filter and score, and accepts upstream's others.</summary>
internal sealed record PluginsFile
{
    public PluginSetFile? MultiPoint { get; init; }

    public PluginSetFile? PreEnqueue { get; init; }

    public PluginSetFile? QueueSort { get; init; }

    public PluginSetFile? PreFilter { get; init; }

    public PluginSetFile? Filter { get; init; }

    public PluginSetFile? PostFilter { get; init; }

    public PluginSetFile? PreScore { get; init; }

    public PluginSetFile? Score { get; init; }

    public PluginSetFile? Reserve { get; init; }

    public PluginSetFile? Permit { get; init; }

    public PluginSetFile? PreBind { get; init; }

    public PluginSetFile? Bind { get; init; }

    public PluginSetFile? PostBind { get; init; }

    /// <summary>Every point that is set, with its name in the file.</summary>
    public IEnumerable<(string Point, PluginSetFile Set)> Points()
    {
        (string, PluginSetFile?)[] all =
        [
            ("multiPoint", MultiPoint), ("preEnqueue", PreEnqueue), ("queueSort", QueueSort), ("preFilter", PreFilter), ("filter", Filter),
            ("postFilter", PostFilter), ("preScore", PreScore), ("score", Score), ("reserve", Reserve), ("permit", Permit),
            ("preBind", PreBind), ("bind", Bind), ("postBind", PostBind),
        ];
        foreach (var (point, set) in all)
        {
            if (set is not null)
            {
                yield return (point, set);
            }
        }
    }
}

internal sealed record PluginSetFile
{
    public IReadOnlyList<PluginFile>? Enabled { get; init; }

    public IReadOnlyList<PluginFile>? Disabled { get; init; }
}

internal sealed record PluginFile
{
    public string? Name { get; init; }

    public long? Weight { get; init; }
}

internal sealed record PluginConfigFile
{
    public string? Name { get; init; }

    /// <summary>Decoded by the named plugin's args decoder.</summary>
    public JsonNode? Args { get; init; }
}

/// <summary>The args of a plugin that takes none: only its type fields.</summary>
internal sealed record EmptyArgsFile
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }
}
