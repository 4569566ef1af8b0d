using Monitor.Core.Metrics;

namespace Monitor.Alerting;

/// <summary>What a field holds; rules use it to check minSamples fields and ratio thresholds.</summary>
public enum FieldKind
{
    /// <summary>An integer count (InfluxDB <c>i</c> field): usable as a minSamples field.</summary>
    Count,

    /// <summary>A 0..1 ratio.</summary>
    Ratio,

    /// <summary>Seconds.</summary>
    Seconds,

    /// <summary>Any other number (CQ, per-1,000 rates, amounts).</summary>
    Number,
}

/// <summary>
/// One measurement as rules see it: its tags (with their value sets where the contract bounds them;
/// null means any value, e.g. <c>shop</c>) and its fields, in the order docs/metrics.md lists them.
/// </summary>
public sealed record MeasurementShape(
    string Name,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>?>> Tags,
    IReadOnlyList<KeyValuePair<string, FieldKind>> Fields)
{
    public bool HasTag(string tag) => Tags.Any(t => t.Key == tag);

    /// <summary>The contract's values of <paramref name="tag"/>, or null when any value may occur.</summary>
    public IReadOnlyList<string>? TagValues(string tag) => Tags.FirstOrDefault(t => t.Key == tag).Value;

    /// <summary>The kind of <paramref name="field"/>, or null when the measurement has no such field.</summary>
    public FieldKind? Field(string field)
    {
        foreach (var (name, kind) in Fields)
        {
            if (name == field)
            {
                return kind;
            }
        }

        return null;
    }

    public IEnumerable<string> TagNames => Tags.Select(t => t.Key);

    public IEnumerable<string> FieldNames => Fields.Select(f => f.Key);
}

/// <summary>
/// The measurements the engine emits (DESIGN §4, docs/metrics.md, docs/keywords.md), which alert
/// rules may watch. The <c>alerts</c> measurement is left out: rules never watch their own output.
/// Keep this table in step with the docs when a measurement, tag or field is added.
/// </summary>
public static class MetricContract
{
    private static readonly string[] Channels = ["chat", "email", "social"];

    public static IReadOnlyList<MeasurementShape> All { get; } =
    [
        Shape(Measurements.ResponseTime,
            [Tag("shop"), Tag("channel", Channels), Tag("kind", "first", "reply"), Tag("responder", "agent", "bot")],
            [Count("count"), Seconds("p50"), Seconds("p90"), Seconds("p99"), Seconds("mean"), Seconds("max"), Ratio("within_sla_ratio")]),
        Shape(Measurements.CallAnswer,
            [Tag("shop")],
            [Count("offered"), Count("answered"), Count("abandoned"), Ratio("abandon_ratio"), Ratio("service_level_ratio"), Seconds("p50"), Seconds("p90"), Seconds("p99")]),
        Shape(Measurements.CallHandle,
            [Tag("shop")],
            [Count("count"), Seconds("p50"), Seconds("p90"), Seconds("mean")]),
        Shape(Measurements.Backlog,
            [Tag("shop"), Tag("queue", "chat", "email", "social", "call", "refund", "shipment")],
            [Count("waiting"), Seconds("oldest_wait_seconds")]),
        Shape(Measurements.Shipping,
            [Tag("shop")],
            [Count("due"), Count("on_time"), Count("late"), Count("overdue_unshipped"), Count("stalled"), Ratio("on_time_ratio")]),
        Shape(Measurements.Orders,
            [Tag("shop")],
            [Count("paid"), Count("cancelled"), Ratio("cancel_ratio"), Count("refund_open"), Number("refund_open_amount"), Count("delivered"), Count("damaged"), Ratio("damage_ratio")]),
        Shape(Measurements.ComplaintKeywords,
            [Tag("shop"), Tag("channel", "chat", "email", "social", "call", "review"), Tag("category"), Tag("keyword")],
            [Count("hits")]),
        Shape(Measurements.ComplaintRate,
            [Tag("shop")],
            [Count("messages"), Count("matched_messages"), Count("hits"), Number("per_1000_messages")]),
        Shape(Measurements.Bot,
            [Tag("shop"), Tag("channel", Channels)],
            [Count("closed"), Count("bot_resolved"), Count("transferred"), Ratio("bot_resolved_ratio")]),
        Shape(Measurements.Crisis,
            [Tag("shop")],
            [Number("volume_per_min"), Number("capacity_per_min"), Number("cq"), Count("level")]),
    ];

    public static MeasurementShape? Find(string measurement) => All.FirstOrDefault(m => m.Name == measurement);

    private static MeasurementShape Shape(string name, KeyValuePair<string, IReadOnlyList<string>?>[] tags, KeyValuePair<string, FieldKind>[] fields) =>
        new(name, tags, fields);

    private static KeyValuePair<string, IReadOnlyList<string>?> Tag(string name, params string[] values) =>
        new(name, values.Length == 0 ? null : values);

    private static KeyValuePair<string, FieldKind> Count(string name) => new(name, FieldKind.Count);

    private static KeyValuePair<string, FieldKind> Ratio(string name) => new(name, FieldKind.Ratio);

    private static KeyValuePair<string, FieldKind> Seconds(string name) => new(name, FieldKind.Seconds);

    private static KeyValuePair<string, FieldKind> Number(string name) => new(name, FieldKind.Number);
}
