namespace Monitor.Core.Metrics;

/// <summary>Nearest-rank percentiles: the value at rank ceil(q·n) (1-based) of the sorted sample.</summary>
public static class Percentiles
{
    /// <summary>Percentile <paramref name="percent"/> (1..100) of an ascending sample; rank computed in integers, so no rounding error.</summary>
    public static double NearestRank(ReadOnlySpan<double> sortedAscending, int percent)
    {
        if (sortedAscending.IsEmpty)
        {
            throw new ArgumentException("sample is empty", nameof(sortedAscending));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var rank = ((long)percent * sortedAscending.Length + 99) / 100;
        return sortedAscending[(int)rank - 1];
    }
}
