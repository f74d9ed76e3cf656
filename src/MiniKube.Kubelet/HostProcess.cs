using System.Diagnostics;

namespace MiniKube.Kubelet;

/// <summary>Processes of the host, such as a container's exec'd command seen from outside the container.</summary>
internal static class HostProcess
{
    /// <summary>SIGKILL to <paramref name="pid"/> and its descendants; a process that has already ended is no error.</summary>
    public static void KillTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or AggregateException or System.ComponentModel.Win32Exception)
        {
            // It ended meanwhile (or is not visible from here: the kubelet is not on the Docker host).
        }
    }
}
