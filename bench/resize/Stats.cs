namespace MiniKube.Bench.Resize;

/// <summary>Latency samples in milliseconds and the usual summaries.</summary>
internal sealed class Stats(IReadOnlyList<double> samples)
{
    private readonly double[] _sorted = [.. samples.Order()];

    public int Count => _sorted.Length;

    public double Median => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p * _sorted.Length) - 1;
        return _sorted[Math.Clamp(rank, 0, _sorted.Length - 1)];
    }
}
