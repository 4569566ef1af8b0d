using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>What a field of the contract measures; rules use it to check minSamples fields and ratio thresholds.</summary>
public enum FieldUnit
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

/// <summary>One tag of a measurement: its name and the values the contract allows (null: any value, e.g. <c>shop</c>).</summary>
public sealed record TagShape(string Name, IReadOnlyList<string>? Values);

/// <summary>One field of a measurement: its name and unit; counts are written as integers, everything else as floats.</summary>
public sealed record FieldShape(string Name, FieldUnit Unit)
{
    /// <summary>How the field is written in line protocol.</summary>
    public FieldKind Kind => Unit == FieldUnit.Count ? FieldKind.Integer : FieldKind.Float;
}

/// <summary>
/// One measurement of the contract: its tags and its fields, in the order they are written (the
/// order of the field tables of docs/metrics.md).
/// </summary>
public sealed record MeasurementShape(string Name, IReadOnlyList<TagShape> Tags, IReadOnlyList<FieldShape> Fields)
{
    /// <summary>Whether the measurement carries <paramref name="tag"/>.</summary>
    public bool HasTag(string tag) => Tags.Any(t => t.Name == tag);

    /// <summary>The contract's values of <paramref name="tag"/>, or null when any value may occur (or there is no such tag).</summary>
    public IReadOnlyList<string>? TagValues(string tag) => Tags.FirstOrDefault(t => t.Name == tag)?.Values;

    /// <summary>The unit of <paramref name="field"/>, or null when the measurement has no such field.</summary>
    public FieldUnit? Field(string field) => Fields.FirstOrDefault(f => f.Name == field)?.Unit;

    /// <summary>The tag names, in the contract's order.</summary>
    public IEnumerable<string> TagNames => Tags.Select(t => t.Name);

    /// <summary>The field names, in the order they are written.</summary>
    public IEnumerable<string> FieldNames => Fields.Select(f => f.Name);
}

/// <summary>
/// The metric contract in one place (DESIGN §4, docs/metrics.md, docs/keywords.md): every measurement
/// the engine writes, with its tags, fields and units. The engine's point layouts
/// (<see cref="MetricSchemas"/>) are derived from it, alert rules are checked against it, and a test
/// holds docs/metrics.md's field reference to it. The <c>alerts</c> measurement is the alert
/// evaluator's own output and not listed: rules never watch it.
/// </summary>
public static class MetricContract
{
    private static readonly string[] TextChannels = ["chat", "email", "social"];

    /// <summary>Response times of chats, e-mails and social messages per shop, channel, kind and responder.</summary>
    public static MeasurementShape ResponseTime { get; } = Shape(Measurements.ResponseTime,
        [Tag("shop"), Tag("channel", TextChannels), Tag("kind", "first", "reply"), Tag("responder", "agent", "bot")],
        [Count("count"), Seconds("p50"), Seconds("p90"), Seconds("p99"), Seconds("mean"), Seconds("max"), Ratio("within_sla_ratio")]);

    /// <summary>Calls offered, answered and abandoned, and their answer times.</summary>
    public static MeasurementShape CallAnswer { get; } = Shape(Measurements.CallAnswer,
        [Tag("shop")],
        [Count("offered"), Count("answered"), Count("abandoned"), Ratio("abandon_ratio"), Ratio("service_level_ratio"), Seconds("p50"), Seconds("p90"), Seconds("p99")]);

    /// <summary>Call handle times.</summary>
    public static MeasurementShape CallHandle { get; } = Shape(Measurements.CallHandle,
        [Tag("shop")],
        [Count("count"), Seconds("p50"), Seconds("p90"), Seconds("mean")]);

    /// <summary>What waits in each queue, and for how long the oldest has waited.</summary>
    public static MeasurementShape Backlog { get; } = Shape(Measurements.Backlog,
        [Tag("shop"), Tag("queue", "chat", "email", "social", "call", "refund", "shipment")],
        [Count("waiting"), Seconds("oldest_wait_seconds")]);

    /// <summary>Orders due to ship, shipped on time or late, overdue and stalled.</summary>
    public static MeasurementShape Shipping { get; } = Shape(Measurements.Shipping,
        [Tag("shop")],
        [Count("due"), Count("on_time"), Count("late"), Count("overdue_unshipped"), Count("stalled"), Ratio("on_time_ratio")]);

    /// <summary>Orders paid, cancelled and delivered (damaged), and open refunds.</summary>
    public static MeasurementShape Orders { get; } = Shape(Measurements.Orders,
        [Tag("shop")],
        [Count("paid"), Count("cancelled"), Ratio("cancel_ratio"), Count("refund_open"), Number("refund_open_amount"), Count("delivered"), Count("damaged"), Ratio("damage_ratio")]);

    /// <summary>Complaint keyword hits per channel, category and keyword.</summary>
    public static MeasurementShape ComplaintKeywords { get; } = Shape(Measurements.ComplaintKeywords,
        [Tag("shop"), Tag("channel", "chat", "email", "social", "call", "review"), Tag("category"), Tag("keyword")],
        [Count("hits")]);

    /// <summary>Keyword hits per 1,000 customer texts per shop.</summary>
    public static MeasurementShape ComplaintRate { get; } = Shape(Measurements.ComplaintRate,
        [Tag("shop")],
        [Count("messages"), Count("matched_messages"), Count("hits"), Number("per_1000_messages")]);

    /// <summary>Conversations closed, resolved by the bot and transferred to an agent.</summary>
    public static MeasurementShape Bot { get; } = Shape(Measurements.Bot,
        [Tag("shop"), Tag("channel", TextChannels)],
        [Count("closed"), Count("bot_resolved"), Count("transferred"), Ratio("bot_resolved_ratio")]);

    /// <summary>Volume against capacity: the Crisis Quotient and its level.</summary>
    public static MeasurementShape Crisis { get; } = Shape(Measurements.Crisis,
        [Tag("shop")],
        [Number("volume_per_min"), Number("capacity_per_min"), Number("cq"), Count("level")]);

    /// <summary>
    /// Internal, not written to InfluxDB and not for rules: response times of a shop and channel over
    /// all kinds and responders, feeding <c>monitor_response_time_p90_seconds{shop,channel}</c>.
    /// </summary>
    public static MeasurementShape ResponseTimeByChannel { get; } = Shape(Measurements.ResponseTimeByChannel,
        [Tag("shop"), Tag("channel", TextChannels)],
        [Count("count"), Seconds("p90")]);

    /// <summary>Every measurement of the contract, in the order docs/metrics.md's field reference lists them.</summary>
    public static IReadOnlyList<MeasurementShape> All { get; } =
        [ResponseTime, CallAnswer, CallHandle, Backlog, Shipping, Orders, ComplaintKeywords, ComplaintRate, Bot, Crisis];

    /// <summary>The measurement named <paramref name="measurement"/> of <see cref="All"/>, or null when the contract has none.</summary>
    public static MeasurementShape? Find(string measurement) => All.FirstOrDefault(m => m.Name == measurement);

    private static MeasurementShape Shape(string name, TagShape[] tags, FieldShape[] fields) => new(name, tags, fields);

    private static TagShape Tag(string name, params string[] values) => new(name, values.Length == 0 ? null : values);

    private static FieldShape Count(string name) => new(name, FieldUnit.Count);

    private static FieldShape Ratio(string name) => new(name, FieldUnit.Ratio);

    private static FieldShape Seconds(string name) => new(name, FieldUnit.Seconds);

    private static FieldShape Number(string name) => new(name, FieldUnit.Number);
}
