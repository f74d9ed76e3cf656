using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MiniKube.Cluster;

/// <summary>
/// Starts component processes that outlive minictl: in a session of their own (<c>setsid</c>, so neither the terminal's
/// hang-up nor a Ctrl-C aimed at minictl reaches them), with stdin from <c>/dev/null</c> and stdout and stderr appended
/// to a log file. Stops them with SIGTERM, then SIGKILL.
/// </summary>
public static partial class DetachedProcess
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>Starts <paramref name="command"/>; the returned process is the component itself (setsid execs it in place).</summary>
    public static Process Start(IReadOnlyList<string> command, string logFile, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // $1 is the log file; the rest is the command. exec keeps the pid: sh → setsid → the component.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; exec " + (SetsidPath is null ? "" : "\"$0\" ") + "\"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add(SetsidPath ?? "sh");
        start.ArgumentList.Add(logFile);
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("could not start " + command[0]);
    }

    /// <summary>SIGTERM, then SIGKILL when the process has not exited within <paramref name="grace"/>. True when it was running.</summary>
    public static async Task<bool> StopAsync(int pid, long startTicks, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!ProcFs.IsAlive(pid, startTicks))
        {
            return false;
        }
        _ = Kill(pid, SigTerm);
        var deadline = Stopwatch.StartNew();
        while (ProcFs.IsAlive(pid, startTicks))
        {
            if (deadline.Elapsed >= grace)
            {
                _ = Kill(pid, SigKill);
                await WaitGoneAsync(pid, startTicks, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                break;
            }
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>SIGKILL at once (the fault-injection tests' "crash").</summary>
    public static bool KillNow(int pid, long startTicks) => ProcFs.IsAlive(pid, startTicks) && Kill(pid, SigKill) == 0;

    private static async Task WaitGoneAsync(int pid, long startTicks, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (ProcFs.IsAlive(pid, startTicks) && clock.Elapsed < timeout)
        {
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly string? SetsidPath = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
