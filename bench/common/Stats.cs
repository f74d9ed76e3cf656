namespace MiniKube.Bench.Common;

/// <summary>Samples (milliseconds, counts …) and their nearest-rank summaries; NaN when there are none.</summary>
public sealed class Stats(IEnumerable<double> samples)
{
    private readonly double[] _sorted = [.. samples.Order()];

    public int Count => _sorted.Length;

    public double Median => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    /// <summary>The nearest-rank percentile: the smallest sample with at least <paramref name="p"/> of the samples at or below it.</summary>
    public double Percentile(double p) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(p * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}
