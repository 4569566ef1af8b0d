using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>How an event's <c>ts</c> is written; DESIGN §3 allows both RFC 3339 and epoch milliseconds.</summary>
internal enum TimestampStyle : byte
{
    /// <summary><c>2025-11-10T21:00:00.123+08:00</c>, as shop systems in China write it.</summary>
    ChinaTime,

    /// <summary><c>2025-11-10T13:00:00.123Z</c>.</summary>
    Utc,

    /// <summary>Integer Unix milliseconds, as telephony and carrier feeds send it.</summary>
    EpochMilliseconds,
}

/// <summary>
/// Writes one event at a time into a reused buffer and hands out an exact-size copy. Texts are
/// written raw (real UTF-8, emoji included) because the catalogue holds nothing that needs escaping.
/// </summary>
internal sealed class EventJsonWriter
{
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText EventId = JsonEncodedText.Encode("eventId");
    public static readonly JsonEncodedText ShopId = JsonEncodedText.Encode("shopId");
    public static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    public static readonly JsonEncodedText ConversationId = JsonEncodedText.Encode("conversationId");
    public static readonly JsonEncodedText Channel = JsonEncodedText.Encode("channel");
    public static readonly JsonEncodedText Sender = JsonEncodedText.Encode("sender");
    public static readonly JsonEncodedText AgentId = JsonEncodedText.Encode("agentId");
    public static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    public static readonly JsonEncodedText ResolvedBy = JsonEncodedText.Encode("resolvedBy");
    public static readonly JsonEncodedText Satisfaction = JsonEncodedText.Encode("satisfaction");
    public static readonly JsonEncodedText CallId = JsonEncodedText.Encode("callId");
    public static readonly JsonEncodedText Queue = JsonEncodedText.Encode("queue");
    public static readonly JsonEncodedText Speaker = JsonEncodedText.Encode("speaker");
    public static readonly JsonEncodedText OrderId = JsonEncodedText.Encode("orderId");
    public static readonly JsonEncodedText Amount = JsonEncodedText.Encode("amount");
    public static readonly JsonEncodedText Region = JsonEncodedText.Encode("region");
    public static readonly JsonEncodedText ShipBy = JsonEncodedText.Encode("shipBy");
    public static readonly JsonEncodedText Carrier = JsonEncodedText.Encode("carrier");
    public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    public static readonly JsonEncodedText Damaged = JsonEncodedText.Encode("damaged");
    public static readonly JsonEncodedText RefundId = JsonEncodedText.Encode("refundId");
    public static readonly JsonEncodedText Rating = JsonEncodedText.Encode("rating");

    private const long MsPerDay = 86_400_000;
    private const long ChinaOffsetMs = 8 * 3_600_000;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _eventIdPrefix;
    private readonly byte[] _scratch = new byte[64];
    private long _cachedDay = long.MinValue;
    private readonly byte[] _cachedDate = new byte[10];

    public EventJsonWriter(int seed)
    {
        _eventIdPrefix = System.Text.Encoding.UTF8.GetBytes($"ev-{seed}-");

        // The relaxed encoder keeps '+' of "+08:00" and Chinese text unescaped.
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    /// <summary>The writer of the event being built.</summary>
    public Utf8JsonWriter Writer => _writer;

    /// <summary>Starts an event with its common fields and returns the writer for the rest.</summary>
    public Utf8JsonWriter Begin(JsonEncodedText type, long eventNumber, JsonEncodedText shopId, long tsMs, TimestampStyle style)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString(Type, type);
        WriteId(EventId, _eventIdPrefix, eventNumber);
        _writer.WriteString(ShopId, shopId);
        if (style == TimestampStyle.EpochMilliseconds)
        {
            _writer.WriteNumber(Ts, tsMs);
        }
        else
        {
            WriteTimestamp(Ts, tsMs, style == TimestampStyle.ChinaTime);
        }

        return _writer;
    }

    /// <summary>Writes <c>"name":"&lt;prefix&gt;&lt;number&gt;"</c>.</summary>
    public void WriteId(JsonEncodedText name, byte[] prefix, long number)
    {
        Span<byte> id = stackalloc byte[prefix.Length + 20];
        prefix.CopyTo(id);
        Utf8Formatter.TryFormat(number, id[prefix.Length..], out var digits);
        _writer.WriteString(name, id[..(prefix.Length + digits)]);
    }

    /// <summary>Writes an RFC 3339 timestamp with milliseconds, in China time (+08:00) or UTC (Z).</summary>
    public void WriteTimestamp(JsonEncodedText name, long epochMs, bool chinaTime)
    {
        var local = epochMs + (chinaTime ? ChinaOffsetMs : 0);
        var day = Math.DivRem(local, MsPerDay, out var msOfDay);
        if (msOfDay < 0)
        {
            day--;
            msOfDay += MsPerDay;
        }

        if (day != _cachedDay)
        {
            var date = DateOnly.FromDayNumber((int)(day + 719_162));
            Utf8Formatter.TryFormat(date.Year, _cachedDate, out _, new StandardFormat('D', 4));
            _cachedDate[4] = (byte)'-';
            TwoDigits(_cachedDate.AsSpan(5), date.Month);
            _cachedDate[7] = (byte)'-';
            TwoDigits(_cachedDate.AsSpan(8), date.Day);
            _cachedDay = day;
        }

        var s = _scratch.AsSpan();
        _cachedDate.CopyTo(s);
        s[10] = (byte)'T';
        var seconds = (int)(msOfDay / 1000);
        TwoDigits(s[11..], seconds / 3600);
        s[13] = (byte)':';
        TwoDigits(s[14..], seconds / 60 % 60);
        s[16] = (byte)':';
        TwoDigits(s[17..], seconds % 60);
        s[19] = (byte)'.';
        var ms = (int)(msOfDay % 1000);
        s[20] = (byte)('0' + (ms / 100));
        s[21] = (byte)('0' + (ms / 10 % 10));
        s[22] = (byte)('0' + (ms % 10));
        int length;
        if (chinaTime)
        {
            "+08:00"u8.CopyTo(s[23..]);
            length = 29;
        }
        else
        {
            s[23] = (byte)'Z';
            length = 24;
        }

        _writer.WriteString(name, s[..length]);
    }

    /// <summary>Writes a catalogue text as a raw JSON string: it is known to need no escaping.</summary>
    public void WriteText(ReadOnlySpan<byte> phrase, ReadOnlySpan<byte> suffix)
    {
        var length = phrase.Length + suffix.Length + 2;
        var raw = length <= 512 ? stackalloc byte[length] : new byte[length];
        raw[0] = (byte)'"';
        phrase.CopyTo(raw[1..]);
        suffix.CopyTo(raw[(1 + phrase.Length)..]);
        raw[^1] = (byte)'"';
        _writer.WritePropertyName(Text);
        _writer.WriteRawValue(raw, skipInputValidation: true);
    }

    /// <summary>Closes the event and returns its bytes.</summary>
    public byte[] Finish()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private static void TwoDigits(Span<byte> destination, int value)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }
}
