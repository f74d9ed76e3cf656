using System.Globalization;

namespace MiniKube.Cluster;

/// <summary>What Linux's <c>/proc</c> says about a process.</summary>
public static class ProcFs
{
    /// <summary>State (R, S, Z …) and start time in clock ticks since boot, or null when there is no such process.</summary>
    public static (char State, long StartTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) S ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.Length < 20 || fields[0].Length == 0 || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        return (fields[0][0], start);
    }

    /// <summary>True when <paramref name="pid"/> runs and, if <paramref name="startTicks"/> is known, is the same process (not a recycled pid).</summary>
    public static bool IsAlive(int pid, long startTicks)
    {
        if (pid <= 0 || ReadStat(pid) is not { } stat)
        {
            return false;
        }
        if (startTicks != 0 && stat.StartTicks != startTicks)
        {
            return false;
        }
        // A zombie has exited; only its parent has not collected it yet. But a killed multithreaded process shows its main
        // thread as a zombie while the other threads still exit, and its sockets stay open until the last one has: it is
        // gone only when no thread is left but the leader.
        return stat.State is not ('Z' or 'X' or 'x') || ReadNumber(pid, "status", "Threads:") is > 1;
    }

    /// <summary>Resident set size in KiB (<c>VmRSS</c>), or null.</summary>
    public static long? ResidentKiB(int pid) => ReadNumber(pid, "status", "VmRSS:");

    /// <summary>
    /// Proportional set size in KiB (<c>Pss</c> of smaps_rollup): resident pages with each shared page divided among the processes
    /// that map it — a process's fair share when several .NET processes map the same runtime files.
    /// </summary>
    public static long? ProportionalKiB(int pid) => ReadNumber(pid, "smaps_rollup", "Pss:");

    private static long? ReadNumber(int pid, string file, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/{file}"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var digits = new string([.. line[field.Length..].Where(char.IsAsciiDigit)]);
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
