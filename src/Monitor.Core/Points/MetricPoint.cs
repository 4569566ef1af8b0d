namespace Monitor.Core.Points;

/// <summary>How a field value is written: integers get the line-protocol <c>i</c> suffix.</summary>
public enum FieldKind
{
    Float,
    Integer,
}

/// <summary>One field of a point. Integer fields hold whole numbers in <see cref="Value"/>.</summary>
public readonly record struct MetricField(string Key, double Value, FieldKind Kind)
{
    public static MetricField Int(string key, long value) => new(key, value, FieldKind.Integer);

    public static MetricField Float(string key, double value) => new(key, value, FieldKind.Float);
}

/// <summary>
/// One output point: a measurement of DESIGN §4 with its tags (sorted by key, never an id) and
/// fields, stamped with the step boundary in epoch milliseconds (UTC).
/// </summary>
public sealed record MetricPoint(
    string Measurement,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<MetricField> Fields,
    long TimestampMs)
{
    public string? Tag(string key)
    {
        foreach (var tag in Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    public MetricField? Field(string key)
    {
        foreach (var field in Fields)
        {
            if (field.Key == key)
            {
                return field;
            }
        }

        return null;
    }
}
