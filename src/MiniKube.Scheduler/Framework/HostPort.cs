using MiniKube.Api;

namespace MiniKube.Scheduler.Framework;

/// <summary>
/// One host port a pod binds: IP ("0.0.0.0" when unset, meaning every address), protocol ("TCP" when unset)
/// and port number.
/// </summary>
public readonly record struct HostPort(string Ip, string Protocol, int Port)
{
    public const string AnyIp = "0.0.0.0";

    /// <summary>
    /// Whether two bindings collide: same protocol and port, and either side binds every address or both
    /// name the same one (kube-scheduler's HostPortInfo.CheckConflict).
    /// </summary>
    public bool ConflictsWith(in HostPort other) =>
        Port == other.Port
        && string.Equals(Protocol, other.Protocol, StringComparison.Ordinal)
        && (Ip == AnyIp || other.Ip == AnyIp || string.Equals(Ip, other.Ip, StringComparison.Ordinal));

    /// <summary>The host ports of a pod's containers and sidecars; ports without a hostPort are not reserved on the node.</summary>
    public static HostPort[] Of(PodSpec? spec)
    {
        if (spec is null)
        {
            return [];
        }
        List<HostPort>? result = null;
        foreach (var c in spec.Containers)
        {
            Collect(c, ref result);
        }
        foreach (var ic in spec.InitContainers ?? [])
        {
            // Ordinary init containers exit before the app starts; only sidecars hold their ports.
            if (ic.RestartPolicy == RestartPolicy.Always)
            {
                Collect(ic, ref result);
            }
        }
        return result?.ToArray() ?? [];
    }

    private static void Collect(Container c, ref List<HostPort>? into)
    {
        foreach (var p in c.Ports ?? [])
        {
            if (p.HostPort is > 0 and var port)
            {
                var ip = string.IsNullOrEmpty(p.HostIP) ? AnyIp : p.HostIP;
                var protocol = string.IsNullOrEmpty(p.Protocol) ? MiniKube.Api.Protocol.Tcp : p.Protocol;
                (into ??= []).Add(new HostPort(ip, protocol, port));
            }
        }
    }

    public override string ToString() => $"{Ip}/{Protocol}/{Port}";
}
