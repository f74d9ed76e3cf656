namespace MiniKube.Hosting;

/// <summary>
/// Gives memory back once a component goes quiet after a burst of work. The GC only shrinks the heap when it runs, and an
/// idle component allocates so little that none runs for minutes: whatever a burst (20 pods created and deleted) made the
/// heap grow to — gen0 budgets of 80–130 MiB were measured — stays committed, with glibc's freed native memory beside it.
/// So every <see cref="Interval"/> this looks at how much was allocated: when the last interval was quiet (less than
/// <see cref="QuietBytes"/>) and at least <see cref="BurstBytes"/> were allocated since the last trim, it trims once
/// (a compacting full collection and <c>malloc_trim</c>, <see cref="ProcessMemory.Trim"/>). A busy process is never
/// trimmed (it would only grow again), and an idle one only once per burst. docs/benchmarks.md,
/// "#18 footprint after work", has what it gives back.
/// </summary>
public sealed class IdleMemoryTrimmer : IDisposable
{
    /// <summary>How often the allocation counter is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Bytes allocated in one interval below which the process counts as idle (idle components allocate 10–110 KB/s).</summary>
    public const long QuietBytes = 4L << 20;

    /// <summary>
    /// Bytes allocated since the last trim from which a trim has something to give back. With 32 MiB the controller-manager
    /// and the kubelets were not trimmed after 20 pods came and went (they still held 10–15 MiB of heap they no longer
    /// used); with 8 MiB they are. An idle component (10–110 KB/s) so trims at most every 1–15 minutes, a few milliseconds each.
    /// </summary>
    public const long BurstBytes = 8L << 20;

    private readonly Func<long> _allocatedBytes;
    private readonly Action _trim;
    private readonly ITimer? _timer;
    private long _atLastTick;
    private long _atLastTrim;
    private int _ticking;

    /// <summary>Reads <paramref name="allocatedBytes"/> (a monotonic counter) and calls <paramref name="trim"/>; ticks on <paramref name="time"/>'s timer, or only through <see cref="Tick"/> when it is null.</summary>
    public IdleMemoryTrimmer(Func<long> allocatedBytes, Action trim, TimeProvider? time)
    {
        _allocatedBytes = allocatedBytes;
        _trim = trim;
        _atLastTick = _atLastTrim = allocatedBytes();
        _timer = time?.CreateTimer(_ => Tick(), null, Interval, Interval);
    }

    /// <summary>The trimmer of this process: the GC's allocation counter, <see cref="ProcessMemory.Trim"/>, the system clock.</summary>
    public static IdleMemoryTrimmer ForProcess() => new(() => GC.GetTotalAllocatedBytes(precise: false), ProcessMemory.Trim, TimeProvider.System);

    /// <summary>One look at the counter; true when it trimmed.</summary>
    public bool Tick()
    {
        // A trim longer than the interval must not overlap the next tick.
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return false;
        }
        try
        {
            var now = _allocatedBytes();
            var quiet = now - _atLastTick < QuietBytes;
            _atLastTick = now;
            if (!quiet || now - _atLastTrim < BurstBytes)
            {
                return false;
            }
            _trim();
            // What the trim itself allocated does not count towards the next burst.
            _atLastTick = _atLastTrim = _allocatedBytes();
            return true;
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer?.Dispose();
}
