using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>
/// The JSON the alert sinks and <c>/api/alerts</c> write: label and annotation objects, RFC 3339
/// UTC timestamps with milliseconds, and one shape for a change (webhook entries and
/// <c>/api/alerts</c> entries alike). Non-ASCII text (Chinese shop names) is written as is.
/// </summary>
internal static class AlertJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>UTF-8 JSON made by <paramref name="write"/>.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A JSON array of <paramref name="items"/>, each written by <paramref name="writeItem"/>.</summary>
    public static byte[] Array<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> writeItem) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var item in items)
        {
            writeItem(writer, item);
        }

        writer.WriteEndArray();
    });

    public static void Pairs(Utf8JsonWriter writer, string name, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        writer.WriteStartObject(name);
        foreach (var pair in pairs)
        {
            writer.WriteString(pair.Key, pair.Value);
        }

        writer.WriteEndObject();
    }

    public static void Time(Utf8JsonWriter writer, string name, DateTimeOffset time) => writer.WriteString(name, Rfc3339(time));

    /// <summary><c>2024-11-11T00:00:05.250Z</c>.</summary>
    public static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset FromEpochMs(long epochMs) => DateTimeOffset.FromUnixTimeMilliseconds(epochMs);

    /// <summary>Lower-case name of a change kind: <c>fired</c>, <c>escalated</c>, <c>deescalated</c>, <c>reminded</c>, <c>resolved</c>.</summary>
    public static string KindName(AlertChangeKind kind) => kind switch
    {
        AlertChangeKind.Fired => "fired",
        AlertChangeKind.Escalated => "escalated",
        AlertChangeKind.Deescalated => "deescalated",
        AlertChangeKind.Reminded => "reminded",
        AlertChangeKind.Resolved => "resolved",
        AlertChangeKind.HandedOver => "handed_over",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a change kind"),
    };

    /// <summary>
    /// One change as an object: kind, status (firing/resolved), rule, severity, previousSeverity
    /// (null unless the level moved), labels, annotations, value, threshold (null when not finite),
    /// startsAt, at, and generatorURL when given.
    /// </summary>
    public static void Change(Utf8JsonWriter writer, AlertChange change, string? generatorUrl = null)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", KindName(change.Kind));
        writer.WriteString("status", change.IsFiring ? "firing" : "resolved");
        writer.WriteString("rule", change.Rule);
        writer.WriteString("severity", change.Severity.Label());
        if (change.PreviousSeverity is { } previous)
        {
            writer.WriteString("previousSeverity", previous.Label());
        }
        else
        {
            writer.WriteNull("previousSeverity");
        }

        Pairs(writer, "labels", change.Labels);
        Pairs(writer, "annotations", change.Annotations);
        Number(writer, "value", change.Value);
        Number(writer, "threshold", change.Threshold);
        Time(writer, "startsAt", FromEpochMs(change.StartsAtMs));
        Time(writer, "at", FromEpochMs(change.AtMs));
        if (generatorUrl is not null)
        {
            writer.WriteString("generatorURL", generatorUrl);
        }

        writer.WriteEndObject();
    }

    /// <summary>The <c>/api/alerts</c> document: <c>{"active": [...], "recent": [...]}</c>.</summary>
    public static byte[] Snapshot(AlertsSnapshot snapshot) => Write(writer =>
    {
        writer.WriteStartObject();
        foreach (var (name, changes) in new[] { ("active", snapshot.Active), ("recent", snapshot.Recent) })
        {
            writer.WriteStartArray(name);
            foreach (var change in changes)
            {
                Change(writer, change);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });

    private static void Number(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
