using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Observability;
using Prometheus;

namespace Monitor.Output;

/// <summary>
/// Fans each batch of points out: InfluxDB (or a file) gets the contract measurements, Prometheus
/// gets the business gauges, the board gets its snapshot. A gauge whose series stopped emitting
/// (inactive past the TTL) is removed, so /metrics never shows a stale shop.
/// </summary>
public sealed class PointRouter
{
    private readonly MonitorMetrics _metrics;
    private readonly IReadOnlyList<IPointSink> _sinks;
    private readonly Dictionary<(Gauge Gauge, string A, string B), long> _gaugeSeen = [];
    private readonly object _gate = new();

    public PointRouter(MonitorMetrics metrics, IEnumerable<IPointSink> sinks, ShopBoard? board = null)
    {
        _metrics = metrics;
        _sinks = sinks.ToArray();
        Board = board;
    }

    public ShopBoard? Board { get; }

    public long PointsRouted { get; private set; }

    /// <summary>
    /// Routes one batch. Blocks while a sink in back-pressure mode is full (replay), which is how
    /// a replay slows down to InfluxDB's pace instead of losing points.
    /// </summary>
    public void Publish(IReadOnlyList<MetricPoint> batch)
    {
        List<MetricPoint>? external = null;
        long newest = long.MinValue;
        lock (_gate)
        {
            foreach (var point in batch)
            {
                newest = Math.Max(newest, point.TimestampMs);
                _metrics.PointsEmitted.WithLabels(point.Measurement).Inc();
                UpdateGauges(point);
                Board?.Observe(point);
                if (!Measurements.IsInternal(point.Measurement))
                {
                    (external ??= new List<MetricPoint>(batch.Count)).Add(point);
                }
            }

            RemoveStaleGauges(newest);
        }

        if (external is null)
        {
            return;
        }

        PointsRouted += external.Count;
        foreach (var sink in _sinks)
        {
            var write = sink.WriteAsync(external);
            if (!write.IsCompletedSuccessfully)
            {
                write.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private void UpdateGauges(MetricPoint point)
    {
        switch (point.Measurement)
        {
            case Measurements.Backlog:
                Set(_metrics.BacklogWaiting, point.Tag("shop")!, point.Tag("queue")!, point.Field("waiting")?.Value, point.TimestampMs);
                Set(_metrics.BacklogOldestWait, point.Tag("shop")!, point.Tag("queue")!, point.Field("oldest_wait_seconds")?.Value, point.TimestampMs);
                break;
            case Measurements.ResponseTimeByChannel:
                Set(_metrics.ResponseCount, point.Tag("shop")!, point.Tag("channel")!, point.Field("count")?.Value, point.TimestampMs);
                Set(_metrics.ResponseTimeP90, point.Tag("shop")!, point.Tag("channel")!, point.Field("p90")?.Value, point.TimestampMs);
                break;
        }
    }

    private void Set(Gauge gauge, string a, string b, double? value, long timestampMs)
    {
        if (value is { } v)
        {
            gauge.WithLabels(a, b).Set(v);
            _gaugeSeen[(gauge, a, b)] = timestampMs;
        }
        else if (_gaugeSeen.Remove((gauge, a, b)))
        {
            // An empty window has no percentile: show nothing rather than an old value.
            gauge.RemoveLabelled(a, b);
        }
    }

    /// <summary>Every active series emits at every boundary, so a labelset missing from the newest boundary is inactive.</summary>
    private void RemoveStaleGauges(long newestBoundary)
    {
        if (newestBoundary == long.MinValue)
        {
            return;
        }

        List<(Gauge, string, string)>? stale = null;
        foreach (var (key, seen) in _gaugeSeen)
        {
            if (seen < newestBoundary)
            {
                (stale ??= []).Add(key);
            }
        }

        if (stale is null)
        {
            return;
        }

        foreach (var key in stale)
        {
            _gaugeSeen.Remove(key);
            key.Item1.RemoveLabelled(key.Item2, key.Item3);
        }
    }
}
