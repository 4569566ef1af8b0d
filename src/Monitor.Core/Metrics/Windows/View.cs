using Monitor.Core.Points;

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Which state a family reads: as of boundary b (final: every event before b, windows [b − W, b))
/// or now (early: every event applied, windows ending at the boundary after now), so one emission
/// code path serves both. Points are stamped <see cref="AtMs"/>.
/// </summary>
internal readonly record struct View(long AtMs, long WindowEndMs, bool Final)
{
    /// <summary>Early reads compute only the fields some rule reads (null: every field).</summary>
    public EarlyFields? Fields { get; init; }

    /// <summary>
    /// An early read of a shop because its events changed something (not a deadline's read of
    /// everything): a family may skip the series whose inputs did not change since its last early
    /// read, as a whole (every series a rule could group together), since their values then moved
    /// only by samples leaving the window, which the final view judges.
    /// </summary>
    public bool ChangedOnly { get; init; }

    public static View At(long boundaryMs) => new(boundaryMs, boundaryMs, true);

    /// <summary>Now, <paramref name="atMs"/>: windows end at the first boundary after it (the open bucket included).</summary>
    public static View Now(long atMs, long stepMs, EarlyFields? fields = null) =>
        new(atMs, atMs - (((atMs % stepMs) + stepMs) % stepMs) + stepMs, false) { Fields = fields };

    /// <summary>Whether to emit a point of <paramref name="schema"/> in this view.</summary>
    public bool Wants(FieldSchema schema) => Fields is null || Fields.Wants(schema);

    /// <summary>Whether to compute field <paramref name="slot"/> of <paramref name="schema"/> in this view.</summary>
    public bool Wants(FieldSchema schema, int slot) => Fields is null || Fields.Wants(schema, slot);

    /// <summary>Whether a series point is wanted in this view: always at a boundary; early, when it feeds some rule.</summary>
    public bool Wants(MetricPoint point) => Fields is null || Fields.Feeds(point);
}

/// <summary>The fields alert rules read, per measurement: what an early read must compute (a percentile of a window costs a search, a count costs nothing).</summary>
internal sealed class EarlyFields
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);

    private readonly Func<MetricPoint, bool>? _feeds;

    /// <param name="feeds">Whether a series point feeds some rule (its tags pass a rule's filters).</param>
    public EarlyFields(IEnumerable<(string Measurement, string Field)> fields, IEnumerable<FieldSchema> schemas, Func<MetricPoint, bool>? feeds = null)
    {
        _feeds = feeds;
        var bySchema = schemas.ToDictionary(s => s.Measurement, StringComparer.Ordinal);
        foreach (var (measurement, field) in fields)
        {
            if (bySchema.TryGetValue(measurement, out var schema) && schema.SlotOf(field) is >= 0 and var slot)
            {
                _slots[measurement] = _slots.GetValueOrDefault(measurement) | (1 << slot);
            }
        }
    }

    public bool Wants(FieldSchema schema) => _slots.ContainsKey(schema.Measurement);

    public bool Feeds(MetricPoint point) => _feeds is null || _feeds(point);

    public bool Wants(FieldSchema schema, int slot) => (_slots.GetValueOrDefault(schema.Measurement) & (1 << slot)) != 0;
}

/// <summary>Reads of a window of durations: the prepared window itself, or an early view of it.</summary>
internal interface ISampleRead
{
    long Count { get; }

    long Sum { get; }

    long Within { get; }

    long Max { get; }

    long Percentile(int percent);
}
