using System.Text.Json;
using System.Text.Unicode;

namespace Monitor.Core.Events;

/// <summary>Limits the decoder enforces. Defaults suit the contract of DESIGN §3.</summary>
public sealed record DecoderOptions
{
    /// <summary>Largest accepted message, in bytes (default 64 KiB).</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Longest accepted id (eventId, shopId, conversationId, ...), in characters (default 256).</summary>
    public int MaxIdLength { get; init; } = 256;

    /// <summary>Earliest plausible event time (default 2000-01-01T00:00:00Z).</summary>
    public DateTimeOffset MinTimestamp { get; init; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Latest plausible event time (default 2100-01-01T00:00:00Z). Live mode also rejects events too far ahead of its clock.</summary>
    public DateTimeOffset MaxTimestamp { get; init; } = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Decodes one UTF-8 JSON message into a validated <see cref="MonitorEvent"/>, or says exactly why
/// it cannot: never throws for bad input. Details name fields and positions, never field values,
/// so customer text cannot leak into a dead-letter header or a log. Reads the JSON with one pass of
/// a <see cref="Utf8JsonReader"/> (no object per message for the wire shape), takes repeated
/// values (ids, enum-like fields) from a <see cref="StringCache"/>, and on the hot path refills one
/// event instead of allocating a new one (<see cref="DecodeInto"/>). The outcome for every input
/// is that of System.Text.Json's serializer reading the same shape (a test compares the two).
/// Not thread-safe: one decoder per consumer thread.
/// </summary>
public sealed class EventDecoder(DecoderOptions options)
{
    private readonly long _minTs = options.MinTimestamp.ToUnixTimeMilliseconds();
    private readonly long _maxTs = options.MaxTimestamp.ToUnixTimeMilliseconds();
    private readonly RawEvent _raw = new();
    private readonly StringCache _strings = new();
    private readonly MonitorEvent _shared = new(empty: true);
    private char[] _textBuffer = new char[256];
    private bool _spanText;
    private MonitorEvent? _target;

    /// <summary>A decoder with the default <see cref="DecoderOptions"/>.</summary>
    public EventDecoder()
        : this(new DecoderOptions())
    {
    }

    /// <summary>The limits this decoder enforces.</summary>
    public DecoderOptions Options => options;

    /// <summary>
    /// Decodes a message read from <paramref name="topic"/>. When <paramref name="topic"/> is null
    /// (a replay line), the event's own <c>topic</c> field, if any, must agree with its type.
    /// <paramref name="notAfterMs"/> bounds event time from above (live mode: clock + the allowed
    /// future), <paramref name="notBeforeMs"/> from below (live mode: clock − the look-back).
    /// The event is a new instance, the caller's to keep.
    /// </summary>
    public DecodeResult Decode(ReadOnlySpan<byte> utf8Json, Topic? topic, long? notAfterMs = null, long? notBeforeMs = null) =>
        DecodeInto(utf8Json, topic, notAfterMs, new MonitorEvent(empty: true), notBeforeMs);

    /// <summary>
    /// As <see cref="Decode"/>, refilling the decoder's own event: the hot path (the pipeline
    /// applies an event before the next message is read and keeps none). Valid until the next call.
    /// </summary>
    public DecodeResult DecodeShared(ReadOnlySpan<byte> utf8Json, Topic? topic, long? notAfterMs = null, long? notBeforeMs = null)
    {
        _spanText = true;
        return DecodeInto(utf8Json, topic, notAfterMs, _shared, notBeforeMs);
    }

    /// <summary>
    /// As <see cref="Decode"/>, refilling <paramref name="target"/>: the hot path, which allocates
    /// only the strings a message brings new (its eventId, texts). The event is valid until
    /// <paramref name="target"/> is refilled; keep a <see cref="MonitorEvent.Clone"/> otherwise.
    /// </summary>
    public DecodeResult DecodeInto(ReadOnlySpan<byte> utf8Json, Topic? topic, long? notAfterMs, MonitorEvent target, long? notBeforeMs = null)
    {
        if (utf8Json.Length > options.MaxMessageBytes)
        {
            return DecodeResult.Fail(InvalidReason.TooLarge, $"message of {utf8Json.Length} bytes exceeds {options.MaxMessageBytes}");
        }

        if (!Utf8.IsValid(utf8Json))
        {
            return DecodeResult.Fail(InvalidReason.InvalidUtf8, "message is not valid UTF-8");
        }

        var start = FirstNonWhitespace(utf8Json);
        if (start < 0)
        {
            return DecodeResult.Fail(InvalidReason.MalformedJson, "empty message");
        }

        if (utf8Json[start] != (byte)'{')
        {
            return IsWellFormedJson(utf8Json)
                ? DecodeResult.Fail(InvalidReason.NotAnObject, "message is not a JSON object")
                : DecodeResult.Fail(InvalidReason.MalformedJson, "message is not well-formed JSON");
        }

        var raw = _raw;
        raw.Clear();
        try
        {
            if (Read(utf8Json, raw) is { } wrongType)
            {
                return DecodeResult.Fail(InvalidReason.WrongType, $"field {wrongType} has the wrong JSON type");
            }
        }
        catch (JsonException ex)
        {
            return DecodeResult.Fail(InvalidReason.MalformedJson, $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
        }

        _target = target;
        try
        {
            return Validate(raw, topic, notAfterMs, notBeforeMs);
        }
        finally
        {
            _target = null;
            _spanText = false;
        }
    }

    /// <summary>
    /// Reads the object's known fields into <paramref name="raw"/> (unknown ones skipped, the last
    /// of a repeated one kept). Returns the name of the first field whose JSON type is wrong, or
    /// null; throws <see cref="JsonException"/> for JSON that is not well-formed.
    /// </summary>
    private string? Read(ReadOnlySpan<byte> utf8Json, RawEvent raw)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = FieldOf(ref reader);
            reader.Read();
            var ok = field switch
            {
                WireField.Topic => ReadString(ref reader, out raw.Topic),
                WireField.Type => ReadString(ref reader, out raw.Type),
                WireField.EventId => ReadString(ref reader, out raw.EventId, cache: false),
                WireField.ShopId => ReadString(ref reader, out raw.ShopId),
                WireField.Ts => ReadTimestamp(ref reader, out raw.Ts),
                WireField.ConversationId => ReadString(ref reader, out raw.ConversationId),
                WireField.Channel => ReadString(ref reader, out raw.Channel),
                WireField.Sender => ReadString(ref reader, out raw.Sender),
                WireField.AgentId => ReadString(ref reader, out raw.AgentId),
                WireField.Text => ReadText(ref reader, raw),
                WireField.ResolvedBy => ReadString(ref reader, out raw.ResolvedBy),
                WireField.Satisfaction => ReadInt(ref reader, out raw.Satisfaction),
                WireField.CallId => ReadString(ref reader, out raw.CallId),
                WireField.Queue => ReadString(ref reader, out raw.Queue),
                WireField.OrderId => ReadString(ref reader, out raw.OrderId),
                WireField.Amount => ReadDouble(ref reader, out raw.Amount),
                WireField.Region => ReadString(ref reader, out raw.Region),
                WireField.ShipBy => ReadTimestamp(ref reader, out raw.ShipBy),
                WireField.Carrier => ReadString(ref reader, out raw.Carrier),
                WireField.Status => ReadString(ref reader, out raw.Status),
                WireField.Damaged => ReadBool(ref reader, out raw.Damaged),
                WireField.RefundId => ReadString(ref reader, out raw.RefundId),
                WireField.Rating => ReadInt(ref reader, out raw.Rating),
                WireField.Speaker => ReadString(ref reader, out raw.Speaker),
                _ => Skip(ref reader),
            };
            if (!ok)
            {
                return Names.OfWireField(field);
            }
        }

        // Anything after the object (a second value, a stray brace) fails the way the serializer did.
        while (reader.Read())
        {
        }

        return null;
    }

    private bool ReadString(ref Utf8JsonReader reader, out string? value, bool cache = true)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                value = null;
                return true;
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                value = cache ? _strings.Get(reader.ValueSpan) : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                return true;
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            default:
                value = null;
                return false;
        }
    }

    /// <summary>
    /// Customer text. Decoding into the decoder's shared event (the hot path), the characters go
    /// into a buffer the decoder reuses: keyword matching reads them there, and no string is made.
    /// </summary>
    private bool ReadText(ref Utf8JsonReader reader, RawEvent raw)
    {
        if (!_spanText)
        {
            raw.TextLength = -1;
            var ok = ReadString(ref reader, out raw.Text, cache: false);
            return ok;
        }

        raw.Text = null;
        raw.TextLength = -1;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (_textBuffer.Length < length)
                {
                    _textBuffer = new char[Math.Max(length, _textBuffer.Length * 2)];
                }

                raw.TextLength = reader.CopyString(_textBuffer);
                raw.TextBuffer = _textBuffer;
                return true;
            default:
                return false;
        }
    }

    private static void SetText(MonitorEvent e, RawEvent raw)
    {
        e._text = raw.Text;
        e._textBuffer = raw.TextBuffer;
        e._textLength = raw.Text is null ? raw.TextLength : -1;
    }

    private static bool ReadInt(ref Utf8JsonReader reader, out int? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    /// <summary>A number past double's range (1e400) reads as infinity, as the serializer read it: validation rejects it as an amount.</summary>
    private static bool ReadDouble(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool ReadBool(ref Utf8JsonReader reader, out bool? value)
    {
        value = reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => null,
        };
        return value is not null || reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>RFC 3339 with an offset, or integer epoch milliseconds; any other value is an invalid timestamp (not a JSON error), null is none.</summary>
    private static bool ReadTimestamp(ref Utf8JsonReader reader, out WireTimestamp? value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                value = null;
                break;
            case JsonTokenType.Number:
                value = reader.TryGetInt64(out var ms) ? new WireTimestamp(ms, true) : default(WireTimestamp);
                break;
            case JsonTokenType.String when !reader.HasValueSequence && !reader.ValueIsEscaped:
                value = Rfc3339.TryParse(reader.ValueSpan, out var fast) ? new WireTimestamp(fast, true) : default(WireTimestamp);
                break;
            case JsonTokenType.String:
                value = Rfc3339.TryParse(System.Text.Encoding.UTF8.GetBytes(reader.GetString()!), out var parsed) ? new WireTimestamp(parsed, true) : default(WireTimestamp);
                break;
            default:
                reader.Skip();
                value = default(WireTimestamp);
                break;
        }

        return true;
    }

    private static bool Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    /// <summary>Which wire field a property name is (exact, case-sensitive, escapes allowed); <see cref="WireField.Unknown"/> for any other.</summary>
    private static WireField FieldOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return Names.WireFieldOf(reader.ValueSpan);
        }

        foreach (var field in Enum.GetValues<WireField>())
        {
            if (field != WireField.Unknown && reader.ValueTextEquals(Names.OfWireField(field)))
            {
                return field;
            }
        }

        return WireField.Unknown;
    }

    private DecodeResult Validate(RawEvent raw, Topic? topic, long? notAfterMs, long? notBeforeMs)
    {
        if (raw.Type is null)
        {
            return Missing("type");
        }

        if (!Names.TryParseType(raw.Type, out var type))
        {
            return DecodeResult.Fail(InvalidReason.UnknownType, "unknown event type");
        }

        var expectedTopic = Names.TopicOf(type);
        if (topic is { } given && given != expectedTopic)
        {
            return DecodeResult.Fail(InvalidReason.WrongTopic, $"{raw.Type} belongs on topic {Names.Of(expectedTopic)}, not {Names.Of(given)}");
        }

        if (topic is null && raw.Topic is not null && raw.Topic != Names.Of(expectedTopic))
        {
            return DecodeResult.Fail(InvalidReason.WrongTopic, $"{raw.Type} belongs on topic {Names.Of(expectedTopic)}");
        }

        if (CheckId(raw.EventId, "eventId") is { } badEventId)
        {
            return badEventId;
        }

        if (CheckId(raw.ShopId, "shopId") is { } badShop)
        {
            return badShop;
        }

        if (raw.Ts is not { } ts)
        {
            return Missing("ts");
        }

        if (!ts.IsValid || ts.Milliseconds < _minTs || ts.Milliseconds >= _maxTs)
        {
            return DecodeResult.Fail(InvalidReason.BadTimestamp, "ts is not RFC 3339 with offset or epoch milliseconds in 2000..2100");
        }

        if (notAfterMs is { } limit && ts.Milliseconds > limit)
        {
            return DecodeResult.Fail(InvalidReason.FutureTimestamp, "ts is too far ahead of the clock");
        }

        if (notBeforeMs is { } floor && ts.Milliseconds < floor)
        {
            return DecodeResult.Fail(InvalidReason.TooOld, "ts is older than the look-back");
        }

        return type switch
        {
            EventType.ConversationStarted or EventType.ConversationTransferred => Conversation(raw, type, ts.Milliseconds),
            EventType.Message => Message(raw, ts.Milliseconds),
            EventType.ConversationClosed => Closed(raw, ts.Milliseconds),
            EventType.CallTranscript => Transcript(raw, ts.Milliseconds),
            <= EventType.CallEnded => Call(raw, type, ts.Milliseconds),
            EventType.OrderPaid => Paid(raw, ts.Milliseconds),
            EventType.RefundRequested => RefundRequested(raw, ts.Milliseconds),
            EventType.RefundCompleted or EventType.RefundRejected => RefundDone(raw, type, ts.Milliseconds),
            EventType.Review => Review(raw, ts.Milliseconds),
            EventType.AgentStatus => Agent(raw, ts.Milliseconds),
            _ => Order(raw, type, ts.Milliseconds),
        };
    }

    private DecodeResult Conversation(RawEvent raw, EventType type, long ts)
    {
        if (CheckId(raw.ConversationId, "conversationId") is { } bad)
        {
            return bad;
        }

        if (!TryChannel(raw.Channel, out var channel))
        {
            return Invalid("channel", "chat, email or social");
        }

        var e = Start(type, raw, ts);
        e._conversationId = raw.ConversationId;
        e._channel = channel;
        return DecodeResult.Ok(e);
    }

    private DecodeResult Message(RawEvent raw, long ts)
    {
        if (CheckId(raw.ConversationId, "conversationId") is { } bad)
        {
            return bad;
        }

        if (!TryChannel(raw.Channel, out var channel))
        {
            return Invalid("channel", "chat, email or social");
        }

        if (raw.Sender is null)
        {
            return Missing("sender");
        }

        if (!TrySender(raw.Sender, allowBot: true, out var sender))
        {
            return Invalid("sender", "customer, agent or bot");
        }

        if (raw.AgentId is not null && CheckId(raw.AgentId, "agentId") is { } badAgent)
        {
            return badAgent;
        }

        var e = Start(EventType.Message, raw, ts);
        e._conversationId = raw.ConversationId;
        e._channel = channel;
        e._sender = sender;
        e._agentId = raw.AgentId;
        SetText(e, raw);
        return DecodeResult.Ok(e);
    }

    private DecodeResult Closed(RawEvent raw, long ts)
    {
        if (CheckId(raw.ConversationId, "conversationId") is { } bad)
        {
            return bad;
        }

        if (!TryChannel(raw.Channel, out var channel))
        {
            return Invalid("channel", "chat, email or social");
        }

        if (raw.ResolvedBy is null)
        {
            return Missing("resolvedBy");
        }

        if (!TrySender(raw.ResolvedBy, allowBot: true, out var resolvedBy) || resolvedBy == Sender.Customer)
        {
            return Invalid("resolvedBy", "agent or bot");
        }

        if (raw.Satisfaction is < 1 or > 5)
        {
            return Invalid("satisfaction", "1..5");
        }

        var e = Start(EventType.ConversationClosed, raw, ts);
        e._conversationId = raw.ConversationId;
        e._channel = channel;
        e._resolvedBy = resolvedBy;
        e._satisfaction = raw.Satisfaction;
        return DecodeResult.Ok(e);
    }

    private DecodeResult Call(RawEvent raw, EventType type, long ts)
    {
        if (CheckId(raw.CallId, "callId") is { } bad)
        {
            return bad;
        }

        var e = Start(type, raw, ts);
        e._callId = raw.CallId;
        e._queue = raw.Queue;
        e._agentId = raw.AgentId;
        return DecodeResult.Ok(e);
    }

    private DecodeResult Transcript(RawEvent raw, long ts)
    {
        if (CheckId(raw.CallId, "callId") is { } bad)
        {
            return bad;
        }

        if (raw.Speaker is null)
        {
            return Missing("speaker");
        }

        if (!TrySender(raw.Speaker, allowBot: false, out var speaker))
        {
            return Invalid("speaker", "customer or agent");
        }

        if (!raw.HasText)
        {
            return Missing("text");
        }

        var e = Start(EventType.CallTranscript, raw, ts);
        e._callId = raw.CallId;
        e._speaker = speaker;
        SetText(e, raw);
        return DecodeResult.Ok(e);
    }

    private DecodeResult Paid(RawEvent raw, long ts)
    {
        if (CheckId(raw.OrderId, "orderId") is { } bad)
        {
            return bad;
        }

        if (raw.Amount is { } amount && !IsAmount(amount))
        {
            return Invalid("amount", "a finite number >= 0");
        }

        long? shipBy = null;
        if (raw.ShipBy is { } deadline)
        {
            if (!deadline.IsValid || deadline.Milliseconds < _minTs || deadline.Milliseconds >= _maxTs)
            {
                return DecodeResult.Fail(InvalidReason.BadTimestamp, "shipBy is not RFC 3339 with offset or epoch milliseconds in 2000..2100");
            }

            shipBy = deadline.Milliseconds;
        }

        var e = Start(EventType.OrderPaid, raw, ts);
        e._orderId = raw.OrderId;
        e._amount = raw.Amount;
        e._region = raw.Region;
        e._shipByMs = shipBy;
        return DecodeResult.Ok(e);
    }

    private DecodeResult Order(RawEvent raw, EventType type, long ts)
    {
        if (CheckId(raw.OrderId, "orderId") is { } bad)
        {
            return bad;
        }

        var e = Start(type, raw, ts);
        e._orderId = raw.OrderId;
        e._carrier = raw.Carrier;
        e._status = raw.Status;
        e._region = raw.Region;
        e._damaged = raw.Damaged;
        return DecodeResult.Ok(e);
    }

    private DecodeResult RefundRequested(RawEvent raw, long ts)
    {
        if ((CheckId(raw.OrderId, "orderId") ?? CheckId(raw.RefundId, "refundId")) is { } bad)
        {
            return bad;
        }

        if (raw.Amount is { } amount && !IsAmount(amount))
        {
            return Invalid("amount", "a finite number >= 0");
        }

        var e = Start(EventType.RefundRequested, raw, ts);
        e._orderId = raw.OrderId;
        e._refundId = raw.RefundId;
        e._amount = raw.Amount;
        return DecodeResult.Ok(e);
    }

    private DecodeResult RefundDone(RawEvent raw, EventType type, long ts) =>
        CheckId(raw.RefundId, "refundId") ?? DecodeResult.Ok(new MonitorEvent
        {
            Type = type, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts, RefundId = raw.RefundId,
        });

    private DecodeResult Review(RawEvent raw, long ts)
    {
        if (CheckId(raw.OrderId, "orderId") is { } bad)
        {
            return bad;
        }

        if (raw.Rating is null)
        {
            return Missing("rating");
        }

        if (raw.Rating is < 1 or > 5)
        {
            return Invalid("rating", "1..5");
        }

        var e = Start(EventType.Review, raw, ts);
        e._orderId = raw.OrderId;
        e._rating = raw.Rating;
        SetText(e, raw);
        return DecodeResult.Ok(e);
    }

    private DecodeResult Agent(RawEvent raw, long ts)
    {
        if (CheckId(raw.AgentId, "agentId") is { } bad)
        {
            return bad;
        }

        if (raw.Status is null)
        {
            return Missing("status");
        }

        AgentState state;
        switch (raw.Status)
        {
            case "online": state = AgentState.Online; break;
            case "busy": state = AgentState.Busy; break;
            case "offline": state = AgentState.Offline; break;
            default: return Invalid("status", "online, busy or offline");
        }

        if (raw.Channel is not null and not "chat" and not "email" and not "social" and not "call")
        {
            return Invalid("channel", "chat, email, social or call");
        }

        var e = Start(EventType.AgentStatus, raw, ts);
        e._agentId = raw.AgentId;
        e._agentState = state;
        e._agentChannel = raw.Channel;
        return DecodeResult.Ok(e);
    }

    /// <summary>The target event, refilled with the common fields.</summary>
    private MonitorEvent Start(EventType type, RawEvent raw, long ts)
    {
        var e = _target!;
        e.Reset(type, raw.EventId!, raw.ShopId!, ts);
        return e;
    }

    private DecodeResult? CheckId(string? value, string field)
    {
        if (value is null)
        {
            return Missing(field);
        }

        if (value.Length == 0 || value.Length > options.MaxIdLength)
        {
            return Invalid(field, $"a non-empty string of at most {options.MaxIdLength} characters");
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return Invalid(field, "a string without control characters");
            }
        }

        return null;
    }

    private static bool TryChannel(string? value, out TextChannel channel)
    {
        switch (value)
        {
            case null or "chat": channel = TextChannel.Chat; return true;
            case "email": channel = TextChannel.Email; return true;
            case "social": channel = TextChannel.Social; return true;
            default: channel = default; return false;
        }
    }

    private static bool TrySender(string value, bool allowBot, out Sender sender)
    {
        switch (value)
        {
            case "customer": sender = Sender.Customer; return true;
            case "agent": sender = Sender.Agent; return true;
            case "bot" when allowBot: sender = Sender.Bot; return true;
            default: sender = default; return false;
        }
    }

    /// <summary>A JSON number past double's range (1e400) parses as infinity: no amount.</summary>
    private static bool IsAmount(double value) => value >= 0 && double.IsFinite(value);

    private static DecodeResult Missing(string field) => DecodeResult.Fail(InvalidReason.MissingField, $"required field {field} is missing");

    private static DecodeResult Invalid(string field, string expected) => DecodeResult.Fail(InvalidReason.InvalidValue, $"{field} must be {expected}");

    private static bool IsWellFormedJson(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int FirstNonWhitespace(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return i;
            }
        }

        return -1;
    }
}
