using System.Globalization;
using Docker.DotNet.Models;

namespace MiniKube.Kubelet;

/// <summary>
/// How a <c>securityContext.privileged: true</c> container is created. Normally with Docker's privileged flag. Where the
/// machine's capability bounding set lacks capabilities the kernel has (these development machines have no
/// CAP_SYS_RESOURCE), runc cannot start a privileged container ("unable to apply caps"), so the container gets the closest
/// Docker can give: every capability the bounding set has, and no seccomp, AppArmor, SELinux or masked /proc paths — but
/// not the host's devices or a writable /sys. The set is read from this process, which assumes the kubelet runs with the
/// bounding set of the Docker daemon it drives (true for <c>cluster up</c> and the tests; a kubelet in a container of its
/// own may drop more than needed).
/// </summary>
internal static class PrivilegedMode
{
    private static readonly string[] CapabilityNames =
    [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
        "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
        "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
        "PERFMON", "BPF", "CHECKPOINT_RESTORE",
    ];

    private static readonly Lazy<IReadOnlyList<string>> Missing = new(() => MissingCapabilities(ReadOrNull("/proc/self/status"), ReadOrNull("/proc/sys/kernel/cap_last_cap")));

    /// <summary>The capabilities the kernel has and the bounding set lacks (empty: Docker's privileged flag works).</summary>
    public static IReadOnlyList<string> MissingHere => Missing.Value;

    /// <summary>Makes <paramref name="host"/> privileged (see the class summary for machines that cannot grant it).</summary>
    public static void Apply(HostConfig host, IReadOnlyList<string> missing)
    {
        if (missing.Count == 0)
        {
            host.Privileged = true;
            return;
        }
        host.CapAdd = ["ALL"];
        host.CapDrop = [.. missing];
        host.SecurityOpt = ["seccomp=unconfined", "apparmor=unconfined", "label=disable"];
        // The engine API's form of the CLI's --security-opt systempaths=unconfined: nothing masked, nothing read-only.
        host.MaskedPaths = [];
        host.ReadonlyPaths = [];
    }

    /// <summary>Parses <c>CapBnd</c> from /proc/self/status against the kernel's last capability; nothing missing when unreadable.</summary>
    internal static IReadOnlyList<string> MissingCapabilities(string? status, string? lastCap)
    {
        var bounding = status?.Split('\n').FirstOrDefault(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        if (bounding is null || !ulong.TryParse(bounding["CapBnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var set)
            || !int.TryParse(lastCap?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            return [];
        }
        var missing = new List<string>();
        for (var bit = 0; bit <= Math.Min(last, CapabilityNames.Length - 1); bit++)
        {
            if ((set & (1UL << bit)) == 0)
            {
                missing.Add(CapabilityNames[bit]);
            }
        }
        return missing;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
