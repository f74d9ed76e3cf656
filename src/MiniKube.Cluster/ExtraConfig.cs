using System.Text.RegularExpressions;

namespace MiniKube.Cluster;

/// <summary>
/// minikube's <c>--extra-config=&lt;component&gt;.&lt;flag&gt;=&lt;value&gt;</c>: a flag for one kind of component, given to it
/// as <c>--&lt;flag&gt;=&lt;value&gt;</c> (in place of a value minictl would set itself). Recorded in cluster.json, so that a
/// component restarted by a later <c>up</c> gets it too.
/// </summary>
public static partial class ExtraConfig
{
    /// <summary>The components that take extra flags; <c>kubelet</c> means every node's kubelet.</summary>
    public static readonly IReadOnlyList<string> Components =
    [
        ClusterComponents.ApiServer, ClusterComponents.Scheduler, ClusterComponents.ControllerManager, ClusterComponents.Kubelet, ClusterComponents.Proxy,
        ClusterComponents.Dashboard,
    ];

    /// <summary>One setting, split; throws <see cref="ClusterException"/> saying what is wrong with it.</summary>
    public static (string Component, string Flag, string Value) Parse(string setting)
    {
        var match = Setting().Match(setting);
        if (!match.Success)
        {
            throw new ClusterException(
                $"invalid --extra-config \"{setting}\": use <component>.<flag>=<value>, e.g. kubelet.max-pods=50 or controller-manager.node-monitor-grace-period=20s");
        }
        var component = match.Groups["component"].Value;
        if (!Components.Contains(component))
        {
            throw new ClusterException($"invalid --extra-config \"{setting}\": unknown component \"{component}\"; use {string.Join(", ", Components.SkipLast(1))} or {Components[^1]}");
        }
        return (component, match.Groups["flag"].Value, match.Groups["value"].Value);
    }

    /// <summary>The settings checked and in a canonical form, keeping their order (a later one for the same flag wins).</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> settings) =>
        [.. settings.Select(Parse).Select(s => $"{s.Component}.{s.Flag}={s.Value}")];

    /// <summary>
    /// <paramref name="command"/> with the extra flags for <paramref name="component"/> appended as <c>--flag=value</c>, after
    /// removing any <c>--flag value</c> or <c>--flag=value</c> minictl put there itself (every component takes one value per flag).
    /// </summary>
    public static IReadOnlyList<string> Apply(IReadOnlyList<string> command, string component, IReadOnlyList<string> settings)
    {
        var extra = settings.Select(Parse).Where(s => s.Component == component).ToList();
        if (extra.Count == 0)
        {
            return command;
        }
        var result = command.ToList();
        foreach (var (_, flag, value) in extra)
        {
            var name = "--" + flag;
            for (var i = result.Count - 1; i >= 1; i--)
            {
                if (result[i] == name)
                {
                    result.RemoveRange(i, Math.Min(2, result.Count - i));
                }
                else if (result[i].StartsWith(name + "=", StringComparison.Ordinal))
                {
                    result.RemoveAt(i);
                }
            }
            result.Add($"{name}={value}");
        }
        return result;
    }

    [GeneratedRegex(@"^(?<component>[a-z-]+)\.(?<flag>[a-z0-9][a-z0-9-]*)=(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex Setting();
}
