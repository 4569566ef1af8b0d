using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Writes the standard fields into series points (backlogs; nearest-rank percentiles, mean, max).</summary>
internal static class PointBuilder
{
    /// <summary>
    /// A backlog point: <paramref name="waiting"/> items at <paramref name="atMs"/>, the oldest
    /// waiting since <paramref name="oldestSinceMs"/> (age 0 when nothing waits).
    /// </summary>
    public static MetricPoint Backlog(MetricPoint point, int waiting, long oldestSinceMs, long atMs) =>
        point.Begin(atMs).Set(0, waiting).Set(1, waiting > 0 ? (atMs - oldestSinceMs) / 1000.0 : 0.0);

    /// <summary>A backlog series point of one queue.</summary>
    public static MetricPoint BacklogSeries(string shopId, string queue) => MetricSchemas.Series(MetricSchemas.Backlog, new("queue", queue), new("shop", shopId));

    /// <summary>
    /// The exact mean of whole-millisecond durations, in seconds: the integer sum divided once, so
    /// it is the correctly rounded quotient whatever the order the values came in.
    /// </summary>
    public static double MeanSeconds(long sumMs, long count) => sumMs / (1000.0 * count);

    /// <summary>
    /// response_time's count, p50, p90, p99, mean, max (slots 0..5) of a window; just count when
    /// empty. An early view computes only the fields rules read (a percentile is a search).
    /// </summary>
    public static void Distribution(MetricPoint point, ISampleRead samples, in View view)
    {
        var count = samples.Count;
        point.Set(0, count);
        if (count == 0)
        {
            return;
        }

        var schema = MetricSchemas.ResponseTime;
        SetIf(point, view, schema, 1, samples, 50);
        SetIf(point, view, schema, 2, samples, 90);
        SetIf(point, view, schema, 3, samples, 99);
        point.Set(4, MeanSeconds(samples.Sum, count));
        if (view.Wants(schema, 5))
        {
            point.Set(5, samples.Max / 1000.0);
        }
    }

    /// <summary>Percentile <paramref name="percent"/> into <paramref name="slot"/>, when the view wants it.</summary>
    public static void SetIf(MetricPoint point, in View view, Points.FieldSchema schema, int slot, ISampleRead samples, int percent)
    {
        if (view.Wants(schema, slot))
        {
            point.Set(slot, samples.Percentile(percent) / 1000.0);
        }
    }
}
