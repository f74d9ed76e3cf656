using System.Globalization;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Queue;

namespace MiniKube.Scheduler.Config;

/// <summary>
/// Reads a KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1 shape) with the API library's strict decoder.
/// Unknown fields, wrong types, unknown plugin names, bad values and plugins enabled at points they do not implement are
/// all reported, each with its path — <c>profiles[0].plugins.score.enabled[1].name: unknown plugin "Foo"</c> — in the
/// order of the file, in one <see cref="SchedulerConfigException"/>.
/// </summary>
public static class SchedulerConfigLoader
{
    public const string ApiVersion = "kubescheduler.config.k8s.io/v1";
    public const string Kind = "KubeSchedulerConfiguration";

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
            throw new SchedulerConfigException([FieldError.Malformed("", $"cannot read scheduler configuration \"{path}\": {e.Message}")]);
        }
        return Parse(text, registry);
    }

    public static SchedulerConfiguration Parse(string yaml, PluginRegistry? registry = null)
    {
        registry ??= PluginRegistry.CreateInTree();
        JsonNode? document;
        try
        {
            document = KubeSerializer.ParseDocument(yaml);
        }
        catch (DecodeException e)
        {
            throw new SchedulerConfigException(e.Errors);
        }
        // An empty file (or one with only comments) is an empty configuration: every default.
        document ??= new JsonObject();
        var written = document.DeepClone();
        var errors = new List<FieldError>();
        var config = KubeSerializer.Decode<KubeSchedulerConfigurationFile>(document, "", errors) is { } file
            ? Interpret(file, registry, errors)
            : null;
        if (errors.Count > 0 || config is null)
        {
            throw new SchedulerConfigException(FieldOrder.Sort(errors, written));
        }
        return config;
    }

    private static SchedulerConfiguration Interpret(KubeSchedulerConfigurationFile file, PluginRegistry registry, List<FieldError> errors)
    {
        if (file.ApiVersion is { } apiVersion && apiVersion != ApiVersion)
        {
            errors.Add(FieldError.NotSupported("apiVersion", apiVersion, [ApiVersion]));
        }
        if (file.Kind is { } kind && kind != Kind)
        {
            errors.Add(FieldError.NotSupported("kind", kind, [Kind]));
        }
        var percentage = Percentage(file.PercentageOfNodesToScore, "percentageOfNodesToScore", errors) ?? 0;
        var initial = file.PodInitialBackoffSeconds ?? 1;
        var max = file.PodMaxBackoffSeconds ?? 10;
        if (initial <= 0)
        {
            errors.Add(FieldError.Invalid("podInitialBackoffSeconds", initial, "must be greater than 0"));
        }
        if (max < initial)
        {
            errors.Add(FieldError.Invalid("podMaxBackoffSeconds", max, "must be greater than or equal to PodInitialBackoffSeconds"));
        }
        if (file.Extenders is { Count: > 0 })
        {
            errors.Add(Problem("extenders", "not supported by MiniKube"));
        }

        var profiles = new List<ProfileConfiguration>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (file.Profiles?.Count ?? 0); i++)
        {
            var path = $"profiles[{i}]";
            var profile = InterpretProfile(file.Profiles![i], path, registry, errors);
            if (!names.Add(profile.SchedulerName))
            {
                errors.Add(FieldError.Duplicate($"{path}.schedulerName", profile.SchedulerName));
            }
            profiles.Add(profile);
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
        if (errors.Count == 0)
        {
            // Building the profiles finds what only the plugins themselves know (which points they implement).
            for (var i = 0; i < profiles.Count; i++)
            {
                ProfileBuilder.Build(profiles[i], $"profiles[{i}]", config, registry, null, errors);
            }
        }
        return config;
    }

    private static ProfileConfiguration InterpretProfile(ProfileFile file, string path, PluginRegistry registry, List<FieldError> errors)
    {
        var profile = new ProfileConfiguration
        {
            SchedulerName = string.IsNullOrEmpty(file.SchedulerName) ? SchedulingProfile.DefaultSchedulerName : file.SchedulerName,
            PercentageOfNodesToScore = Percentage(file.PercentageOfNodesToScore, $"{path}.percentageOfNodesToScore", errors),
        };
        if (file.Plugins is { } plugins)
        {
            var sets = plugins.Points().ToDictionary(p => p.Point, p => InterpretPluginSet(p.Set, $"{path}.plugins.{p.Point}", registry, errors));
            profile = profile with
            {
                MultiPoint = sets.GetValueOrDefault("multiPoint", PluginSet.Empty),
                Filter = sets.GetValueOrDefault("filter", PluginSet.Empty),
                Score = sets.GetValueOrDefault("score", PluginSet.Empty),
            };
        }
        var args = new Dictionary<string, object>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (file.PluginConfig?.Count ?? 0); i++)
        {
            var item = file.PluginConfig![i];
            var itemPath = $"{path}.pluginConfig[{i}]";
            if (!KnownName(item.Name, $"{itemPath}.name", registry, errors))
            {
                continue;
            }
            var plugin = item.Name!;
            if (!seen.Add(plugin))
            {
                errors.Add(FieldError.Duplicate($"{itemPath}.name", plugin));
                continue;
            }
            if (item.Args is not { } raw)
            {
                continue;
            }
            var argsPath = $"{itemPath}.args";
            if (raw is not JsonObject)
            {
                errors.Add(FieldError.TypeMismatch(argsPath, "expected object, got " + raw.GetValueKind().ToString().ToLowerInvariant()));
                continue;
            }
            if (registry.DecoderOf(plugin) is { } decode)
            {
                if (decode(raw, argsPath, errors) is { } decoded)
                {
                    args[plugin] = decoded;
                }
            }
            else if (!registry.IsInert(plugin))
            {
                KubeSerializer.Decode<EmptyArgsFile>(raw, argsPath, errors);
            }
        }
        return profile with { PluginArgs = args };
    }

    private static PluginSet InterpretPluginSet(PluginSetFile set, string path, PluginRegistry registry, List<FieldError> errors)
    {
        var enabled = new List<PluginEntry>();
        for (var i = 0; i < (set.Enabled?.Count ?? 0); i++)
        {
            var item = set.Enabled![i];
            var itemPath = $"{path}.enabled[{i}]";
            if (!KnownName(item.Name, $"{itemPath}.name", registry, errors))
            {
                continue;
            }
            if (item.Weight < 0)
            {
                errors.Add(FieldError.Invalid($"{itemPath}.weight", item.Weight, "must not be negative"));
            }
            enabled.Add(new PluginEntry(item.Name!, item.Weight));
        }
        var disabled = new List<string>();
        for (var i = 0; i < (set.Disabled?.Count ?? 0); i++)
        {
            var name = set.Disabled![i].Name;
            if (name == "*" || KnownName(name, $"{path}.disabled[{i}].name", registry, errors))
            {
                disabled.Add(name!);
            }
        }
        return new PluginSet { Enabled = enabled, Disabled = disabled };
    }

    /// <summary>Whether <paramref name="name"/> is set and names a registered plugin; reports it when not.</summary>
    private static bool KnownName(string? name, string path, PluginRegistry registry, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required(path));
            return false;
        }
        if (!registry.IsKnown(name))
        {
            errors.Add(Problem(path, $"unknown plugin \"{name}\""));
            return false;
        }
        return true;
    }

    private static int? Percentage(long? value, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (value is < 0 or > 100)
        {
            errors.Add(FieldError.Invalid(path, value, "not in valid range [0-100]"));
            return null;
        }
        return (int)value;
    }

    /// <summary>A problem kube-scheduler's own validation words freely (<c>unknown plugin "Foo"</c>): the message is the detail.</summary>
    internal static FieldError Problem(string path, string message) => FieldError.Malformed(path, message);
}

