using System.Numerics;

namespace Monitor.Core.Metrics;

/// <summary>Exact arithmetic for derived figures that are compared with configured thresholds (issue: CQ = 0.8 read as level 0).</summary>
internal static class ExactRatio
{
    private const long Exact = 1L << 53;

    /// <summary>The double nearest to <paramref name="numerator"/> / <paramref name="denominator"/> (both ≥ 0, denominator &gt; 0), correctly rounded.</summary>
    public static double ToDouble(Int128 numerator, Int128 denominator)
    {
        if (numerator == 0)
        {
            return 0;
        }

        if (numerator < Exact && denominator < Exact)
        {
            // Both exact as doubles: one IEEE division rounds correctly.
            return (double)(long)numerator / (long)denominator;
        }

        BigInteger n = numerator, d = denominator;
        var shift = 55 - (int)(n.GetBitLength() - d.GetBitLength());
        var q = shift >= 0 ? BigInteger.DivRem(n << shift, d, out var r) : BigInteger.DivRem(n, d << -shift, out r);
        var bits = (long)q;
        if (!r.IsZero)
        {
            bits |= 1; // sticky: the true quotient lies above q, below the next integer
        }

        return Math.ScaleB(bits, -shift);
    }

    /// <summary>a/b ≥ c/d for non-negative a, c and positive b, d, compared exactly.</summary>
    public static bool AtLeast(Int128 a, Int128 b, Int128 c, Int128 d)
    {
        try
        {
            return checked(a * d) >= checked(c * b);
        }
        catch (OverflowException)
        {
            return (BigInteger)a * d >= (BigInteger)c * b;
        }
    }
}

/// <summary>
/// The decimal grid of one shop's crisis settings: per-agent throughputs, the static capacity and
/// the level thresholds as integers over powers of ten (configured as decimals, so 0.2 is 2/10,
/// not the binary double nearest to it).
/// </summary>
internal sealed class CrisisScale
{
    private readonly Dictionary<string, int> _classByChannel = new(StringComparer.Ordinal);
    private readonly long[] _throughput;
    private readonly (long Value, long Unit)[] _thresholds;
    private readonly int _zeroClass;

    private CrisisScale(CrisisOptions crisis)
    {
        var values = crisis.ThroughputPerAgentPerMinute.Values.Select(ToDecimal).ToList();
        var unitScale = values.Select(Scale).Append(crisis.StaticCapacityPerMinute is { } s ? Scale(ToDecimal(s)) : 0).Max();
        Unit = Pow10(unitScale);
        var classes = values.Append(0m).Distinct().Order().ToList();
        _throughput = classes.Select(v => (long)(v * Unit)).ToArray();
        foreach (var (channel, value) in crisis.ThroughputPerAgentPerMinute)
        {
            _classByChannel[channel] = classes.IndexOf(ToDecimal(value));
        }

        _zeroClass = classes.IndexOf(0m);
        _thresholds = crisis.LevelThresholds.Select(t =>
        {
            var d = ToDecimal(t);
            var unit = Pow10(Scale(d));
            return ((long)(d * unit), unit);
        }).ToArray();
    }

    /// <summary>Capacity units per agent-minute: capacity is kept as an integer count of 1/Unit.</summary>
    public long Unit { get; }

    public int Classes => _throughput.Length;

    public static CrisisScale For(CrisisOptions crisis) => new(crisis);

    /// <summary>Throughput of class <paramref name="c"/> in units of 1/<see cref="Unit"/> per minute.</summary>
    public long Throughput(int c) => _throughput[c];

    /// <summary>The class of an agent's channel (an agent without channel counts as chat; an unknown channel has throughput 0).</summary>
    public int ClassOf(string? channel) => _classByChannel.TryGetValue(channel ?? "chat", out var c) ? c : _zeroClass;

    public long? StaticCapacity(double? perMinute) => perMinute is { } value ? (long)(ToDecimal(value) * Unit) : null;

    /// <summary>How many thresholds t have cq = numerator / denominator ≥ t, exactly.</summary>
    public int Level(Int128 numerator, Int128 denominator)
    {
        var level = 0;
        foreach (var (value, unit) in _thresholds)
        {
            if (ExactRatio.AtLeast(numerator, denominator, value, unit))
            {
                level++;
            }
        }

        return level;
    }

    /// <summary>A configured number as the decimal it was written as (15 significant digits recover it from the double).</summary>
    private static decimal ToDecimal(double value) => (decimal)value;

    private static int Scale(decimal value)
    {
        value /= 1.0000000000000000000000000000m; // drops trailing zeros
        return value.Scale;
    }

    private static long Pow10(int scale)
    {
        long unit = 1;
        for (var i = 0; i < scale; i++)
        {
            unit *= 10;
        }

        return unit;
    }
}
