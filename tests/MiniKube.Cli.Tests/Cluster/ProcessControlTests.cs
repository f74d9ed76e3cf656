using System.Diagnostics;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

public sealed class ProcessControlTests : IDisposable
{
    private readonly TempHome _home = new();
    private readonly List<(int Pid, long Start)> _started = [];

    [Fact]
    public void Proc_stat_identifies_a_process_by_pid_and_start_time()
    {
        var self = Environment.ProcessId;
        var stat = ProcFs.ReadStat(self);
        Assert.NotNull(stat);
        Assert.True(ProcFs.IsAlive(self, stat.Value.StartTicks));
        Assert.True(ProcFs.IsAlive(self, 0));
        // The same pid with another start time is a recycled pid: not ours.
        Assert.False(ProcFs.IsAlive(self, stat.Value.StartTicks + 1));
        Assert.False(ProcFs.IsAlive(int.MaxValue, 0));
        Assert.False(ProcFs.IsAlive(0, 0));
        Assert.NotNull(ProcFs.ResidentKiB(self));
    }

    [Fact]
    public async Task A_detached_process_keeps_its_pid_runs_in_its_own_session_and_logs_to_its_file()
    {
        var log = Path.Combine(_home.Directory, "sleeper.log");
        using var process = DetachedProcess.Start(["/bin/sh", "-c", "echo started $MARKER; exec sleep 60"], log,
            new Dictionary<string, string> { ["MARKER"] = "m-42" });
        var start = Track(process);

        await Eventually.WaitAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains("started m-42", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the detached process to write its log");
        // Same pid as the process we started (sh → setsid → sleep replace each other), now running sleep.
        await Eventually.WaitAsync(() => Task.FromResult(File.ReadAllText($"/proc/{process.Id}/comm").Trim() == "sleep"),
            TimeSpan.FromSeconds(10), "the pid to be the sleep itself");
        Assert.NotEqual(Session(Environment.ProcessId), Session(process.Id));
        Assert.Equal(process.Id, Session(process.Id));

        Assert.True(await DetachedProcess.StopAsync(process.Id, start, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(ProcFs.IsAlive(process.Id, start));
        Assert.False(await DetachedProcess.StopAsync(process.Id, start, TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task A_process_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        var log = Path.Combine(_home.Directory, "stubborn.log");
        using var process = DetachedProcess.Start(["/bin/sh", "-c", "trap '' TERM; echo trapped; exec sleep 60"], log, new Dictionary<string, string>());
        var start = Track(process);
        await Eventually.WaitAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains("trapped", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the trap to be set");

        var clock = Stopwatch.StartNew();
        Assert.True(await DetachedProcess.StopAsync(process.Id, start, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.False(ProcFs.IsAlive(process.Id, start));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(8));
    }

    private long Track(Process process)
    {
        var start = ProcFs.ReadStat(process.Id)?.StartTicks ?? 0;
        _started.Add((process.Id, start));
        return start;
    }

    private static int Session(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (var (pid, start) in _started)
        {
            DetachedProcess.KillNow(pid, start);
        }
        _home.Dispose();
    }
}
