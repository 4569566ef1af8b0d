using System.Text.Json;
using System.Text.Unicode;

using Monitor.Core.Events;

namespace Monitor.Core.Tests.Events.Reference;

/// <summary>
/// Decodes one UTF-8 JSON message into a validated <see cref="MonitorEvent"/>, or says exactly why
/// it cannot: never throws for bad input. Details name fields and positions, never field values,
/// so customer text cannot leak into a dead-letter header or a log.
/// </summary>
/// <remarks>The first decoder (System.Text.Json's serializer into a class per message), kept as the reference the hand-written decoder is compared with.</remarks>
internal sealed class ReferenceEventDecoder(DecoderOptions options)
{
    private readonly long _minTs = options.MinTimestamp.ToUnixTimeMilliseconds();
    private readonly long _maxTs = options.MaxTimestamp.ToUnixTimeMilliseconds();

    public ReferenceEventDecoder()
        : this(new DecoderOptions())
    {
    }

    public DecoderOptions Options => options;

    /// <summary>
    /// Decodes a message read from <paramref name="topic"/>. When <paramref name="topic"/> is null
    /// (a replay line), the event's own <c>topic</c> field, if any, must agree with its type.
    /// <paramref name="notAfterMs"/> bounds event time from above (live mode: clock + skew).
    /// </summary>
    public DecodeResult Decode(ReadOnlySpan<byte> utf8Json, Topic? topic, long? notAfterMs = null)
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

        RawEvent? raw;
        try
        {
            raw = JsonSerializer.Deserialize(utf8Json, ReferenceJsonContext.Default.RawEvent);
        }
        catch (JsonException ex)
        {
            // A syntax error wraps the reader's JsonException; a value of the wrong JSON type has no
            // inner exception or wraps the converter's InvalidOperationException/FormatException.
            return ex.InnerException is not JsonException && ex.Path is { Length: > 2 }
                ? DecodeResult.Fail(InvalidReason.WrongType, $"field {ex.Path[2..]} has the wrong JSON type")
                : DecodeResult.Fail(InvalidReason.MalformedJson, $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
        }

        return raw is null
            ? DecodeResult.Fail(InvalidReason.NotAnObject, "message is not a JSON object")
            : Validate(raw, topic, notAfterMs);
    }

    private DecodeResult Validate(RawEvent raw, Topic? topic, long? notAfterMs)
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = type, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            ConversationId = raw.ConversationId, Channel = channel,
        });
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.Message, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            ConversationId = raw.ConversationId, Channel = channel, Sender = sender, AgentId = raw.AgentId, Text = raw.Text,
        });
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.ConversationClosed, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            ConversationId = raw.ConversationId, Channel = channel, ResolvedBy = resolvedBy, Satisfaction = raw.Satisfaction,
        });
    }

    private DecodeResult Call(RawEvent raw, EventType type, long ts) =>
        CheckId(raw.CallId, "callId") ?? DecodeResult.Ok(new MonitorEvent
        {
            Type = type, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            CallId = raw.CallId, Queue = raw.Queue, AgentId = raw.AgentId,
        });

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

        if (raw.Text is null)
        {
            return Missing("text");
        }

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.CallTranscript, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            CallId = raw.CallId, Speaker = speaker, Text = raw.Text,
        });
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.OrderPaid, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            OrderId = raw.OrderId, Amount = raw.Amount, Region = raw.Region, ShipByMs = shipBy,
        });
    }

    private DecodeResult Order(RawEvent raw, EventType type, long ts) =>
        CheckId(raw.OrderId, "orderId") ?? DecodeResult.Ok(new MonitorEvent
        {
            Type = type, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            OrderId = raw.OrderId, Carrier = raw.Carrier, Status = raw.Status, Region = raw.Region, Damaged = raw.Damaged,
        });

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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.RefundRequested, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            OrderId = raw.OrderId, RefundId = raw.RefundId, Amount = raw.Amount,
        });
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.Review, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            OrderId = raw.OrderId, Rating = raw.Rating, Text = raw.Text,
        });
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

        return DecodeResult.Ok(new MonitorEvent
        {
            Type = EventType.AgentStatus, EventId = raw.EventId!, ShopId = raw.ShopId!, TimestampMs = ts,
            AgentId = raw.AgentId, AgentState = state, AgentChannel = raw.Channel,
        });
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
