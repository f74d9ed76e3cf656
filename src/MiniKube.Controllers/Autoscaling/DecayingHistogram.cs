namespace MiniKube.Controllers.Autoscaling;

/// <summary>
/// A histogram whose samples lose half their weight every <c>halfLife</c>, as the VPA recommender keeps them: a sample
/// at time t is stored with weight × 2^((t − reference) / halfLife), so newer samples count more; the reference moves
/// forward (scaling every bucket down) before the exponent grows too large for a double.
/// </summary>
public sealed class DecayingHistogram
{
    /// <summary>Weights below this count as none (the VPA's epsilon).</summary>
    public const double Epsilon = 0.0001;

    // 2^100 is still far from double's range, and with a 24 h half-life it means 100 days between shifts.
    private const double MaxDecayExponent = 100;

    private readonly ExponentialBuckets _buckets;
    private readonly TimeSpan _halfLife;
    private readonly double[] _weights;
    private DateTimeOffset _reference;

    public DecayingHistogram(ExponentialBuckets buckets, TimeSpan halfLife)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
        _buckets = buckets;
        _halfLife = halfLife;
        _weights = new double[buckets.Count];
    }

    public double TotalWeight { get; private set; }

    public bool IsEmpty => TotalWeight < Epsilon;

    public void AddSample(double value, double weight, DateTimeOffset time) => Add(value, weight * DecayFactor(time));

    /// <summary>Takes back a sample added earlier with the same value, weight and time (a memory peak that was superseded).</summary>
    public void SubtractSample(double value, double weight, DateTimeOffset time) => Add(value, -weight * DecayFactor(time));

    /// <summary>
    /// The end of the bucket where the cumulative weight reaches <paramref name="percentile"/> of the total (so the
    /// answer is never below the samples it covers); 0 for an empty histogram.
    /// </summary>
    public double Percentile(double percentile)
    {
        if (IsEmpty)
        {
            return 0;
        }
        var threshold = percentile * TotalWeight;
        var sum = 0.0;
        var bucket = 0;
        for (; bucket < _weights.Length - 1; bucket++)
        {
            sum += _weights[bucket];
            if (sum >= threshold)
            {
                break;
            }
        }
        return bucket < _weights.Length - 1 ? _buckets.Start(bucket + 1) : _buckets.Start(bucket);
    }

    private void Add(double value, double weight)
    {
        var bucket = _buckets.Find(value);
        _weights[bucket] = Math.Max(0, _weights[bucket] + weight);
        TotalWeight = Math.Max(0, TotalWeight + weight);
    }

    private double DecayFactor(DateTimeOffset time)
    {
        if (_reference == default)
        {
            _reference = RoundDown(time);
        }
        if (time - _reference > _halfLife * MaxDecayExponent)
        {
            Shift(RoundDown(time));
        }
        return Math.Pow(2, (time - _reference) / _halfLife);
    }

    private void Shift(DateTimeOffset reference)
    {
        var factor = Math.Pow(2, -((reference - _reference) / _halfLife));
        for (var i = 0; i < _weights.Length; i++)
        {
            _weights[i] *= factor;
        }
        TotalWeight *= factor;
        _reference = reference;
    }

    // Whole half-lives since the epoch, so histograms of one half-life share references.
    private DateTimeOffset RoundDown(DateTimeOffset time) =>
        DateTimeOffset.UnixEpoch + _halfLife * Math.Floor((time - DateTimeOffset.UnixEpoch) / _halfLife);
}
