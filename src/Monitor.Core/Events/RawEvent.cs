using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitor.Core.Events;

/// <summary>The wire shape of every event: all fields of all types, nullable. Validation turns it into a <see cref="MonitorEvent"/>.</summary>
internal sealed class RawEvent
{
    public string? Topic { get; set; }
    public string? Type { get; set; }
    public string? EventId { get; set; }
    public string? ShopId { get; set; }
    public WireTimestamp? Ts { get; set; }
    public string? ConversationId { get; set; }
    public string? Channel { get; set; }
    public string? Sender { get; set; }
    public string? AgentId { get; set; }
    public string? Text { get; set; }
    public string? ResolvedBy { get; set; }
    public int? Satisfaction { get; set; }
    public string? CallId { get; set; }
    public string? Queue { get; set; }
    public string? OrderId { get; set; }
    public double? Amount { get; set; }
    public string? Region { get; set; }
    public WireTimestamp? ShipBy { get; set; }
    public string? Carrier { get; set; }
    public string? Status { get; set; }
    public bool? Damaged { get; set; }
    public string? RefundId { get; set; }
    public int? Rating { get; set; }
    public string? Speaker { get; set; }
}

/// <summary>
/// A timestamp as sent: RFC 3339 with an offset, or integer epoch milliseconds. Parsing never
/// throws, so a bad timestamp is reported as such rather than as a JSON error.
/// </summary>
[JsonConverter(typeof(WireTimestampConverter))]
internal readonly record struct WireTimestamp(long Milliseconds, bool IsValid);

internal sealed class WireTimestampConverter : JsonConverter<WireTimestamp>
{
    public override WireTimestamp Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var ms) ? new WireTimestamp(ms, true) : default;
            case JsonTokenType.String when !reader.HasValueSequence && !reader.ValueIsEscaped:
                return Rfc3339.TryParse(reader.ValueSpan, out var fast) ? new WireTimestamp(fast, true) : default;
            case JsonTokenType.String:
                return TryParseRfc3339(reader.GetString(), out var parsed) ? new WireTimestamp(parsed, true) : default;
            default:
                reader.Skip();
                return default;
        }
    }

    public override void Write(Utf8JsonWriter writer, WireTimestamp value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Milliseconds);

    /// <summary>RFC 3339 requires an offset (Z or ±hh:mm); a local time without one is rejected.</summary>
    internal static bool TryParseRfc3339(string? text, out long milliseconds)
    {
        milliseconds = 0;
        return text is not null && Rfc3339.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out milliseconds);
    }
}

/// <summary>
/// RFC 3339 date-times straight from UTF-8 bytes, without allocating: yyyy-MM-ddTHH:mm:ss, an
/// optional fraction of any length (truncated to milliseconds), then Z or ±hh:mm. 'T' and 'Z' may
/// be lower case. Anything else, including a leap second and a time without offset, is rejected.
/// </summary>
internal static class Rfc3339
{
    public static bool TryParse(ReadOnlySpan<byte> s, out long milliseconds)
    {
        milliseconds = 0;
        if (s.Length < 20
            || !Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || (s[10] | 0x20) != 't'
            || !Digits(s, 11, 2, out var hour) || s[13] != ':' || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        var fractionMs = 0;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit((char)s[i]))
            {
                if (i - start < 3)
                {
                    fractionMs = (fractionMs * 10) + (s[i] - '0');
                }

                i++;
            }

            var digits = i - start;
            if (digits == 0)
            {
                return false;
            }

            for (var scale = digits; scale < 3; scale++)
            {
                fractionMs *= 10;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        int offsetMinutes;
        if ((s[i] | 0x20) == 'z' && i == s.Length - 1)
        {
            offsetMinutes = 0;
        }
        else if ((s[i] == '+' || s[i] == '-') && i == s.Length - 6 && s[i + 3] == ':'
                 && Digits(s, i + 1, 2, out var offsetHours) && Digits(s, i + 4, 2, out var offsetMins)
                 && offsetHours <= 23 && offsetMins <= 59)
        {
            offsetMinutes = ((offsetHours * 60) + offsetMins) * (s[i] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var days = new DateTime(year, month, day).Ticks / TimeSpan.TicksPerDay - 719_162; // days since 1970-01-01
        milliseconds = (((((days * 24) + hour) * 60 + minute) * 60 + second) * 1000) + fractionMs - (offsetMinutes * 60_000L);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = s[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(RawEvent))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
