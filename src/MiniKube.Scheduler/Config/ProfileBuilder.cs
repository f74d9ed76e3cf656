using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Config;

/// <summary>
/// Turns a profile as written into plugin instances, with upstream's rules: the defaults (a multiPoint set)
/// are merged with the file's multiPoint set — a default plugin named again keeps its place but takes the
/// new weight, "*" in disabled drops every default — and then expanded into each extension point a plugin
/// implements, unless that point disables it; a plugin also named at the specific point is configured
/// there (it moves to the front, and its weight there wins).
/// </summary>
internal static class ProfileBuilder
{
    public static SchedulingProfile? Build(
        ProfileConfiguration pc, string path, SchedulerConfiguration config, PluginRegistry registry, IBindPlugin? binder, List<FieldError> errors)
    {
        var before = errors.Count;
        var instances = new Dictionary<string, IPlugin>(StringComparer.Ordinal);
        IPlugin? Instance(string name)
        {
            if (!registry.IsKnown(name) || registry.IsInert(name))
            {
                return null;
            }
            if (!instances.TryGetValue(name, out var plugin))
            {
                plugin = registry.Create(name, pc.PluginArgs.GetValueOrDefault(name));
                instances[name] = plugin;
            }
            return plugin;
        }

        var multiPoint = Merge(PluginRegistry.DefaultPlugins, pc.MultiPoint);
        var filterNames = Expand("filter", pc.Filter, multiPoint, p => p is IFilterPlugin, Instance, $"{path}.plugins", errors);
        var scoreNames = Expand("score", pc.Score, multiPoint, p => p is IScorePlugin, Instance, $"{path}.plugins", errors);
        if (errors.Count > before)
        {
            return null;
        }
        var filters = filterNames.Select(n => (IFilterPlugin)Instance(n)!).ToList();
        var scores = new List<WeightedScorePlugin>();
        foreach (var name in scoreNames)
        {
            var weight = pc.Score.Enabled.FirstOrDefault(e => e.Name == name)?.Weight
                ?? multiPoint.FirstOrDefault(e => e.Name == name)?.Weight;
            // Upstream: a weight of 0 (or none) means 1; to switch a score off, disable it.
            scores.Add(new WeightedScorePlugin((IScorePlugin)Instance(name)!, weight is null or 0 ? 1 : weight.Value));
        }
        return new SchedulingProfile(pc.SchedulerName, filters, scores, pc.PercentageOfNodesToScore ?? config.PercentageOfNodesToScore, binder);
    }

    /// <summary>Upstream's mergePluginSet: defaults (minus disabled, "*" = all) in order, overridden in place, then the custom additions.</summary>
    internal static List<PluginEntry> Merge(IReadOnlyList<PluginEntry> defaults, PluginSet custom)
    {
        var disabled = new HashSet<string>(custom.Disabled, StringComparer.Ordinal);
        var replaced = new HashSet<int>();
        var result = new List<PluginEntry>();
        if (!disabled.Contains("*"))
        {
            foreach (var d in defaults)
            {
                if (disabled.Contains(d.Name))
                {
                    continue;
                }
                var index = LastIndexOf(custom.Enabled, d.Name);
                if (index >= 0)
                {
                    replaced.Add(index);
                    result.Add(custom.Enabled[index]);
                }
                else
                {
                    result.Add(d);
                }
            }
        }
        for (var i = 0; i < custom.Enabled.Count; i++)
        {
            if (!replaced.Contains(i))
            {
                result.Add(custom.Enabled[i]);
            }
        }
        return result;
    }

    private static List<string> Expand(
        string point, PluginSet specific, List<PluginEntry> multiPoint, Func<IPlugin, bool> implements,
        Func<string, IPlugin?> instance, string path, List<FieldError> errors)
    {
        var specificNames = new List<string>();
        for (var i = 0; i < specific.Enabled.Count; i++)
        {
            var name = specific.Enabled[i].Name;
            var plugin = instance(name);
            if (plugin is null)
            {
                continue;
            }
            if (!implements(plugin))
            {
                errors.Add(SchedulerConfigLoader.Problem($"{path}.{point}.enabled[{i}].name", $"plugin \"{name}\" does not implement {point}"));
                continue;
            }
            if (specificNames.Contains(name))
            {
                errors.Add(FieldError.Duplicate($"{path}.{point}.enabled[{i}].name", name));
                continue;
            }
            specificNames.Add(name);
        }
        if (specific.Disabled.Contains("*"))
        {
            return specificNames;
        }
        var overrides = new List<string>();
        var fromMultiPoint = new List<string>();
        for (var i = 0; i < multiPoint.Count; i++)
        {
            var name = multiPoint[i].Name;
            var plugin = instance(name);
            if (plugin is null || !implements(plugin) || specific.Disabled.Contains(name))
            {
                continue;
            }
            if (specificNames.Contains(name))
            {
                overrides.Add(name);
            }
            else if (fromMultiPoint.Contains(name))
            {
                errors.Add(SchedulerConfigLoader.Problem($"{path}.multiPoint", $"plugin \"{name}\" already registered as {point}"));
            }
            else
            {
                fromMultiPoint.Add(name);
            }
        }
        return [.. overrides, .. fromMultiPoint, .. specificNames.Where(n => !overrides.Contains(n))];
    }

    private static int LastIndexOf(IReadOnlyList<PluginEntry> entries, string name)
    {
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }
}
