using System.Globalization;

namespace MiniKube.Proxy;

/// <summary>
/// The empty local bridge the service CIDR is routed to, so a packet to a ClusterIP is DNATed or dropped here and never
/// leaves the machine; and <c>net.ipv4.conf.all.route_localnet</c>, which NodePorts on 127.0.0.1 need (DNAT of a loopback
/// source to a pod). The value found before it was changed is kept in a marker file, so <c>--cleanup</c> restores it.
/// </summary>
public sealed class ServiceBridge(string bridge, ServiceCidr range, string chainPrefix)
{
    public const string RouteLocalnetPath = "/proc/sys/net/ipv4/conf/all/route_localnet";
    public const string StateDirectory = "/run/minikube-proxy";

    /// <summary>
    /// The route's metric: 0 for the default bridge; another bridge (a second local cluster, a test) gets its own, so both
    /// routes of one CIDR coexist. Either way a packet no rule DNATed ends on an empty bridge.
    /// </summary>
    public int RouteMetric => bridge == ProxyOptions.DefaultBridge ? 0 : 1 + (int)(StableHash(bridge) % 4000);

    private static uint StableHash(string text)
    {
        var hash = 2166136261;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619;
        }
        return hash;
    }

    private string MarkerFile => Path.Combine(StateDirectory, chainPrefix + ".route_localnet");

    /// <summary>Creates the bridge if missing, brings it up and routes the CIDR to it; true when something had to change.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken = default)
    {
        var changed = false;
        var link = await HostCommand.RunAsync("ip", ["-o", "link", "show", "dev", bridge], null, cancellationToken).ConfigureAwait(false);
        if (!link.Succeeded)
        {
            (await HostCommand.RunAsync("ip", ["link", "add", "name", bridge, "type", "bridge"], null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            changed = true;
        }
        if (!link.Succeeded || !link.StandardOutput.Contains(",UP", StringComparison.Ordinal))
        {
            (await HostCommand.RunAsync("ip", ["link", "set", "dev", bridge, "up"], null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            changed = true;
        }
        var route = await HostCommand.RunAsync("ip", ["-4", "route", "show", "exact", range.ToString()], null, cancellationToken).ConfigureAwait(false);
        if (!route.Succeeded || !route.StandardOutput.Split('\n').Any(l => l.Split(' ').SkipWhile(w => w != "dev").Skip(1).FirstOrDefault() == bridge))
        {
            (await HostCommand.RunAsync("ip", ["route", "replace", range.ToString(), "dev", bridge, "metric", RouteMetric.ToString(CultureInfo.InvariantCulture)],
                null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            changed = true;
        }
        return changed;
    }

    /// <summary>Turns route_localnet on, remembering the earlier value the first time; true when it had to change.</summary>
    public async Task<bool> EnsureRouteLocalnetAsync(CancellationToken cancellationToken = default)
    {
        var current = (await File.ReadAllTextAsync(RouteLocalnetPath, cancellationToken).ConfigureAwait(false)).Trim();
        if (current == "1")
        {
            return false;
        }
        Directory.CreateDirectory(StateDirectory);
        if (!File.Exists(MarkerFile))
        {
            await File.WriteAllTextAsync(MarkerFile, current, cancellationToken).ConfigureAwait(false);
        }
        await File.WriteAllTextAsync(RouteLocalnetPath, "1", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes the bridge (and with it the route) and restores route_localnet if this proxy changed it.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        var link = await HostCommand.RunAsync("ip", ["-o", "link", "show", "dev", bridge], null, cancellationToken).ConfigureAwait(false);
        if (link.Succeeded)
        {
            (await HostCommand.RunAsync("ip", ["link", "del", "dev", bridge], null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        }
        if (File.Exists(MarkerFile))
        {
            var original = (await File.ReadAllTextAsync(MarkerFile, cancellationToken).ConfigureAwait(false)).Trim();
            await File.WriteAllTextAsync(RouteLocalnetPath, original, cancellationToken).ConfigureAwait(false);
            File.Delete(MarkerFile);
        }
    }
}
