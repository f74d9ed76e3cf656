namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// The VPA's exponential bucketing: bucket <c>i</c> starts at <c>first × (ratio^i − 1) / (ratio − 1)</c>, so every bucket
/// is <c>ratio</c> times as wide as the one before; values at or above <c>max</c> land in the last bucket.
/// </summary>
public sealed class ExponentialBuckets
{
    /// <summary>CPU in cores: first bucket 0.01 core, up to 1000 cores, 5 % growth.</summary>
    public static ExponentialBuckets Cpu { get; } = new(1000.0, 0.01, 1.05);

    /// <summary>Memory in bytes: first bucket 10 MB, up to 1 TB, 5 % growth.</summary>
    public static ExponentialBuckets Memory { get; } = new(1e12, 1e7, 1.05);

    private readonly double _first;
    private readonly double _ratio;

    public ExponentialBuckets(double maxValue, double firstBucketSize, double ratio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(firstBucketSize, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratio, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxValue, firstBucketSize);
        _first = firstBucketSize;
        _ratio = ratio;
        Count = (int)Math.Ceiling(Math.Log(maxValue * (ratio - 1) / firstBucketSize + 1) / Math.Log(ratio)) + 1;
    }

    public int Count { get; }

    public int Find(double value)
    {
        if (value < _first)
        {
            return 0;
        }
        var bucket = (int)(Math.Log(value * (_ratio - 1) / _first + 1) / Math.Log(_ratio));
        return Math.Min(bucket, Count - 1);
    }

    public double Start(int bucket) => _first * (Math.Pow(_ratio, bucket) - 1) / (_ratio - 1);
}
