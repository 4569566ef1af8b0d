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
    private readonly Dictionary<string, GaugeBinding[]> _bindings;
    private readonly Dictionary<(Gauge Gauge, string First, string? Second), GaugeSeries> _gaugeSeries = [];
    private readonly Dictionary<string, Counter.Child> _emitted = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Shop, string Category), long> _keywordSums = [];
    private readonly object _gate = new();
    private long _keywordBoundary = long.MinValue;

    public PointRouter(MonitorMetrics metrics, IEnumerable<IPointSink> sinks, ShopBoard? board = null)
    {
        _metrics = metrics;
        _sinks = sinks.ToArray();
        Board = board;
        _bindings = new GaugeBinding[]
        {
            new(Measurements.Backlog, "waiting", metrics.BacklogWaiting, ["shop", "queue"]),
            new(Measurements.Backlog, "oldest_wait_seconds", metrics.BacklogOldestWait, ["shop", "queue"]),
            new(Measurements.ResponseTimeByChannel, "count", metrics.ResponseCount, ["shop", "channel"]),
            new(Measurements.ResponseTimeByChannel, "p90", metrics.ResponseTimeP90, ["shop", "channel"]),
            new(Measurements.CallAnswer, "p90", metrics.CallAnswerP90, ["shop"]),
            new(Measurements.CallAnswer, "abandon_ratio", metrics.CallAbandonRatio, ["shop"]),
            new(Measurements.CallAnswer, "service_level_ratio", metrics.CallServiceLevelRatio, ["shop"]),
            new("shipping", "on_time_ratio", metrics.ShippingOnTimeRatio, ["shop"]),
            new("shipping", "overdue_unshipped", metrics.ShippingOverdueUnshipped, ["shop"]),
            new("shipping", "stalled", metrics.ShippingStalled, ["shop"]),
            new("orders", "cancel_ratio", metrics.OrderCancelRatio, ["shop"]),
            new(Measurements.Bot, "bot_resolved_ratio", metrics.BotResolvedRatio, ["shop", "channel"]),
            new(Measurements.Crisis, "cq", metrics.CrisisQuotient, ["shop"]),
            new(Measurements.Crisis, "level", metrics.CrisisLevel, ["shop"]),
        }.GroupBy(b => b.Measurement).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public ShopBoard? Board { get; }

    public long PointsRouted { get; private set; }

    /// <summary>
    /// Routes one batch. Blocks while a sink's buffer is full: in replay until there is room (a replay
    /// slows to InfluxDB's pace instead of losing points), live for at most the writer's MaxBlock
    /// before it drops the oldest points (docs/reliability.md#influxdb-outage).
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
                Emitted(point.Measurement).Inc();
                UpdateGauges(point);
                Board?.Observe(point);
                if (!Measurements.IsInternal(point.Measurement))
                {
                    (external ??= new List<MetricPoint>(batch.Count)).Add(point);
                }
            }

            SetKeywordSums();
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
        if (point.Measurement == "complaint_keywords")
        {
            // Summed per (shop, category) over keywords and channels: keywords would make too many series.
            // Only the newest boundary of a batch counts: a batch may hold several.
            if (point.TimestampMs > _keywordBoundary)
            {
                _keywordSums.Clear();
                _keywordBoundary = point.TimestampMs;
            }
            else if (point.TimestampMs < _keywordBoundary)
            {
                return;
            }

            var key = (point.Tag("shop") ?? "", point.Tag("category") ?? "");
            _keywordSums[key] = _keywordSums.GetValueOrDefault(key) + (long)(point.Field("hits")?.Value ?? 0);
            return;
        }

        if (!_bindings.TryGetValue(point.Measurement, out var bindings))
        {
            return;
        }

        foreach (var binding in bindings)
        {
            var first = point.Tag(binding.Labels[0]) ?? "";
            var second = binding.Labels.Length > 1 ? point.Tag(binding.Labels[1]) ?? "" : null;
            Set(binding.Gauge, first, second, point.Field(binding.Field)?.Value, point.TimestampMs);
        }
    }

    private void SetKeywordSums()
    {
        foreach (var ((shop, category), hits) in _keywordSums)
        {
            Set(_metrics.ComplaintKeywordHits, shop, category, hits, _keywordBoundary);
        }

        _keywordSums.Clear();
    }

    private void Set(Gauge gauge, string first, string? second, double? value, long timestampMs)
    {
        var key = (gauge, first, second);
        if (value is { } v)
        {
            if (!_gaugeSeries.TryGetValue(key, out var series))
            {
                string[] labels = second is null ? [first] : [first, second];
                series = new GaugeSeries(gauge.WithLabels(labels), labels);
                _gaugeSeries.Add(key, series);
            }

            series.Child.Set(v);
            series.SeenMs = timestampMs;
        }
        else if (_gaugeSeries.Remove(key, out var series))
        {
            // A field left out (empty window, no ratio) shows nothing rather than an old value.
            gauge.RemoveLabelled(series.Labels);
        }
    }

    /// <summary>Every active series emits at every boundary, so a labelset missing from the newest boundary is inactive.</summary>
    private void RemoveStaleGauges(long newestBoundary)
    {
        if (newestBoundary == long.MinValue)
        {
            return;
        }

        List<(Gauge, string, string?)>? stale = null;
        foreach (var (key, series) in _gaugeSeries)
        {
            if (series.SeenMs < newestBoundary)
            {
                (stale ??= []).Add(key);
            }
        }

        foreach (var key in stale ?? [])
        {
            _gaugeSeries.Remove(key, out var series);
            key.Item1.RemoveLabelled(series!.Labels);
        }
    }

    private Counter.Child Emitted(string measurement)
    {
        if (!_emitted.TryGetValue(measurement, out var child))
        {
            child = _metrics.PointsEmitted.WithLabels(measurement);
            _emitted.Add(measurement, child);
        }

        return child;
    }

    private sealed record GaugeBinding(string Measurement, string Field, Gauge Gauge, string[] Labels);

    private sealed class GaugeSeries(Gauge.Child child, string[] labels)
    {
        public Gauge.Child Child { get; } = child;

        public string[] Labels { get; } = labels;

        public long SeenMs { get; set; }
    }
}