/// <summary>Puts errors in the order of the fields they are about in the file (a field not in it goes after its siblings).</summary>
internal static class FieldOrder
{
    public static IReadOnlyList<FieldError> Sort(IEnumerable<FieldError> errors, JsonNode document) =>
        errors.Select((error, i) => (error, key: Key(document, error.Path), i))
            .OrderBy(e => e.key, KeyComparer.Instance).ThenBy(e => e.i)
            .Select(e => e.error).ToList();

    private static List<int> Key(JsonNode document, string path)
    {
        var key = new List<int>();
        JsonNode? node = document;
        foreach (var segment in Segments(path))
        {
            var index = -1;
            if (segment is int item && node is JsonArray array && item < array.Count)
            {
                index = item;
                node = array[item];
            }
            else if (segment is string name && node is JsonObject obj)
            {
                var position = 0;
                foreach (var (property, child) in obj)
                {
                    if (property == name)
                    {
                        index = position;
                        node = child;
                        break;
                    }
                    position++;
                }
            }
            if (index < 0)
            {
                key.Add(int.MaxValue);
                break;
            }
            key.Add(index);
        }
        return key;
    }

    private static IEnumerable<object> Segments(string path)
    {
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            yield return bracket < 0 ? part : part[..bracket];
            while (bracket >= 0)
            {
                var end = part.IndexOf(']', bracket);
                if (end < 0 || !int.TryParse(part.AsSpan(bracket + 1, end - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    yield break;
                }
                yield return index;
                bracket = part.IndexOf('[', end);
            }
        }
    }

    private sealed class KeyComparer : IComparer<List<int>>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(List<int>? x, List<int>? y)
        {
            for (var i = 0; i < Math.Min(x!.Count, y!.Count); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }
            return x.Count.CompareTo(y.Count);
        }
    }
}
