using System.Reactive.Linq;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Points;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Simulation;
using Prometheus;

namespace Monitor.Tests.Output;

public sealed class PointRouterTests
{
    private readonly MonitorMetrics _metrics = new(Metrics.NewCustomRegistry());

    private static MetricPoint Point(string measurement, long ts, (string, string)[] tags, params MetricField[] fields) =>
        new(measurement, tags.Select(t => new KeyValuePair<string, string>(t.Item1, t.Item2)).ToArray(), fields, ts);

    [Fact]
    public void HeadlineFields_SetTheBusinessGauges()
    {
        var router = new PointRouter(_metrics, []);
        router.Publish(
        [
            Point(Measurements.Backlog, 10, [("queue", "call"), ("shop", "s1")], MetricField.Int("waiting", 3), MetricField.Float("oldest_wait_seconds", 42)),
            Point(Measurements.Crisis, 10, [("shop", "s1")], MetricField.Float("cq", 1.3), MetricField.Int("level", 3)),
            Point(Measurements.Bot, 10, [("channel", "email"), ("shop", "s1")], MetricField.Int("closed", 4), MetricField.Float("bot_resolved_ratio", 0.75)),
            Point("complaint_keywords", 10, [("category", "regulator"), ("channel", "chat"), ("keyword", "12315"), ("shop", "s1")], MetricField.Int("hits", 2)),
            Point("complaint_keywords", 10, [("category", "regulator"), ("channel", "call"), ("keyword", "消协"), ("shop", "s1")], MetricField.Int("hits", 1)),
        ]);

        Assert.Equal(3, _metrics.BacklogWaiting.WithLabels("s1", "call").Value);
        Assert.Equal(42, _metrics.BacklogOldestWait.WithLabels("s1", "call").Value);
        Assert.Equal(1.3, _metrics.CrisisQuotient.WithLabels("s1").Value);
        Assert.Equal(3, _metrics.CrisisLevel.WithLabels("s1").Value);
        Assert.Equal(0.75, _metrics.BotResolvedRatio.WithLabels("s1", "email").Value);
        Assert.Equal(3, _metrics.ComplaintKeywordHits.WithLabels("s1", "regulator").Value);
    }

    [Fact]
    public void KeywordHits_OfABatchWithSeveralBoundaries_CountTheNewestOnly()
    {
        var router = new PointRouter(_metrics, []);
        (string, string)[] tags = [("category", "refund"), ("channel", "chat"), ("keyword", "退款"), ("shop", "s1")];
        router.Publish(
        [
            Point("complaint_keywords", 10, tags, MetricField.Int("hits", 4)),
            Point("complaint_keywords", 20, tags, MetricField.Int("hits", 5)),
            Point("complaint_keywords", 30, tags, MetricField.Int("hits", 6)),
        ]);

        Assert.Equal(6, _metrics.ComplaintKeywordHits.WithLabels("s1", "refund").Value);
    }

    [Fact]
    public void SeriesMissingFromTheNewestBoundary_IsRemovedFromMetrics()
    {
        var router = new PointRouter(_metrics, []);
        router.Publish([Point(Measurements.Crisis, 10, [("shop", "s1")], MetricField.Float("cq", 1), MetricField.Int("level", 2))]);
        router.Publish([Point(Measurements.Crisis, 20, [("shop", "s2")], MetricField.Float("cq", 0.5), MetricField.Int("level", 0))]);

        var shops = _metrics.CrisisQuotient.GetAllLabelValues().Select(l => l[0]).ToArray();
        Assert.Equal(["s2"], shops);
    }

    [Fact]
    public void SeriesSetBackToAnOlderBoundary_IsStaleOnceANewerOneArrives()
    {
        var router = new PointRouter(_metrics, []);
        router.Publish(
        [
            Point(Measurements.Crisis, 20, [("shop", "s1")], MetricField.Float("cq", 1)),
            Point(Measurements.Crisis, 20, [("shop", "s2")], MetricField.Float("cq", 2)),
        ]);
        router.Publish(
        [
            Point(Measurements.Crisis, 30, [("shop", "s2")], MetricField.Float("cq", 4)),
            Point(Measurements.Crisis, 10, [("shop", "s1")], MetricField.Float("cq", 3)),
        ]);

        Assert.Equal(["s2"], _metrics.CrisisQuotient.GetAllLabelValues().Select(l => l[0]));
        Assert.Equal(4, _metrics.CrisisQuotient.WithLabels("s2").Value);
    }

