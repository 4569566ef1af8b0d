using System.Globalization;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Core.Tests.Support;

/// <summary>A <see cref="MetricEngine"/> that keeps every point it emits, with look-ups by series.</summary>
internal sealed class RecordingEngine
{
    public RecordingEngine(EngineOptions options)
    {
        Engine = new MetricEngine(options, Points.Add);
    }

    public MetricEngine Engine { get; }

    public List<MetricPoint> Points { get; } = [];

    public RecordingEngine Feed(params MonitorEvent[] events)
    {
        foreach (var e in events)
        {
            Assert.True(Engine.Accept(e), $"{e} was unexpectedly late");
        }

        return this;
    }

    public IEnumerable<MetricPoint> Backlog(string queue, string shop = "s1") =>
        Points.Where(p => p.Measurement == Measurements.Backlog && p.Tag("queue") == queue && p.Tag("shop") == shop);

    public MetricPoint BacklogAt(long boundaryMs, string queue = "chat", string shop = "s1") =>
        Assert.Single(Backlog(queue, shop), p => p.TimestampMs == boundaryMs);

    public IEnumerable<MetricPoint> Responses(string kind, string responder, string channel = "chat", string shop = "s1") =>
        Points.Where(p => p.Measurement == Measurements.ResponseTime && p.Tag("kind") == kind && p.Tag("responder") == responder
            && p.Tag("channel") == channel && p.Tag("shop") == shop);

    public MetricPoint ResponseAt(long boundaryMs, string kind, string responder, string channel = "chat", string shop = "s1") =>
        Assert.Single(Responses(kind, responder, channel, shop), p => p.TimestampMs == boundaryMs);

    public IEnumerable<MetricPoint> ResponseTimes => Points.Where(p => p.Measurement == Measurements.ResponseTime);
}

internal static class MetricPointExtensions
{
    public static double Value(this MetricPoint point, string field) =>
        point.Field(field)?.Value ?? throw new Xunit.Sdk.XunitException($"{Describe(point)} has no field {field}");

    /// <summary>Measurement, tags, fields (with kind) and timestamp in one exact, comparable string.</summary>
    public static string Describe(this MetricPoint point) =>
        string.Create(CultureInfo.InvariantCulture, $"{point.Measurement},{string.Join(',', point.Tags.Select(t => $"{t.Key}={t.Value}"))} "
            + $"{string.Join(',', point.Fields.Select(f => $"{f.Key}={f.Value:R}{(f.Kind == FieldKind.Integer ? "i" : "")}"))} {point.TimestampMs}");
}
