using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Calls;

/// <summary>
/// Builds calls events for engine tests. Event ids come from a per-instance counter, so a history
/// built once keeps its ids however it is later reordered.
/// </summary>
internal sealed class CallEvents(string shopId = "s1")
{
    private int _next;

    public MonitorEvent Queued(string call, long ts, string? shop = null) => Event(EventType.CallQueued, call, ts, shop);

    public MonitorEvent Answered(string call, long ts, string? shop = null) => Event(EventType.CallAnswered, call, ts, shop);

    public MonitorEvent Abandoned(string call, long ts, string? shop = null) => Event(EventType.CallAbandoned, call, ts, shop);

    public MonitorEvent Ended(string call, long ts, string? shop = null) => Event(EventType.CallEnded, call, ts, shop);

    public MonitorEvent Transcript(string call, long ts, string? shop = null) => new()
    {
        Type = EventType.CallTranscript,
        EventId = $"c{_next++:D5}",
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        CallId = call,
        Speaker = Sender.Customer,
        Text = "where is my parcel",
    };

    private MonitorEvent Event(EventType type, string call, long ts, string? shop) => new()
    {
        Type = type,
        EventId = $"c{_next++:D5}",
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        CallId = call,
    };
}

/// <summary>Look-ups of the calls family's points in a <see cref="RecordingEngine"/>.</summary>
internal static class CallPoints
{
    public static IEnumerable<MetricPoint> CallBacklog(this RecordingEngine run, string shop = "s1") => run.Backlog("call", shop);

    public static MetricPoint CallBacklogAt(this RecordingEngine run, long boundaryMs, string shop = "s1") =>
        run.BacklogAt(boundaryMs, "call", shop);

    public static IEnumerable<MetricPoint> Answers(this RecordingEngine run, string shop = "s1") =>
        run.Points.Where(p => p.Measurement == Measurements.CallAnswer && p.Tag("shop") == shop);

    public static MetricPoint AnswerAt(this RecordingEngine run, long boundaryMs, string shop = "s1") =>
        Assert.Single(run.Answers(shop), p => p.TimestampMs == boundaryMs);

    public static IEnumerable<MetricPoint> Handles(this RecordingEngine run, string shop = "s1") =>
        run.Points.Where(p => p.Measurement == Measurements.CallHandle && p.Tag("shop") == shop);

    public static MetricPoint HandleAt(this RecordingEngine run, long boundaryMs, string shop = "s1") =>
        Assert.Single(run.Handles(shop), p => p.TimestampMs == boundaryMs);

    public static string[] FieldKeys(this MetricPoint point) => point.Fields.Select(f => f.Key).ToArray();
}
