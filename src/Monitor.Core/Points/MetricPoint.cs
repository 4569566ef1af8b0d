namespace Monitor.Core.Points;

/// <summary>How a field value is written: integers get the line-protocol <c>i</c> suffix.</summary>
public enum FieldKind
{
    /// <summary>A floating-point value, written as is.</summary>
    Float,
    /// <summary>A whole number, written with the <c>i</c> suffix.</summary>
    Integer,
}

/// <summary>One field of a point. Integer fields hold whole numbers in <see cref="Value"/>.</summary>
public readonly record struct MetricField(string Key, double Value, FieldKind Kind)
{
    /// <summary>An integer field (counts).</summary>
    public static MetricField Int(string key, long value) => new(key, value, FieldKind.Integer);

    /// <summary>A floating-point field (ratios, seconds, amounts).</summary>
    public static MetricField Float(string key, double value) => new(key, value, FieldKind.Float);
}

/// <summary>
/// One output point: a measurement of DESIGN §4 with its tags (sorted by key, never an id) and
/// fields, stamped with the step boundary in epoch milliseconds (UTC).
/// </summary>
/// <remarks>
/// Two kinds. A point built with the public constructor owns its lists. A series point belongs to
/// one series of the engine: its tags and field schema are laid out once and each boundary writes
/// numbers into it (no allocation per point). A consumer that gets series points directly (the
/// engine's and the pipeline's borrowed mode) reads them before it returns and keeps a
/// <see cref="Clone"/> if it needs one later.
/// </remarks>
public sealed class MetricPoint
{
    private readonly IReadOnlyList<MetricField>? _fields;
    private readonly FieldSchema? _schema;
    private readonly double[]? _values;
    private int _present;

    /// <summary>A point that owns its lists; <paramref name="tags"/> come sorted by key, <paramref name="timestampMs"/> is the boundary in epoch ms.</summary>
    public MetricPoint(string measurement, IReadOnlyList<KeyValuePair<string, string>> tags, IReadOnlyList<MetricField> fields, long timestampMs)
    {
        Measurement = measurement;
        Tags = tags;
        _fields = fields;
        TimestampMs = timestampMs;
    }

    internal MetricPoint(FieldSchema schema, KeyValuePair<string, string>[] tags)
    {
        Measurement = schema.Measurement;
        Tags = tags;
        _schema = schema;
        _values = new double[schema.Count];
    }

    /// <summary>The measurement name, e.g. <c>response_time</c>.</summary>
    public string Measurement { get; }

    /// <summary>The tags, sorted by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; }

    /// <summary>The fields present, in schema order (a series point builds this list on each access: prefer <see cref="FieldAt"/>).</summary>
    public IReadOnlyList<MetricField> Fields
    {
        get
        {
            if (_fields is not null)
            {
                return _fields;
            }

            var fields = new MetricField[FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = FieldAt(i);
            }

            return fields;
        }
    }

    /// <summary>The step boundary the point is stamped with, epoch milliseconds UTC.</summary>
    public long TimestampMs { get; private set; }

    /// <summary>How many fields are present.</summary>
    public int FieldCount => _fields?.Count ?? System.Numerics.BitOperations.PopCount((uint)_present);

    /// <summary>Set by the alert evaluators (final and early): the rule instances this series point feeds, found once.</summary>
    internal object? AlertBinding { get; set; }

    internal object? AlertBinding2 { get; set; }

    /// <summary>
    /// For one downstream consumer (the point router) to keep what it resolved for this series
    /// (its gauges), so a series point costs no lookup by strings at each boundary. Null on owned points' first use.
    /// </summary>
    public object? SinkState { get; set; }

    /// <summary>True for a series point (rewritten at each boundary); false for an owned one.</summary>
    public bool IsSeries => _schema is not null;

    internal FieldSchema? Schema => _schema;

    /// <summary>The <paramref name="index"/>-th field present.</summary>
    public MetricField FieldAt(int index)
    {
        if (_fields is not null)
        {
            return _fields[index];
        }

        var bits = (uint)_present;
        for (var i = 0; i < index; i++)
        {
            bits &= bits - 1;
        }

        var slot = System.Numerics.BitOperations.TrailingZeroCount(bits);
        return new MetricField(_schema!.Keys[slot], _values![slot], _schema.Kinds[slot]);
    }

    /// <summary>The value of one tag, or null when the point has none by that key.</summary>
    public string? Tag(string key)
    {
        var tags = Tags;
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key == key)
            {
                return tags[i].Value;
            }
        }

        return null;
    }

    /// <summary>One field by key, or null when it is not present.</summary>
    public MetricField? Field(string key)
    {
        if (_fields is not null)
        {
            for (var i = 0; i < _fields.Count; i++)
            {
                if (_fields[i].Key == key)
                {
                    return _fields[i];
                }
            }

            return null;
        }

        var slot = _schema!.SlotOf(key);
        return slot >= 0 && (_present & (1 << slot)) != 0 ? new MetricField(_schema.Keys[slot], _values![slot], _schema.Kinds[slot]) : null;
    }

    /// <summary>The value of field slot <paramref name="slot"/> of a series point, when present.</summary>
    internal bool TryGet(int slot, out double value)
    {
        value = _values![slot];
        return (_present & (1 << slot)) != 0;
    }

    /// <summary>A copy that owns its lists (unaffected when the series writes its next boundary).</summary>
    public MetricPoint Clone() => _fields is not null ? this : new MetricPoint(Measurement, Tags, Fields, TimestampMs);

    /// <summary>A series point starts a new boundary: no field present yet.</summary>
    internal MetricPoint Begin(long timestampMs)
    {
        TimestampMs = timestampMs;
        _present = 0;
        return this;
    }

    internal MetricPoint Set(int slot, double value)
    {
        _values![slot] = value;
        _present |= 1 << slot;
        return this;
    }

    /// <summary>The point in the shape of a line-protocol line (unescaped, no <c>i</c> suffix, milliseconds), for tests and debugging.</summary>
    public override string ToString() =>
        $"{Measurement},{string.Join(',', Tags.Select(t => $"{t.Key}={t.Value}"))} {string.Join(',', Fields.Select(f => $"{f.Key}={f.Value}"))} {TimestampMs}";
}

/// <summary>The fields a measurement may carry, in the order they are written; a point carries a subset.</summary>
public sealed class FieldSchema
{
    internal FieldSchema(string measurement, params (string Key, FieldKind Kind)[] fields)
    {
        Measurement = measurement;
        Keys = fields.Select(f => f.Key).ToArray();
        Kinds = fields.Select(f => f.Kind).ToArray();
    }

    /// <summary>The measurement the schema lays out.</summary>
    public string Measurement { get; }

    /// <summary>The field keys, in the order they are written.</summary>
    public IReadOnlyList<string> KeyList => Keys;

    internal string[] Keys { get; }

    internal FieldKind[] Kinds { get; }

    internal int Count => Keys.Length;

    /// <summary>The slot of a field key in <see cref="KeyList"/>, or -1 when the measurement has no such field.</summary>
    public int SlotOf(string key)
    {
        for (var i = 0; i < Keys.Length; i++)
        {
            if (ReferenceEquals(Keys[i], key) || Keys[i] == key)
            {
                return i;
            }
        }

        return -1;
    }
}
