using Monitor.Core.Metrics.Windows;
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

    /// <summary>
    /// The exact mean of whole-millisecond durations, in seconds: the integer sum divided once, so
    /// it is the correctly rounded quotient whatever the order the values came in.
    /// </summary>
    public static double MeanSeconds(long sumMs, long count) => sumMs / (1000.0 * count);

    /// <summary>count, p50, p90, p99, mean, max of the prepared window; just count when empty.</summary>
    public static List<MetricField> Distribution(ISampleRead samples, int extraCapacity = 0)
    {
        var count = samples.Count;
        var fields = new List<MetricField>(6 + extraCapacity) { MetricField.Int("count", count) };
        if (count == 0)
        {
            return fields;
        }

        fields.Add(MetricField.Float("p50", samples.Percentile(50) / 1000.0));
        fields.Add(MetricField.Float("p90", samples.Percentile(90) / 1000.0));
        fields.Add(MetricField.Float("p99", samples.Percentile(99) / 1000.0));
        fields.Add(MetricField.Float("mean", MeanSeconds(samples.Sum, count)));
        fields.Add(MetricField.Float("max", samples.Max / 1000.0));
        return fields;
    }
}
