using System.Diagnostics;
using System.Globalization;

namespace MiniKube.Cli.Cluster;

/// <summary>What <c>cluster up</c> did.</summary>
public sealed record UpResult(ClusterState State, IReadOnlyList<string> Started, IReadOnlyList<string> ImagesBuilt, TimeSpan Elapsed)
{
    /// <summary>Everything was already running: nothing was started.</summary>
    public bool WasRunning => Started.Count == 0;
}

/// <summary>
/// Brings a local cluster up, or back to complete: checks what it needs (binaries, etcd, Docker, images), then starts every
/// component of <see cref="ClusterComponents"/> that is not running — each as soon as the ones it waits for are ready —
/// and waits until all are ready and every node is Ready. Running components are only health-checked, so a second
/// <c>up</c> reports the running cluster and an <c>up</c> after a crash restarts just what is missing, on the same ports.
/// </summary>
public sealed class ClusterUp(ClusterHome home, Func<string, string?> environment, IClusterProgress progress, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private const int LogLinesInErrors = 15;
    private const int StartAttempts = 3;

    private readonly Lock _stateLock = new();
    private readonly ClusterStateStore _store = new(home);
    private ClusterState _state = null!;

    public async Task<UpResult> RunAsync(UpOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var clusterLock = ClusterLock.Acquire(home);
        var recorded = _store.Load();
        var running = recorded?.Components.Any(c => ProcFs.IsAlive(c.Pid, c.StartTicks)) == true;
        var binaries = ComponentBinaries.Locate(options.BinDirectory);
        var missing = binaries.Missing(ClusterComponents.Assemblies);
        if (missing.Count > 0)
        {
            throw new CliException($"{string.Join(", ", missing.Select(m => m + ".dll"))} not found in {binaries.Directory}: build MiniKube (dotnet build) or pass --bin-dir");
        }
        var state = ClusterSettings.Resolve(options, recorded, running, binaries.Directory, time.GetUtcNow());
        var etcd = "etcd";
        if (state.ManagedEtcd)
        {
            etcd = ExecutableSearch.Find("etcd", environment) ?? throw new CliException("etcd not found: apt-get install etcd-server (or use a running etcd with --etcd-servers URL)");
        }

        using var docker = new DockerEngine(environment);
        var built = await CheckDockerAndImagesAsync(docker, binaries.Directory, cancellationToken).ConfigureAwait(false);

        var specs = ClusterComponents.For(new ClusterLayout(state, home, binaries, etcd));
        // Records of components that are no longer planned and no longer run are history.
        _state = state with
        {
            Components = [.. state.Components.Where(c => specs.Any(s => s.Name == c.Name) || ProcFs.IsAlive(c.Pid, c.StartTicks))],
        };
        CheckPortsFree(specs.Where(s => _state.Find(s.Name) is not { } r || !ProcFs.IsAlive(r.Pid, r.StartTicks)));
        Directory.CreateDirectory(home.LogDirectory);
        _store.Save(_state);

        var started = await BringUpAsync(specs, options.Wait, cancellationToken).ConfigureAwait(false);
        ClientConfigFile.WriteServer(home.ConfigFile, _state.ServerUrl);
        return new UpResult(_state, started, built, clock.Elapsed);
    }

    private async Task<IReadOnlyList<string>> CheckDockerAndImagesAsync(DockerEngine docker, string binDirectory, CancellationToken cancellationToken)
    {
        const string DockerStep = "docker";
        progress.Start(DockerStep, "connecting to " + docker.Endpoint);
        try
        {
            var version = await docker.PingAsync(cancellationToken).ConfigureAwait(false);
            progress.Succeed(DockerStep, $"Docker {version} at {docker.Endpoint}");
        }
        catch (CliException ex)
        {
            progress.Fail(DockerStep, ex.Message);
            throw;
        }

        const string ImagesStep = "images";
        progress.Start(ImagesStep, "checking " + string.Join(", ", LocalImages.Required));
        try
        {
            var built = await LocalImages.EnsureAsync(docker, binDirectory, cancellationToken).ConfigureAwait(false);
            progress.Succeed(ImagesStep, built.Count == 0 ? "present" : "built " + string.Join(", ", built));
            return built;
        }
        catch (CliException ex)
        {
            progress.Fail(ImagesStep, ex.Message.Split('\n')[0]);
            throw;
        }
    }

    /// <summary>Before anything starts: every port a component to start binds must be free.</summary>
    private static void CheckPortsFree(IEnumerable<ComponentSpec> toStart)
    {
        foreach (var spec in toStart)
        {
            foreach (var use in spec.Ports.Where(u => !Ports.IsFree(u.Port)))
            {
                var hint = use.Purpose.StartsWith("API server gRPC", StringComparison.Ordinal) ? "choose another with --api-port, or " : "";
                throw new CliException(
                    $"port {use.Port.ToString(CultureInfo.InvariantCulture)} ({use.Purpose}) is already in use by another process: stop it, {hint}start over on new ports with minictl cluster down --purge");
            }
        }
    }

    private async Task<IReadOnlyList<string>> BringUpAsync(IReadOnlyList<ComponentSpec> specs, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        using var probes = new ProbeContext(_state.ServerUrl);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = new List<string>();
        var tasks = new Dictionary<string, Task>(StringComparer.Ordinal);
        CliException? firstFailure = null;
        foreach (var spec in specs)
        {
            var dependencies = spec.After.Where(tasks.ContainsKey).Select(name => tasks[name]).ToArray();
            tasks[spec.Name] = Task.Run(async () =>
            {
                try
                {
                    await Task.WhenAll(dependencies).ConfigureAwait(false);
                    if (await EnsureAsync(spec, probes, deadline, wait, abort.Token).ConfigureAwait(false))
                    {
                        lock (started)
                        {
                            started.Add(spec.Name);
                        }
                    }
                }
                catch (CliException ex)
                {
                    Interlocked.CompareExchange(ref firstFailure, ex, null);
                    await abort.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, abort.Token);
        }
        try
        {
            await Task.WhenAll(tasks.Values).ConfigureAwait(false);
        }
        catch (Exception) when (firstFailure is not null)
        {
            throw firstFailure;
        }
        return [.. specs.Select(s => s.Name).Where(started.Contains)];
    }

    /// <summary>Starts <paramref name="spec"/> unless it runs, then waits until it is ready (or healthy). True when it was started.</summary>
    private async Task<bool> EnsureAsync(ComponentSpec spec, ProbeContext probes, DateTimeOffset deadline, TimeSpan wait, CancellationToken cancellationToken)
    {
        ComponentRecord? record;
        lock (_stateLock)
        {
            record = _state.Find(spec.Name);
        }
        if (record is not null && ProcFs.IsAlive(record.Pid, record.StartTicks))
        {
            progress.Update(spec.Name, $"running (pid {record.Pid}); checking its health");
            var health = await WaitAsync(spec, record, process: null, spec.Health, new CheckTarget(spec, probes, 0, null), deadline, wait, cancellationToken)
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
                        deadline, wait, cancellationToken).ConfigureAwait(false);
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
        lock (_stateLock)
        {
            _state = _state.With(record);
            _store.Save(_state);
        }
        return (process, (record, offset));
    }

    private async Task<string> WaitAsync(ComponentSpec spec, ComponentRecord record, Process? process, IComponentCheck check, CheckTarget target,
        DateTimeOffset deadline, TimeSpan wait, CancellationToken cancellationToken)
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
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not CliException)
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

    private CliException Failure(ComponentSpec spec, string what, long logOffset)
    {
        progress.Fail(spec.Name, what);
        return new CliException(
            $"{spec.Name} {what}; the last lines of {ClusterHome.Display(spec.LogFile)}:\n{LogTail.LastLines(spec.LogFile, logOffset, LogLinesInErrors)}\n"
            + "(what did start keeps running: fix the cause and run minictl cluster up again, or minictl cluster down)");
    }

    /// <summary>The process of an attempt that may be repeated exited before it was ready.</summary>
    private sealed class ExitedEarlyException(int exitCode) : Exception("exited with code " + exitCode.ToString(CultureInfo.InvariantCulture))
    {
        public int ExitCode { get; } = exitCode;
    }
}
