namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// What the recommender knows of one container of a VPA's target: a decaying histogram of CPU usage (each sample
/// weighted by the container's CPU request, at least 0.1 core, as the VPA does) and one of memory peaks (the largest
/// working set of each aggregation interval counts once), plus when samples started and how many there were.
/// </summary>
public sealed class ContainerUsage
{
    /// <summary>CPU samples weigh at least this much (cores), so containers without requests still count.</summary>
    public const double MinSampleWeight = 0.1;

    /// <summary>After an OOM kill memory is raised to at least 1.2 × what was used …</summary>
    public const double OomBumpUpRatio = 1.2;

    /// <summary>… and by at least 100 MB.</summary>
    public const double OomMinBumpUpBytes = 100 * 1024 * 1024;

    private readonly TimeSpan _memoryInterval;
    private DateTimeOffset _windowEnd;
    private double _windowPeak;

    public ContainerUsage(TimeSpan halfLife, TimeSpan memoryAggregationInterval)
    {
        _memoryInterval = memoryAggregationInterval;
        Cpu = new DecayingHistogram(ExponentialBuckets.Cpu, halfLife);
        Memory = new DecayingHistogram(ExponentialBuckets.Memory, halfLife);
    }

    public DecayingHistogram Cpu { get; }
    public DecayingHistogram Memory { get; }
    public DateTimeOffset? FirstSample { get; private set; }
    public DateTimeOffset? LastSample { get; private set; }
    public int TotalSamples { get; private set; }

    /// <summary>A CPU usage sample in cores; <paramref name="requestCores"/> is the container's request (0 if none).</summary>
    public void AddCpu(double cores, double requestCores, DateTimeOffset time)
    {
        Cpu.AddSample(cores, Math.Max(requestCores, MinSampleWeight), time);
        FirstSample ??= time;
        LastSample = time;
        TotalSamples++;
    }

    /// <summary>A memory sample (working set bytes): only a new peak of the current interval changes the histogram.</summary>
    public void AddMemory(double bytes, DateTimeOffset time)
    {
        if (time >= _windowEnd)
        {
            _windowEnd = time + _memoryInterval;
            _windowPeak = 0;
        }
        if (bytes <= _windowPeak)
        {
            return;
        }
        if (_windowPeak > 0)
        {
            Memory.SubtractSample(_windowPeak, 1.0, _windowEnd);
        }
        Memory.AddSample(bytes, 1.0, _windowEnd);
        _windowPeak = bytes;
    }

    /// <summary>
    /// The container was OOM-killed with <paramref name="requestBytes"/> requested: record a peak of
    /// max(1.2 × used, used + 100 MB), used being the larger of the request and this interval's peak.
    /// </summary>
    public void RecordOom(double requestBytes, DateTimeOffset time)
    {
        var used = Math.Max(requestBytes, time < _windowEnd ? _windowPeak : 0);
        AddMemory(Math.Max(used * OomBumpUpRatio, used + OomMinBumpUpBytes), time);
    }
}
