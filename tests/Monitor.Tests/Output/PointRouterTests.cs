using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Observability;
using Monitor.Output;
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
