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
    private readonly IBackPressureSink[] _holders;
    private readonly Dictionary<string, GaugeBinding[]> _bindings;
    private readonly Dictionary<(Gauge Gauge, string First, string? Second), GaugeSeries> _gaugeSeries = [];
    private readonly Dictionary<string, Counter.Child> _emitted = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Shop, string Category), long> _keywordSums = [];
    private readonly Dictionary<(string Shop, string Category), KeywordSum> _keywordSumsBySeries = [];
    private readonly List<KeywordSum> _touchedSums = [];
    private readonly Dictionary<string, EmittedCount> _emittedBatch = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly List<MetricPoint> _external = [];
    private long _keywordBoundary = long.MinValue;

    /// <summary>Routes to <paramref name="sinks"/> in order, to the business gauges of <paramref name="metrics"/> and, when given, to <paramref name="board"/>.</summary>
    public PointRouter(MonitorMetrics metrics, IEnumerable<IPointSink> sinks, ShopBoard? board = null)
    {
        _metrics = metrics;
        _sinks = sinks.ToArray();
        _holders = _sinks.OfType<IBackPressureSink>().ToArray();
        Board = board;
        _bindings = new GaugeBinding[]
        {
            Bind(MetricContract.Backlog, "waiting", metrics.BacklogWaiting, "shop", "queue"),
            Bind(MetricContract.Backlog, "oldest_wait_seconds", metrics.BacklogOldestWait, "shop", "queue"),
            Bind(MetricContract.ResponseTimeByChannel, "count", metrics.ResponseCount, "shop", "channel"),
            Bind(MetricContract.ResponseTimeByChannel, "p90", metrics.ResponseTimeP90, "shop", "channel"),
            Bind(MetricContract.CallAnswer, "p90", metrics.CallAnswerP90, "shop"),
            Bind(MetricContract.CallAnswer, "abandon_ratio", metrics.CallAbandonRatio, "shop"),
            Bind(MetricContract.CallAnswer, "service_level_ratio", metrics.CallServiceLevelRatio, "shop"),
            Bind(MetricContract.Shipping, "on_time_ratio", metrics.ShippingOnTimeRatio, "shop"),
            Bind(MetricContract.Shipping, "overdue_unshipped", metrics.ShippingOverdueUnshipped, "shop"),
            Bind(MetricContract.Shipping, "stalled", metrics.ShippingStalled, "shop"),
            Bind(MetricContract.Orders, "cancel_ratio", metrics.OrderCancelRatio, "shop"),
            Bind(MetricContract.Bot, "bot_resolved_ratio", metrics.BotResolvedRatio, "shop", "channel"),
            Bind(MetricContract.Crisis, "cq", metrics.CrisisQuotient, "shop"),
            Bind(MetricContract.Crisis, "level", metrics.CrisisLevel, "shop"),
        }.GroupBy(b => b.Measurement).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The board every point is shown to, or null when none was given (replay, the benchmark).</summary>
    public ShopBoard? Board { get; }

    /// <summary>Contract points (internal measurements left out) handed to the sinks so far, or that would have been without a sink.</summary>
    public long PointsRouted { get; private set; }

    /// <summary>True while a sink asks the pipeline to hold its next boundary (see <see cref="IBackPressureSink"/>).</summary>
    public bool ShouldHoldBoundary()
    {
        foreach (var holder in _holders)
        {
            if (holder.ShouldHoldBoundary())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Routes one batch. Blocks while a sink's buffer is full: in replay until there is room (a replay
    /// slows to InfluxDB's pace instead of losing points), live for at most the writer's MaxBlock
    /// before it drops the oldest points (docs/reliability.md#influxdb-outage).
    /// </summary>
    public void Publish(IReadOnlyList<MetricPoint> batch)
    {
        long newest = long.MinValue;
        List<MetricPoint> external;
        lock (_gate)
        {
            external = _external;
            external.Clear();
            for (var i = 0; i < batch.Count; i++)
            {
                var point = batch[i];
                newest = Math.Max(newest, point.TimestampMs);
                if (point.IsSeries)
                {
                    UpdateSeries(point);
                }
                else
                {
                    Emitted(point.Measurement).Inc();
                    UpdateGauges(point);
                }

                Board?.Observe(point);
                if (!Measurements.IsInternal(point.Measurement))
                {
                    external.Add(point);
                }
            }

            SetKeywordSums();
            RemoveStaleGauges(newest);
        }

        if (external.Count == 0 || _sinks.Count == 0)
        {
            PointsRouted += external.Count;
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

    /// <summary>A series point: its counter child and gauge bindings are resolved once and kept on the point.</summary>
    private void UpdateSeries(MetricPoint point)
    {
        if (point.SinkState is not SeriesState state || state.Router != this)
        {
            state = new SeriesState(this, EmittedBatch(point.Measurement), point);
            if (point.Measurement == Measurements.ComplaintKeywords)
            {
                state.KeywordSum = KeywordSumOf(point);
            }

            point.SinkState = state;
        }

        state.Emitted.Pending++;
        if (state.KeywordSum is { } sum)
        {
            if (sum.Retired)
            {
                state.KeywordSum = sum = KeywordSumOf(point);
            }

            AddKeywordHits(sum, point);
            return;
        }

        for (var i = 0; i < state.Bindings.Length; i++)
        {
            ref var binding = ref state.Bindings[i];
            if (point.Field(binding.Field) is { } field)
            {
                if (binding.Series is not { Removed: false } series)
                {
                    series = binding.Series = Series(binding.Gauge, binding.First, binding.Second);
                }

                series.Child.Set(field.Value);
                series.SeenMs = point.TimestampMs;
            }
            else if (binding.Series is { Removed: false })
            {
                Set(binding.Gauge, binding.First, binding.Second, null, point.TimestampMs);
                binding.Series = null;
            }
        }
    }

    private KeywordSum KeywordSumOf(MetricPoint point)
    {
        var key = (point.Tag("shop") ?? "", point.Tag("category") ?? "");
        if (!_keywordSumsBySeries.TryGetValue(key, out var sum))
        {
            sum = new KeywordSum(key.Item1, key.Item2);
            _keywordSumsBySeries.Add(key, sum);
        }

        return sum;
    }

    /// <summary>Keyword hits summed per (shop, category); only the newest boundary counts.</summary>
    private void AddKeywordHits(KeywordSum sum, MetricPoint point)
    {
        if (point.TimestampMs > _keywordBoundary)
        {
            ResetKeywordSums();
            _keywordBoundary = point.TimestampMs;
        }
        else if (point.TimestampMs < _keywordBoundary)
        {
            return;
        }

        if (sum.Hits == 0)
        {
            _touchedSums.Add(sum);
        }

        sum.Hits += (long)(point.Field("hits")?.Value ?? 0);
    }

    private void ResetKeywordSums()
    {
        foreach (var sum in _touchedSums)
        {
            sum.Hits = 0;
        }

        _touchedSums.Clear();
        _keywordSums.Clear();
    }

    private EmittedCount EmittedBatch(string measurement)
    {
        if (!_emittedBatch.TryGetValue(measurement, out var count))
        {
            count = new EmittedCount(Emitted(measurement));
            _emittedBatch.Add(measurement, count);
        }

        return count;
    }

    private GaugeSeries Series(Gauge gauge, string first, string? second)
    {
        var key = (gauge, first, second);
        if (!_gaugeSeries.TryGetValue(key, out var series))
        {
            string[] labels = second is null ? [first] : [first, second];
            series = new GaugeSeries(gauge.WithLabels(labels), labels);
            _gaugeSeries.Add(key, series);
        }

        return series;
    }

    private void UpdateGauges(MetricPoint point)
    {
        if (point.Measurement == "complaint_keywords")
        {
            // Summed per (shop, category) over keywords and channels: keywords would make too many series.
            // Only the newest boundary of a batch counts: a batch may hold several.
            if (point.TimestampMs > _keywordBoundary)
            {
                ResetKeywordSums();
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

        foreach (var sum in _touchedSums)
        {
            if (sum.Series is not { Removed: false } series)
            {
                series = sum.Series = Series(_metrics.ComplaintKeywordHits, sum.Shop, sum.Category);
            }

            series.Child.Set(sum.Hits);
            series.SeenMs = _keywordBoundary;
        }

        ResetKeywordSums();

        // Points emitted, counted once per batch and measurement.
        foreach (var count in _emittedBatch.Values)
        {
            if (count.Pending > 0)
            {
                count.Child.Inc(count.Pending);
                count.Pending = 0;
            }
        }
    }

    private void Set(Gauge gauge, string first, string? second, double? value, long timestampMs)
    {
        var key = (gauge, first, second);
        if (value is { } v)
        {
            var series = Series(gauge, first, second);
            series.Child.Set(v);
            series.SeenMs = timestampMs;
        }
        else if (_gaugeSeries.Remove(key, out var series))
        {
            // A field left out (empty window, no ratio) shows nothing rather than an old value.
            series.Removed = true;
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
            series!.Removed = true;
            key.Item1.RemoveLabelled(series.Labels);
            if (key.Item1 == _metrics.ComplaintKeywordHits && key.Item3 is { } category
                && _keywordSumsBySeries.Remove((key.Item2, category), out var sum))
            {
                // Series points still holding it look it up again: one live sum per (shop, category).
                sum.Retired = true;
            }
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

    /// <summary>A gauge fed by <paramref name="field"/> of <paramref name="shape"/>, labelled by its tags <paramref name="labels"/>: both must be in the contract.</summary>
    private static GaugeBinding Bind(MeasurementShape shape, string field, Gauge gauge, params string[] labels)
    {
        if (shape.Field(field) is null || labels.Any(label => !shape.HasTag(label)))
        {
            throw new InvalidOperationException($"gauge {gauge.Name}: {shape.Name} has no field {field} or no tag of {string.Join(", ", labels)} in the metric contract");
        }

        return new GaugeBinding(shape.Name, field, gauge, labels);
    }

    private sealed class GaugeSeries(Gauge.Child child, string[] labels)
    {
        public Gauge.Child Child { get; } = child;

        public string[] Labels { get; } = labels;

        public long SeenMs { get; set; }

        /// <summary>Removed from /metrics; a series state holding it resolves it again.</summary>
        public bool Removed { get; set; }
    }

    /// <summary>What one series point feeds, resolved once: its emitted counter and gauge bindings with their label values.</summary>
    private sealed class SeriesState
    {
        public SeriesState(PointRouter router, EmittedCount emitted, MetricPoint point)
        {
            Router = router;
            Emitted = emitted;
            Bindings = router._bindings.TryGetValue(point.Measurement, out var bindings)
                ? bindings.Select(b => new SeriesBinding(b.Gauge, b.Field, point.Tag(b.Labels[0]) ?? "", b.Labels.Length > 1 ? point.Tag(b.Labels[1]) ?? "" : null)).ToArray()
                : [];
        }

        public PointRouter Router { get; }

        public EmittedCount Emitted { get; }

        public KeywordSum? KeywordSum { get; set; }

        public SeriesBinding[] Bindings { get; }
    }

    private sealed class EmittedCount(Counter.Child child)
    {
        public Counter.Child Child { get; } = child;

        public long Pending { get; set; }
    }

    /// <summary>The hits of one (shop, category) at the newest boundary, and its gauge series.</summary>
    private sealed class KeywordSum(string shop, string category)
    {
        public string Shop { get; } = shop;

        public string Category { get; } = category;

        public long Hits { get; set; }

        public GaugeSeries? Series { get; set; }

        /// <summary>Its gauge went stale and it left the table.</summary>
        public bool Retired { get; set; }
    }

    private struct SeriesBinding(Gauge gauge, string field, string first, string? second)
    {
        public Gauge Gauge = gauge;
        public string Field = field;
        public string First = first;
        public string? Second = second;
        public GaugeSeries? Series;
    }
}
