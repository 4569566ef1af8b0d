using Monitor.Core.Points;
using static Monitor.Core.Points.FieldKind;

namespace Monitor.Core.Metrics;

/// <summary>
/// The fields of every measurement the engine emits (DESIGN §4, docs/metrics.md), in the order
/// they are written: a series point is laid out from its schema once, and the slot constants name
/// the fields the emitters write.
/// </summary>
internal static class MetricSchemas
{
    public static readonly FieldSchema ResponseTime = new(Measurements.ResponseTime,
        ("count", Integer), ("p50", Float), ("p90", Float), ("p99", Float), ("mean", Float), ("max", Float), ("within_sla_ratio", Float));

    public static readonly FieldSchema Backlog = new(Measurements.Backlog, ("waiting", Integer), ("oldest_wait_seconds", Float));

    public static readonly FieldSchema CallAnswer = new(Measurements.CallAnswer,
        ("offered", Integer), ("answered", Integer), ("abandoned", Integer), ("abandon_ratio", Float), ("service_level_ratio", Float),
        ("p50", Float), ("p90", Float), ("p99", Float));

    public static readonly FieldSchema CallHandle = new(Measurements.CallHandle, ("count", Integer), ("p50", Float), ("p90", Float), ("mean", Float));

    public static readonly FieldSchema Shipping = new(Measurements.Shipping,
        ("due", Integer), ("on_time", Integer), ("late", Integer), ("overdue_unshipped", Integer), ("stalled", Integer), ("on_time_ratio", Float));

    public static readonly FieldSchema Orders = new(Measurements.Orders,
        ("paid", Integer), ("cancelled", Integer), ("cancel_ratio", Float), ("refund_open", Integer), ("refund_open_amount", Float),
        ("delivered", Integer), ("damaged", Integer), ("damage_ratio", Float));

    public static readonly FieldSchema ComplaintKeywords = new(Measurements.ComplaintKeywords, ("hits", Integer));

    public static readonly FieldSchema ComplaintRate = new(Measurements.ComplaintRate,
        ("messages", Integer), ("matched_messages", Integer), ("hits", Integer), ("per_1000_messages", Float));

    public static readonly FieldSchema Bot = new(Measurements.Bot,
        ("closed", Integer), ("bot_resolved", Integer), ("transferred", Integer), ("bot_resolved_ratio", Float));

    public static readonly FieldSchema Crisis = new(Measurements.Crisis,
        ("volume_per_min", Float), ("capacity_per_min", Float), ("cq", Float), ("level", Integer));

    public static readonly FieldSchema ResponseTimeByChannel = new(Measurements.ResponseTimeByChannel, ("count", Integer), ("p90", Float));

    public static readonly FieldSchema[] All = [ResponseTime, Backlog, CallAnswer, CallHandle, Shipping, Orders, ComplaintKeywords, ComplaintRate, Bot, Crisis, ResponseTimeByChannel];

    /// <summary>A series point of <paramref name="schema"/> tagged with the shop only.</summary>
    public static MetricPoint Series(FieldSchema schema, string shopId) => new(schema, [new("shop", shopId)]);

    /// <summary>A series point of <paramref name="schema"/> with its tags, sorted by key once.</summary>
    public static MetricPoint Series(FieldSchema schema, params KeyValuePair<string, string>[] tags)
    {
        Array.Sort(tags, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new MetricPoint(schema, tags);
    }

    /// <summary>Slots of the distribution fields shared by response_time, call_answer and call_handle.</summary>
    public readonly record struct DistributionSlots(int Count, int P50, int P90, int P99, int Mean, int Max);
}
