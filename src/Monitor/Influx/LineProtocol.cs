using System.Globalization;
using System.Text;
using Monitor.Core.Points;

namespace Monitor.Influx;

/// <summary>
/// Formats <see cref="MetricPoint"/>s as InfluxDB line protocol with millisecond timestamps
/// (writes must use <c>precision=ms</c>).
/// </summary>
/// <remarks>
/// Escaping follows the InfluxDB parser (1.x and 2.x share it): a comma, space or equals sign is
/// escaped with a backslash; a backslash is never escaped itself because the parser only unescapes
/// <c>\,</c> <c>\=</c> <c>\ </c>, so a literal backslash before a special character round-trips as
/// <c>\\,</c>. A name cannot end in a backslash (the parser would read the separator after it as
/// escaped), so trailing backslashes are removed. Newlines cannot be carried and become spaces.
/// NaN and infinite fields are skipped; a point left with no field is not written at all.
/// </remarks>
public static class LineProtocol
{
    /// <summary>Appends the point's line and a <c>'\n'</c>. Returns false, leaving <paramref name="sb"/> unchanged, when the point has nothing writable.</summary>
    public static bool Append(StringBuilder sb, MetricPoint point)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(point);

        var start = sb.Length;
        if (!AppendLine(sb, point))
        {
            sb.Length = start;
            return false;
        }

        sb.Append('\n');
        return true;
    }

    /// <summary>The point's line without a trailing newline, or the empty string when the point has nothing writable.</summary>
    public static string Format(MetricPoint point)
    {
        var sb = new StringBuilder(128);
        return Append(sb, point) ? sb.ToString(0, sb.Length - 1) : string.Empty;
    }

    private static bool AppendLine(StringBuilder sb, MetricPoint point)
    {
        var nameStart = sb.Length;
        AppendEscaped(sb, point.Measurement, escapeEquals: false);
        if (sb.Length == nameStart)
        {
            return false;
        }

        var tags = point.Tags;
        for (var t = 0; t < tags.Count; t++)
        {
            var (key, value) = tags[t];
            if (string.IsNullOrEmpty(value) || string.IsNullOrEmpty(key))
            {
                continue;
            }

            var tagStart = sb.Length;
            sb.Append(',');
            var keyStart = sb.Length;
            AppendEscaped(sb, key, escapeEquals: true);
            var keyEmpty = sb.Length == keyStart;
            sb.Append('=');
            var valueStart = sb.Length;
            AppendEscaped(sb, value, escapeEquals: true);
            if (keyEmpty || sb.Length == valueStart)
            {
                sb.Length = tagStart; // only backslashes: nothing left to write
            }
        }

        var fieldCount = 0;
        Span<char> text = stackalloc char[32];
        for (var f = 0; f < point.FieldCount; f++)
        {
            var field = point.FieldAt(f);
            if (!TryFormatValue(field, text, out var written))
            {
                continue;
            }

            var fieldStart = sb.Length;
            sb.Append(fieldCount == 0 ? ' ' : ',');
            var keyStart = sb.Length;
            AppendEscaped(sb, field.Key, escapeEquals: true);
            if (sb.Length == keyStart)
            {
                sb.Length = fieldStart;
                continue;
            }

            sb.Append('=').Append(text[..written]);
            fieldCount++;
        }

        if (fieldCount == 0)
        {
            return false;
        }

        point.TimestampMs.TryFormat(text, out var stamp, default, CultureInfo.InvariantCulture);
        sb.Append(' ').Append(text[..stamp]);
        return true;
    }

    /// <summary>Formats a field value into <paramref name="text"/> without allocating; false for NaN, infinities and integers out of range.</summary>
    private static bool TryFormatValue(MetricField field, Span<char> text, out int written)
    {
        written = 0;
        var value = field.Value;
        if (!double.IsFinite(value))
        {
            return false;
        }

        if (field.Kind == FieldKind.Integer)
        {
            // Integers travel as doubles in MetricField; anything outside long's range is not an integer.
            if (value < -9.2233720368547758E18 || value >= 9.2233720368547758E18)
            {
                return false;
            }

            ((long)Math.Round(value)).TryFormat(text, out written, default, CultureInfo.InvariantCulture);
            text[written++] = 'i';
            return true;
        }

        // Shortest round-trip form; a whole number prints without a decimal point, which line protocol
        // still reads as a float because it has no 'i' suffix.
        return value.TryFormat(text, out written, "R", CultureInfo.InvariantCulture);
    }

    private static void AppendEscaped(StringBuilder sb, string text, bool escapeEquals)
    {
        var end = text.Length;
        while (end > 0 && text[end - 1] == '\\')
        {
            end--;
        }

        for (var i = 0; i < end; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n' or '\r':
                    sb.Append("\\ ");
                    break;
                case ',' or ' ':
                    sb.Append('\\').Append(c);
                    break;
                case '=' when escapeEquals:
                    sb.Append("\\=");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
    }
}
