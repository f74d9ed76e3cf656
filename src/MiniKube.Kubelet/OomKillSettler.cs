using System.Collections.Concurrent;

namespace MiniKube.Kubelet;

/// <summary>
/// Makes a container killed by its memory limit read as OOM-killed however Docker orders the news. On cgroup v1 the
/// engine learns of the process exit and of the cgroup's OOM from two separate notifications: under load the exit can
/// arrive first, so the first inspection after the <c>die</c> event says exited with 137 and <c>OOMKilled=false</c>,
/// and only later does <c>State.OOMKilled</c> turn true (with an <c>oom</c> event). A status built from that first look
/// says <c>Error</c>, and for a pod that will not restart it is final.
/// </summary>
/// <remarks>
/// The rule: an exit that could still turn out to be an OOM kill — exited, code 137 (SIGKILL), not flagged, the
/// container has a memory limit and the kubelet did not stop it itself — is not reported until it settles: the
/// container is inspected again every <see cref="Step"/>, at most <see cref="MaxAttempts"/> times, until the flag is
/// set or an <c>oom</c> event was seen for it. An <c>oom</c> event seen at any time marks the container OOM-killed in
/// every later report. Docker may never learn of the OOM at all (see <see cref="KernelOomLog"/>), so the kernel's log is
/// asked first and again when the bound runs out. Only after that does a 137 of a memory-limited container read as <c>Error</c>.
/// </remarks>
internal sealed class OomKillSettler
{
    /// <summary>Pause between two inspections of an unsettled exit.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    /// <summary>Re-inspections before a SIGKILL of a memory-limited container is taken as not an OOM kill (≥ 3 s with <see cref="Step"/>).</summary>
    public const int MaxAttempts = 60;

    private const int SigKillExitCode = 137;

    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Func<string, bool> _kernelRecordsOomKill;
    private readonly ConcurrentDictionary<string, bool> _oomReported = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _stopRequested = new(StringComparer.Ordinal);

    public OomKillSettler(TimeProvider time)
        : this((delay, ct) => Task.Delay(delay, time, ct), KernelOomLog.Device.RecordsOomKillOf)
    {
    }

    /// <summary>Tests pass a delay that records the pauses instead of waiting, and their own kernel log (none by default).</summary>
    internal OomKillSettler(Func<TimeSpan, CancellationToken, Task> delay, Func<string, bool>? kernelRecordsOomKill = null)
    {
        _delay = delay;
        _kernelRecordsOomKill = kernelRecordsOomKill ?? (_ => false);
    }

    /// <summary>The engine's <c>oom</c> event for the container.</summary>
    public void OomReported(string id) => _oomReported[id] = true;

    /// <summary>The kubelet is about to stop the container: its SIGKILL after the grace period is no OOM kill.</summary>
    public void StopRequested(string id) => _stopRequested[id] = true;

    public void Forget(string id)
    {
        _oomReported.TryRemove(id, out _);
        _stopRequested.TryRemove(id, out _);
    }

    /// <summary>The container as last seen, marked OOM-killed when an <c>oom</c> event for it arrived since.</summary>
    public RuntimeContainer Apply(RuntimeContainer container) =>
        !container.OomKilled && container.State == RuntimeContainerState.Exited && _oomReported.ContainsKey(container.Id)
            ? container with { OomKilled = true }
            : container;

    /// <summary>Whether <paramref name="container"/> is an exit that may still turn out to be an OOM kill.</summary>
    public bool IsUnsettled(RuntimeContainer container, long memoryLimitBytes) =>
        container is { State: RuntimeContainerState.Exited, ExitCode: SigKillExitCode, OomKilled: false }
        && memoryLimitBytes > 0
        && !_stopRequested.ContainsKey(container.Id)
        && !_oomReported.ContainsKey(container.Id);

    /// <summary>
    /// Returns <paramref name="first"/> once its exit is settled: re-inspects through <paramref name="inspect"/> (which
    /// gives the container and its memory limit, or null when it is gone) while <see cref="IsUnsettled"/> holds, bounded.
    /// </summary>
    public async Task<RuntimeContainer?> SettleAsync(RuntimeContainer first, long memoryLimitBytes,
        Func<CancellationToken, Task<(RuntimeContainer? Container, long MemoryLimitBytes)>> inspect, CancellationToken cancellationToken)
    {
        var current = first;
        var limit = memoryLimitBytes;
        AskTheKernel(current, limit);
        for (var attempt = 0; attempt < MaxAttempts && IsUnsettled(current, limit); attempt++)
        {
            await _delay(Step, cancellationToken).ConfigureAwait(false);
            var (again, againLimit) = await inspect(cancellationToken).ConfigureAwait(false);
            if (again is null)
            {
                return null;
            }
            current = again;
            limit = againLimit;
        }
        AskTheKernel(current, limit);
        return Apply(current);
    }

    private void AskTheKernel(RuntimeContainer container, long memoryLimitBytes)
    {
        if (IsUnsettled(container, memoryLimitBytes) && _kernelRecordsOomKill(container.Id))
        {
            OomReported(container.Id);
        }
    }
}
