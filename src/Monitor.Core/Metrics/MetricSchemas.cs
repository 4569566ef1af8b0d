using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// The point layout of every measurement the engine emits, derived from <see cref="MetricContract"/>
/// (fields in the order they are written): a series point is laid out from its schema once, and the
/// slot constants name the fields the emitters write.
/// </summary>
internal static class MetricSchemas
{
    public static readonly FieldSchema ResponseTime = From(MetricContract.ResponseTime);

    public static readonly FieldSchema Backlog = From(MetricContract.Backlog);

    public static readonly FieldSchema CallAnswer = From(MetricContract.CallAnswer);

    public static readonly FieldSchema CallHandle = From(MetricContract.CallHandle);

    public static readonly FieldSchema Shipping = From(MetricContract.Shipping);

    public static readonly FieldSchema Orders = From(MetricContract.Orders);

    public static readonly FieldSchema ComplaintKeywords = From(MetricContract.ComplaintKeywords);

    public static readonly FieldSchema ComplaintRate = From(MetricContract.ComplaintRate);

    public static readonly FieldSchema Bot = From(MetricContract.Bot);

    public static readonly FieldSchema Crisis = From(MetricContract.Crisis);

    /// <summary>Internal, not in the contract: never written to InfluxDB (see <see cref="Measurements.ResponseTimeByChannel"/>).</summary>
    public static readonly FieldSchema ResponseTimeByChannel = From(MetricContract.ResponseTimeByChannel);

    public static readonly FieldSchema[] All = [ResponseTime, Backlog, CallAnswer, CallHandle, Shipping, Orders, ComplaintKeywords, ComplaintRate, Bot, Crisis, ResponseTimeByChannel];

    /// <summary>The point layout of a contract measurement: its fields in the contract's order, counts as integers.</summary>
    private static FieldSchema From(MeasurementShape shape) =>
        new(shape.Name, shape.Fields.Select(f => (f.Name, f.Kind)).ToArray());

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
