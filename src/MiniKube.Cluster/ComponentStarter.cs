using System.Diagnostics;
using System.Globalization;

namespace MiniKube.Cluster;

/// <summary>
/// Gets one component running and ready for <see cref="ClusterUp"/>: a running process is only health-checked; otherwise the
/// component is started — detached, its log appended, its process recorded in the state at once — and its readiness
/// probe polled until it passes, the process exits or the deadline comes. A process that exits while it starts is
/// started again, up to <see cref="StartAttempts"/> times, as a supervisor would.
/// </summary>
public sealed class ComponentStarter(ClusterStateRecorder state, ProbeContext probes, Func<string, string?> environment, IClusterProgress progress,
    TimeProvider time, DateTimeOffset deadline, TimeSpan wait)
{
    public const int StartAttempts = 3;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private const int LogLinesInErrors = 15;

    /// <summary>Starts <paramref name="spec"/> unless it runs, then waits until it is ready (or healthy). True when it was started.</summary>
    public async Task<bool> EnsureAsync(ComponentSpec spec, CancellationToken cancellationToken)
    {
        var record = state.Current.Find(spec.Name);
        if (record is not null && ProcFs.IsAlive(record.Pid, record.StartTicks))
        {
            progress.Update(spec.Name, $"running (pid {record.Pid}); checking its health");
            var health = await WaitAsync(spec, record, process: null, spec.Health, new CheckTarget(spec, probes, 0, null), cancellationToken)
                .ConfigureAwait(false);
            progress.Succeed(spec.Name, $"running (pid {record.Pid}); {health}");
            return false;
        }

        foreach (var directory in spec.DataDirectories)
        {
            Directory.CreateDirectory(directory);
        }
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var (process, started) = await LaunchAsync(spec, cancellationToken).ConfigureAwait(false);
            using (process)
            {
                progress.Start(spec.Name, attempt == 1 ? $"starting (pid {process.Id})" : $"starting again (pid {process.Id}, attempt {attempt} of {StartAttempts})");
                try
                {
                    await WaitAsync(spec, started.Record, process, spec.Readiness, new CheckTarget(spec, probes, started.LogOffset, started.Record.StartedAt),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (ExitedEarlyException exited)
                {
                    if (attempt < StartAttempts && time.GetUtcNow() < deadline)
                    {
                        // A component that dies while it starts (e.g. a conflict with another starting component) gets another
                        // chance, as a supervisor would give it; its log keeps every attempt.
                        progress.Update(spec.Name, $"exited with code {exited.ExitCode} while starting; starting it again");
                        continue;
                    }
                    var tries = attempt > 1 ? $" (attempt {attempt} of {StartAttempts})" : "";
                    throw Failure(spec, $"exited with code {exited.ExitCode} before it was ready{tries}", started.LogOffset);
                }
                var endpoint = spec.Endpoint.Length > 0 ? "; " + spec.Endpoint : "";
                var retried = attempt > 1 ? $", after {attempt - 1} restart{(attempt > 2 ? "s" : "")}" : "";
                progress.Succeed(spec.Name, string.Create(CultureInfo.InvariantCulture, $"ready in {clock.Elapsed.TotalSeconds:0.0} s (pid {process.Id}{retried}){endpoint}"));
                return true;
            }
        }
    }

    /// <summary>Starts the component's process (appending to its log) and records it in the state.</summary>
    private async Task<(Process Process, (ComponentRecord Record, long LogOffset) Started)> LaunchAsync(ComponentSpec spec, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        await File.AppendAllTextAsync(spec.LogFile,
            $"==== {startedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} minictl cluster up: {string.Join(' ', spec.Command)}{Environment.NewLine}",
            cancellationToken).ConfigureAwait(false);
        var offset = LogTail.Length(spec.LogFile);
        // The component's settings apply unless minictl's own environment already sets them (so DOTNET_gcServer=1 minictl … wins).
        var settings = spec.Environment.Where(kv => string.IsNullOrEmpty(environment(kv.Key))).ToDictionary(StringComparer.Ordinal);
        var process = DetachedProcess.Start(spec.Command, spec.LogFile, settings);
        var record = new ComponentRecord
        {
            Name = spec.Name,
            Role = spec.Role,
            Node = spec.Node,
            Pid = process.Id,
            StartTicks = ProcFs.ReadStat(process.Id)?.StartTicks ?? 0,
            LogFile = spec.LogFile,
            Command = spec.Command,
            StartedAt = startedAt,
            StopWave = spec.StopWave,
        };
        state.Record(record);
        return (process, (record, offset));
    }

    private async Task<string> WaitAsync(ComponentSpec spec, ComponentRecord record, Process? process, IComponentCheck check, CheckTarget target,
        CancellationToken cancellationToken)
    {
        var offset = target.LogOffset;
        while (true)
        {
            var exited = process is not null ? process.HasExited : !ProcFs.IsAlive(record.Pid, record.StartTicks);
            if (exited)
            {
                if (process is not null)
                {
                    throw new ExitedEarlyException(process.ExitCode);
                }
                throw Failure(spec, "exited before it was healthy", offset);
            }
            CheckResult result;
            using (var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                probeTimeout.CancelAfter(ProbeTimeout);
                try
                {
                    result = await check.CheckAsync(target, probeTimeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ClusterException)
                {
                    // A probe cut short by its timeout (gRPC reports that as a cancelled call), or one that failed oddly: not ready yet.
                    result = CheckResult.Wait(probeTimeout.IsCancellationRequested
                        ? "no answer within " + ProbeTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s"
                        : ex.Message);
                }
            }
            if (result.Ok)
            {
                return result.Detail;
            }
            progress.Update(spec.Name, result.Detail);
            if (time.GetUtcNow() >= deadline)
            {
                throw Failure(spec, $"not ready after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s ({result.Detail})", offset);
            }
            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private ClusterException Failure(ComponentSpec spec, string what, long logOffset)
    {
        progress.Fail(spec.Name, what);
        return new ClusterException(
            $"{spec.Name} {what}; the last lines of {ClusterHome.Display(spec.LogFile)}:\n{LogTail.LastLines(spec.LogFile, logOffset, LogLinesInErrors)}\n"
            + "(what did start keeps running: fix the cause and run minictl cluster up again, or minictl cluster down)");
    }

    /// <summary>The process of an attempt that may be repeated exited before it was ready.</summary>
    private sealed class ExitedEarlyException(int exitCode) : Exception("exited with code " + exitCode.ToString(CultureInfo.InvariantCulture))
    {
        public int ExitCode { get; } = exitCode;
    }
}
