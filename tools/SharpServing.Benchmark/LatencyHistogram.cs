using System.Numerics;

namespace SharpServing.Benchmark;

/// <summary>
/// Latencies in nanoseconds in log-linear buckets (as HdrHistogram does): exact below 128 ns, then 64 buckets per power
/// of two, so a reported percentile is within 1.6 % of the true value. Fixed size, no allocation when recording; one
/// per worker, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;       // 64 per power of two
    private const int Linear = SubBuckets * 2;                 // values below 128 are their own bucket
    private const int BucketCount = (64 - SubBucketBits) * SubBuckets + Linear;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public double Sum { get; private set; }

    public void Record(long nanoseconds)
    {
        var value = Math.Max(nanoseconds, 0);
        _counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        if (value > Max)
        {
            Max = value;
        }
        if (value < Min)
        {
            Min = value;
        }
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    /// <summary>The value at percentile <paramref name="percent"/> (0..100): the upper edge of its bucket, capped at the maximum.</summary>
    public long Percentile(double percent)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(percent / 100 * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), Max);
            }
        }
        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < Linear)
        {
            return (int)value;
        }
        var exponent = BitOperations.Log2((ulong)value) - SubBucketBits;   // >= 1
        var mantissa = (int)(value >> exponent);                          // in [64, 127]
        return (exponent * SubBuckets) + mantissa;
    }

    internal static long UpperEdge(int index)
    {
        if (index < Linear)
        {
            return index;
        }
        var exponent = (index / SubBuckets) - 1;
        var mantissa = (index % SubBuckets) + SubBuckets;
        return ((long)(mantissa + 1) << exponent) - 1;
    }
}
