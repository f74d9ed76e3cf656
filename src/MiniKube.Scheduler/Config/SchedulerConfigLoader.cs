using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler.Config;

/// <summary>
/// Reads a KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1 shape). Strict: unknown fields,
/// unknown plugin names, bad values and plugins enabled at points they do not implement are all reported,
/// each with its path — <c>profiles[0].plugins.score.enabled[1].name: unknown plugin "Foo"</c> — in one
/// <see cref="SchedulerConfigException"/>.
/// </summary>
public static class SchedulerConfigLoader
{
    public const string ApiVersion = "kubescheduler.config.k8s.io/v1";
    public const string Kind = "KubeSchedulerConfiguration";

    private static readonly string[] ExtensionPoints =
    [
        "multiPoint", "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
        "reserve", "permit", "preBind", "bind", "postBind",
    ];

    /// <summary>The configuration in <paramref name="path"/>, or the in-tree defaults when no file is given.</summary>
    public static SchedulerConfiguration Load(string? path, PluginRegistry? registry = null)
    {
        if (string.IsNullOrEmpty(path))
        {
            return SchedulerConfiguration.Default;
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SchedulerConfigException([$"cannot read scheduler configuration \"{path}\": {e.Message}"]);
        }
        return Parse(text, registry);
    }

    public static SchedulerConfiguration Parse(string yaml, PluginRegistry? registry = null)
    {
        registry ??= PluginRegistry.CreateInTree();
        var errors = new ConfigErrors();
        var root = ConfigNode.Parse(yaml, errors);
        if (root is null || !root.ExpectMap())
        {
            throw new SchedulerConfigException(errors.All);
        }
        root.AllowOnly(
            "apiVersion", "kind", "parallelism", "percentageOfNodesToScore", "podInitialBackoffSeconds", "podMaxBackoffSeconds",
            "profiles", "extenders", "leaderElection", "clientConnection", "healthzBindAddress", "metricsBindAddress",
            "enableProfiling", "enableContentionProfiling", "delayCacheUntilActive");
        if (root.String("apiVersion") is { } apiVersion && apiVersion != ApiVersion)
        {
            errors.NotSupported("apiVersion", apiVersion, ApiVersion);
        }
        if (root.String("kind") is { } kind && kind != Kind)
        {
            errors.NotSupported("kind", kind, Kind);
        }
        var percentage = Percentage(root, "percentageOfNodesToScore", errors) ?? 0;
        var initial = root.Integer("podInitialBackoffSeconds") ?? 1;
        var max = root.Integer("podMaxBackoffSeconds") ?? 10;
        if (initial <= 0)
        {
            errors.Invalid("podInitialBackoffSeconds", initial, "must be greater than 0");
        }
        if (max < initial)
        {
            errors.Invalid("podMaxBackoffSeconds", max, "must be greater than or equal to PodInitialBackoffSeconds");
        }
        if (root.Get("extenders") is { } extenders && extenders.Items().Any())
        {
            errors.Add("extenders", "not supported by MiniKube");
        }

        var profiles = new List<ProfileConfiguration>();
        if (root.Get("profiles") is { } list)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list.Items())
            {
                if (!item.ExpectMap())
                {
                    continue;
                }
                var profile = ParseProfile(item, registry, errors);
                if (!names.Add(profile.SchedulerName))
                {
                    errors.Duplicate($"{item.Path}.schedulerName", profile.SchedulerName);
                }
                profiles.Add(profile);
            }
        }
        if (profiles.Count == 0)
        {
            profiles.Add(new ProfileConfiguration());
        }
        var config = new SchedulerConfiguration
        {
            PercentageOfNodesToScore = percentage,
            Queue = new SchedulingQueueOptions
            {
                PodInitialBackoff = TimeSpan.FromSeconds(Math.Max(1, initial)),
                PodMaxBackoff = TimeSpan.FromSeconds(Math.Max(Math.Max(1, initial), max)),
            },
            Profiles = profiles,
        };
        if (!errors.Any)
        {
            // Building the profiles finds what only the plugins themselves know (which points they implement).
            for (var i = 0; i < profiles.Count; i++)
            {
                ProfileBuilder.Build(profiles[i], $"profiles[{i}]", config, registry, null, errors);
            }
        }
        if (errors.Any)
        {
            throw new SchedulerConfigException(errors.All);
        }
        return config;
    }

    private static ProfileConfiguration ParseProfile(ConfigNode node, PluginRegistry registry, ConfigErrors errors)
    {
        node.AllowOnly("schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig");
        var name = node.String("schedulerName");
        var profile = new ProfileConfiguration
        {
            SchedulerName = string.IsNullOrEmpty(name) ? SchedulingProfile.DefaultSchedulerName : name,
            PercentageOfNodesToScore = Percentage(node, "percentageOfNodesToScore", errors),
        };
        if (node.Get("plugins") is { } plugins && plugins.ExpectMap())
        {
            plugins.AllowOnly(ExtensionPoints);
            var sets = new Dictionary<string, PluginSet>(StringComparer.Ordinal);
            foreach (var point in ExtensionPoints)
            {
                if (plugins.Get(point) is { } set && set.ExpectMap())
                {
                    sets[point] = ParsePluginSet(set, registry, errors);
                }
            }
            profile = profile with
            {
                MultiPoint = sets.GetValueOrDefault("multiPoint", PluginSet.Empty),
                Filter = sets.GetValueOrDefault("filter", PluginSet.Empty),
                Score = sets.GetValueOrDefault("score", PluginSet.Empty),
            };
        }
        if (node.Get("pluginConfig") is { } configs)
        {
            var args = new Dictionary<string, object>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in configs.Items())
            {
                if (!item.ExpectMap())
                {
                    continue;
                }
                item.AllowOnly("name", "args");
                var plugin = item.String("name");
                if (string.IsNullOrEmpty(plugin))
                {
                    errors.Required($"{item.Path}.name");
                    continue;
                }
                if (!registry.IsKnown(plugin))
                {
                    errors.Add($"{item.Path}.name", $"unknown plugin \"{plugin}\"");
                    continue;
                }
                if (!seen.Add(plugin))
                {
                    errors.Duplicate($"{item.Path}.name", plugin);
                    continue;
                }
                if (item.Get("args") is not { } raw)
                {
                    continue;
                }
                if (!raw.ExpectMap())
                {
                    continue;
                }
                if (registry.DecoderOf(plugin) is not { } decode)
                {
                    if (registry.IsInert(plugin))
                    {
                        continue;
                    }
                    raw.AllowOnly("apiVersion", "kind");
                    continue;
                }
                if (decode(raw) is { } decoded)
                {
                    args[plugin] = decoded;
                }
            }
            profile = profile with { PluginArgs = args };
        }
        return profile;
    }

    private static PluginSet ParsePluginSet(ConfigNode set, PluginRegistry registry, ConfigErrors errors)
    {
        set.AllowOnly("enabled", "disabled");
        var enabled = new List<PluginEntry>();
        if (set.Get("enabled") is { } list)
        {
            foreach (var item in list.Items())
            {
                if (!item.ExpectMap())
                {
                    continue;
                }
                item.AllowOnly("name", "weight");
                var name = item.String("name");
                var weight = item.Integer("weight");
                if (string.IsNullOrEmpty(name))
                {
                    errors.Required($"{item.Path}.name");
                    continue;
                }
                if (!registry.IsKnown(name))
                {
                    errors.Add($"{item.Path}.name", $"unknown plugin \"{name}\"");
                    continue;
                }
                if (weight < 0)
                {
                    errors.Invalid($"{item.Path}.weight", weight, "must not be negative");
                }
                enabled.Add(new PluginEntry(name, weight));
            }
        }
        var disabled = new List<string>();
        if (set.Get("disabled") is { } off)
        {
            foreach (var item in off.Items())
            {
                if (!item.ExpectMap())
                {
                    continue;
                }
                item.AllowOnly("name", "weight");
                var name = item.String("name");
                if (string.IsNullOrEmpty(name))
                {
                    errors.Required($"{item.Path}.name");
                    continue;
                }
                if (name != "*" && !registry.IsKnown(name))
                {
                    errors.Add($"{item.Path}.name", $"unknown plugin \"{name}\"");
                    continue;
                }
                disabled.Add(name);
            }
        }
        return new PluginSet { Enabled = enabled, Disabled = disabled };
    }

    private static int? Percentage(ConfigNode node, string key, ConfigErrors errors)
    {
        var value = node.Integer(key);
        if (value is null)
        {
            return null;
        }
        if (value is < 0 or > 100)
        {
            errors.Invalid(node.Path.Length == 0 ? key : $"{node.Path}.{key}", value, "not in valid range [0-100]");
            return null;
        }
        return (int)value;
    }
}
