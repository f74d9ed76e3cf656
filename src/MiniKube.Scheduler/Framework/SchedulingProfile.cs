namespace MiniKube.Scheduler.Framework;

/// <summary>A score plugin and the weight its normalised score is multiplied by.</summary>
public sealed record WeightedScorePlugin(IScorePlugin Plugin, long Weight);

/// <summary>
/// One scheduler profile (KubeSchedulerConfiguration.profiles[i]): the plugins that run, in order, for
/// pods whose spec.schedulerName is <see cref="SchedulerName"/>. A plugin enabled for filtering also runs
/// its PreFilter; one enabled for scoring also runs its PreScore.
/// </summary>
public sealed class SchedulingProfile
{
    public const string DefaultSchedulerName = "default-scheduler";

    public SchedulingProfile(
        string schedulerName,
        IReadOnlyList<IFilterPlugin> filterPlugins,
        IReadOnlyList<WeightedScorePlugin> scorePlugins,
        int percentageOfNodesToScore = 0,
        IBindPlugin? binder = null)
    {
        if (percentageOfNodesToScore is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentageOfNodesToScore), percentageOfNodesToScore, "must be 0 (adaptive) to 100");
        }
        foreach (var s in scorePlugins)
        {
            if (s.Weight <= 0)
            {
                throw new ArgumentException($"score plugin \"{s.Plugin.Name}\" has weight {s.Weight}; weights must be positive", nameof(scorePlugins));
            }
        }
        SchedulerName = schedulerName;
        FilterPlugins = [.. filterPlugins];
        ScorePlugins = [.. scorePlugins];
        PreFilterPlugins = [.. filterPlugins.OfType<IPreFilterPlugin>()];
        PercentageOfNodesToScore = percentageOfNodesToScore;
        Binder = binder;
        var all = new List<IPlugin>();
        foreach (var p in filterPlugins.Cast<IPlugin>().Concat(scorePlugins.Select(s => s.Plugin)))
        {
            if (!all.Contains(p))
            {
                all.Add(p);
            }
        }
        Plugins = all;
        var events = new Dictionary<string, IReadOnlyList<ClusterEvent>>(StringComparer.Ordinal);
        foreach (var p in all)
        {
            if (p is IEnqueueExtensions e)
            {
                events[p.Name] = e.EventsToRegister;
            }
        }
        EventsByPlugin = events;
    }

    public string SchedulerName { get; }

    public IReadOnlyList<IFilterPlugin> FilterPlugins { get; }

    /// <summary>The filter plugins that also have a PreFilter, in filter order.</summary>
    public IReadOnlyList<IPreFilterPlugin> PreFilterPlugins { get; }

    public IReadOnlyList<WeightedScorePlugin> ScorePlugins { get; }

    /// <summary>0 = adaptive (max(5, 50 − nodes/125) %, at least 100 nodes).</summary>
    public int PercentageOfNodesToScore { get; }

    /// <summary>Set by the host process (it owns the API client).</summary>
    public IBindPlugin? Binder { get; }

    /// <summary>Every distinct plugin instance of the profile.</summary>
    public IReadOnlyList<IPlugin> Plugins { get; }

    /// <summary>Events registered by plugins that implement <see cref="IEnqueueExtensions"/>, by plugin name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ClusterEvent>> EventsByPlugin { get; }

    /// <summary>The same profile with another binder (the host adds its API-backed binder to a configured profile).</summary>
    public SchedulingProfile WithBinder(IBindPlugin binder) =>
        new(SchedulerName, FilterPlugins, ScorePlugins, PercentageOfNodesToScore, binder);

    /// <summary>
    /// Whether <paramref name="clusterEvent"/> may help a pod that the plugins named in
    /// <paramref name="rejectedBy"/> rejected. Unknown rejections (empty set, or a plugin that registers
    /// no events) are treated as "any event may help", so no pod can be parked forever by a mistake.
    /// </summary>
    public bool MayHelp(IReadOnlyCollection<string> rejectedBy, ClusterEvent clusterEvent)
    {
        if (rejectedBy.Count == 0 || clusterEvent.Resource == EventResource.Wildcard)
        {
            return true;
        }
        foreach (var plugin in rejectedBy)
        {
            if (!EventsByPlugin.TryGetValue(plugin, out var registered))
            {
                return true;
            }
            foreach (var r in registered)
            {
                if (clusterEvent.Matches(r))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
