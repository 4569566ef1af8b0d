using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Builds the standard statistics fields of a sample (nearest-rank percentiles, mean, max).</summary>
internal static class PointBuilder
{
    public static KeyValuePair<string, string> Tag(string key, string value) => new(key, value);

    /// <summary>
    /// A backlog point: <paramref name="waiting"/> items of <paramref name="queue"/> at b, the oldest
    /// waiting since <paramref name="oldestSinceMs"/> (age 0 when nothing waits).
    /// </summary>
    public static MetricPoint Backlog(string shopId, string queue, int waiting, long oldestSinceMs, long boundaryMs) => new(
        Measurements.Backlog,
        [Tag("queue", queue), Tag("shop", shopId)],
        [MetricField.Int("waiting", waiting), MetricField.Float("oldest_wait_seconds", waiting > 0 ? (boundaryMs - oldestSinceMs) / 1000.0 : 0.0)],
        boundaryMs);

    /// <summary>Arithmetic mean, summed in the order given (ascending, for the same result every time).</summary>
    public static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }

    /// <summary>count, p50, p90, p99, mean, max of an ascending sample; just count when empty.</summary>
    public static List<MetricField> Distribution(ReadOnlySpan<double> sorted, int extraCapacity = 0)
    {
        var fields = new List<MetricField>(6 + extraCapacity) { MetricField.Int("count", sorted.Length) };
        if (sorted.IsEmpty)
        {
            return fields;
        }

        fields.Add(MetricField.Float("p50", Percentiles.NearestRank(sorted, 50)));
        fields.Add(MetricField.Float("p90", Percentiles.NearestRank(sorted, 90)));
        fields.Add(MetricField.Float("p99", Percentiles.NearestRank(sorted, 99)));
        fields.Add(MetricField.Float("mean", Mean(sorted)));
        fields.Add(MetricField.Float("max", sorted[^1]));
        return fields;
    }
}
