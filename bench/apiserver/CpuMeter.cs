using System.Diagnostics;
using System.Globalization;

namespace MiniKube.Bench.ApiServer;

/// <summary>CPU time per operation of each process in the run. On a shared 2-core machine wall-clock rates move with
/// the neighbours' load; CPU per operation says what each process costs, and so what to optimize.</summary>
internal sealed class CpuMeter(int serverPid, int? etcdPid)
{
    public async Task<(T Result, CpuPerOp Cpu)> MeasureAsync<T>(Func<Task<T>> run, int operations)
    {
        var before = Sample();
        var result = await run();
        var after = Sample();
        return (result, new CpuPerOp(PerOp(before.Server, after.Server), PerOp(before.Etcd, after.Etcd), PerOp(before.Client, after.Client)));

        double? PerOp(TimeSpan? start, TimeSpan? end) => start is { } s && end is { } e ? (e - s).TotalMicroseconds / operations : null;
    }

    /// <summary>Waits until the API server used under 5% of one core over half a second; how long that took, or null at the deadline.</summary>
    public async Task<TimeSpan?> WaitForServerIdleAsync(TimeSpan deadline, CancellationToken ct)
    {
        var window = TimeSpan.FromMilliseconds(500);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            var before = CpuOf(serverPid);
            await Task.Delay(window, ct);
            var after = CpuOf(serverPid);
            if (before is null || after is null || (after.Value - before.Value) < window * 0.05)
            {
                return clock.Elapsed;
            }
        }
        return null;
    }

    private (TimeSpan? Server, TimeSpan? Etcd, TimeSpan? Client) Sample() =>
        (CpuOf(serverPid), etcdPid is { } pid ? CpuOf(pid) : null, Process.GetCurrentProcess().TotalProcessorTime);

    private static TimeSpan? CpuOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            return null; // gone: reported as "–"
        }
    }
}

internal sealed record CpuPerOp(double? Server, double? Etcd, double? Client)
{
    public override string ToString() => $"{Format(Server)} · {Format(Etcd)} · {Format(Client)}";

    private static string Format(double? value) => value is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";
}
