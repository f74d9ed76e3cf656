using Xunit;

namespace MiniKube.Testing;

/// <summary>
/// A fact that changes the host's network (iptables, routes, a bridge) and runs Docker containers: it needs root and a
/// Docker daemon. Skipped, with the reason, when not root; without Docker it skips too, except under ./test.sh
/// (<see cref="DockerCli.RequireDockerVariable"/>=1), where a missing daemon fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HostNetworkFactAttribute : FactAttribute
{
    public HostNetworkFactAttribute()
    {
        if (UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Why host-network tests cannot run here, or null.</summary>
    public static string? UnavailableReason =>
        !IsRoot()
            ? "needs root: it programs iptables, adds a bridge and a route (./test.sh runs as root in CI)"
            : Environment.GetEnvironmentVariable(DockerCli.RequireDockerVariable) != "1" ? DockerCli.UnavailableReason : null;

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal)) is { } uid
                && uid.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
