using System.Diagnostics;
using System.Globalization;

/// <summary>
/// CPU time used by this process and by its etcd child (from /proc), so that a round can report CPU per operation on each
/// side: on a shared machine throughput varies with the load, CPU per create much less.
/// </summary>
internal static class CpuTime
{
    public static (TimeSpan Self, TimeSpan Etcd) Now()
    {
        using var self = Process.GetCurrentProcess();
        return (self.TotalProcessorTime, EtcdChildren(self.Id));
    }

    private static TimeSpan EtcdChildren(int parent)
    {
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // pid (comm) state ppid ... utime(14) stime(15); comm may hold spaces, so split after its ')'.
            var close = stat.LastIndexOf(')');
            if (close < 0 || !stat.AsSpan(0, close).EndsWith("(etcd", StringComparison.Ordinal))
            {
                continue;
            }
            var fields = stat[(close + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }
}
