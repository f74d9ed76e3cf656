using Microsoft.Extensions.Time.Testing;
using MiniKube.Hosting;

namespace MiniKube.Cli.Tests.Hosting;

// IdleMemoryTrimmer lives in MiniKube.Hosting, which has no test project of its own; minictl starts the processes that use it.
public sealed class IdleMemoryTrimmerTests
{
    private const long MiB = 1 << 20;

    private long _allocated = 100 * MiB;
    private int _trims;

    private IdleMemoryTrimmer Create(TimeProvider? time = null) => new(() => _allocated, () => _trims++, time);

    [Fact]
    public void A_quiet_process_after_a_burst_is_trimmed_once()
    {
        using var trimmer = Create();
        _allocated += 200 * MiB; // the burst
        Assert.False(trimmer.Tick()); // still busy in this interval
        _allocated += 1 * MiB;
        Assert.True(trimmer.Tick()); // quiet now
        _allocated += 1 * MiB;
        Assert.False(trimmer.Tick()); // nothing new to give back
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void A_busy_process_is_not_trimmed()
    {
        using var trimmer = Create();
        for (var i = 0; i < 10; i++)
        {
            _allocated += IdleMemoryTrimmer.QuietBytes;
            Assert.False(trimmer.Tick());
        }
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Small_allocations_add_up_to_a_burst()
    {
        using var trimmer = Create();
        var ticks = 0;
        while (_trims == 0 && ticks < 1000)
        {
            _allocated += IdleMemoryTrimmer.QuietBytes / 2;
            trimmer.Tick();
            ticks++;
        }
        Assert.Equal(IdleMemoryTrimmer.BurstBytes / (IdleMemoryTrimmer.QuietBytes / 2), ticks);
    }

    [Fact]
    public void The_timer_ticks_every_interval()
    {
        var time = new FakeTimeProvider();
        using var trimmer = Create(time);
        _allocated += 200 * MiB;
        time.Advance(IdleMemoryTrimmer.Interval); // busy interval
        Assert.Equal(0, _trims);
        time.Advance(IdleMemoryTrimmer.Interval); // quiet interval
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void A_real_trim_runs_a_full_collection()
    {
        var before = GC.CollectionCount(GC.MaxGeneration);
        ProcessMemory.Trim();
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > before);
    }
}