    [Fact]
    public void FieldLeftOut_RemovesTheGaugeRatherThanKeepingAnOldValue()
    {
        var router = new PointRouter(_metrics, []);
        router.Publish([Point(Measurements.Bot, 10, [("channel", "chat"), ("shop", "s1")], MetricField.Int("closed", 1), MetricField.Float("bot_resolved_ratio", 1))]);
        router.Publish([Point(Measurements.Bot, 20, [("channel", "chat"), ("shop", "s1")], MetricField.Int("closed", 0))]);

        Assert.Empty(_metrics.BotResolvedRatio.GetAllLabelValues());
    }

    [Fact]
    public void InternalMeasurements_NeverReachTheSinks()
    {
        var sink = new RecordingSink();
        var router = new PointRouter(_metrics, [sink]);
        router.Publish(
        [
            Point(Measurements.ResponseTimeByChannel, 10, [("channel", "chat"), ("shop", "s1")], MetricField.Int("count", 2), MetricField.Float("p90", 7)),
            Point(Measurements.Backlog, 10, [("queue", "chat"), ("shop", "s1")], MetricField.Int("waiting", 0), MetricField.Float("oldest_wait_seconds", 0)),
        ]);

        Assert.Equal([Measurements.Backlog], sink.Points.Select(p => p.Measurement));
        Assert.Equal(7, _metrics.ResponseTimeP90.WithLabels("s1", "chat").Value);
    }

    /// <summary>
    /// The engine's own series points (read by field slot; a gauge is written only when its value
    /// changed, and the stale scan is skipped when a boundary refreshed every gauge) leave /metrics
    /// exactly as the newest boundary says: after each boundary, a gauge holds a label set if and
    /// only if that boundary has a point with the field, and holds its value. Series come and go
    /// (a 2-minute TTL), fields are left out (no ratio without a close), values repeat.
    /// </summary>
    [Fact]
    public void SeriesPoints_LeaveTheGaugesExactlyAsTheNewestBoundarySays()
    {
        var decoder = new EventDecoder();
        var events = new Double11Scenario()
            .Generate(new SimulationOptions { Duration = TimeSpan.FromMinutes(20), Shops = 30 })
            .Select(e => decoder.Decode(e.Json, null).Event!)
            .ToArray();
        (string Measurement, string Field, Gauge Gauge, string[] Labels)[] checks =
        [
            (Measurements.Backlog, "waiting", _metrics.BacklogWaiting, ["shop", "queue"]),
            (Measurements.Backlog, "oldest_wait_seconds", _metrics.BacklogOldestWait, ["shop", "queue"]),
            (Measurements.CallAnswer, "p90", _metrics.CallAnswerP90, ["shop"]),
            (Measurements.Bot, "bot_resolved_ratio", _metrics.BotResolvedRatio, ["shop", "channel"]),
            (Measurements.Crisis, "cq", _metrics.CrisisQuotient, ["shop"]),
        ];
        var router = new PointRouter(_metrics, []);
        var previous = new Dictionary<string, double>();
        int boundaries = 0, repeated = 0, removed = 0;

        using (events.ToObservable().Select(e => PipelineInput.Of(e))
            .ToMetricPoints(new EngineOptions { SeriesTtl = TimeSpan.FromMinutes(2) }, borrowPoints: true)
            .Subscribe(batch =>
            {
                router.Publish(batch);
                boundaries++;
                var current = new Dictionary<string, double>();
                foreach (var (measurement, field, gauge, labels) in checks)
                {
                    var expected = batch
                        .Where(p => p.Measurement == measurement && p.Field(field) is not null)
                        .ToDictionary(p => string.Join('|', labels.Select(l => p.Tag(l))), p => p.Field(field)!.Value.Value);
                    var actual = gauge.GetAllLabelValues().ToDictionary(l => string.Join('|', l), l => gauge.WithLabels(l).Value);
                    Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
                    foreach (var (key, value) in expected)
                    {
                        current[measurement + field + key] = value;
                    }
                }

                repeated += current.Count(c => previous.TryGetValue(c.Key, out var before) && before == c.Value);
                removed += previous.Keys.Count(k => !current.ContainsKey(k));
                previous = current;
            }))
        {
        }

        Assert.True(boundaries > 100, $"only {boundaries} boundaries");
        Assert.True(repeated > 1000, $"only {repeated} values repeated from one boundary to the next");
        Assert.True(removed > 10, $"only {removed} gauges left /metrics");
    }

    private sealed class RecordingSink : IPointSink
    {
        public List<MetricPoint> Points { get; } = [];

        public ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
        {
            Points.AddRange(points);
            return ValueTask.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
