using System.Diagnostics.CodeAnalysis;

namespace Monitor.Core.Events;

/// <summary>
/// A decoded, validated input event (DESIGN §3). One flat type for all event kinds keeps the hot
/// path free of type tests; fields that a type does not carry are null. <see cref="Text"/> is
/// customer text: it lives in memory for keyword matching only and is never logged or exported.
/// The decoder's hot path refills one instance per message (<see cref="EventDecoder.DecodeInto"/>):
/// such an event is valid until the next message is decoded, and the engine keeps none.
/// </summary>
public sealed class MonitorEvent
{
    // Backing fields the decoder writes when it refills an instance; properties are init-only outside.
    internal EventType _type;
    internal string _eventId = "";
    internal string _shopId = "";
    internal long _timestampMs;
    internal string? _conversationId;
    internal TextChannel _channel;
    internal Sender _sender;
    internal string? _agentId;
    internal string? _text;
    internal char[]? _textBuffer;
    internal int _textLength = -1;
    internal Sender _resolvedBy;
    internal int? _satisfaction;
    internal string? _callId;
    internal string? _queue;
    internal string? _orderId;
    internal double? _amount;
    internal string? _region;
    internal long? _shipByMs;
    internal string? _carrier;
    internal string? _status;
    internal bool? _damaged;
    internal string? _refundId;
    internal int? _rating;
    internal Sender _speaker;
    internal AgentState _agentState;
    internal string? _agentChannel;

    /// <summary>An event built in code (tests, the simulator); set the required members.</summary>
    public MonitorEvent()
    {
    }

    /// <summary>An empty instance for the decoder to fill (its string fields start empty, not null).</summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // the backing fields are initialised; the analysis does not follow them
    internal MonitorEvent(bool empty)
#pragma warning restore CS8618
    {
    }

    /// <summary>The event type (the <c>type</c> field).</summary>
    public required EventType Type { get => _type; init => _type = value; }

    /// <summary>The unique event id; duplicates are ignored.</summary>
    public required string EventId { get => _eventId; init => _eventId = value; }

    /// <summary>The shop the event belongs to, also the Kafka message key.</summary>
    public required string ShopId { get => _shopId; init => _shopId = value; }

    /// <summary>Event time, epoch milliseconds UTC.</summary>
    public required long TimestampMs { get => _timestampMs; init => _timestampMs = value; }

    /// <summary>The topic the event type belongs to.</summary>
    public Topic Topic => Names.TopicOf(Type);

    /// <summary>For the chats topic: the conversation.</summary>
    public string? ConversationId { get => _conversationId; init => _conversationId = value; }

    /// <summary>For the chats topic: the text channel (default chat).</summary>
    public TextChannel Channel { get => _channel; init => _channel = value; }

    /// <summary>For <c>message</c>: who wrote it.</summary>
    public Sender Sender { get => _sender; init => _sender = value; }

    /// <summary>The agent: who wrote a message or answered a call, if given; always set for <c>agent_status</c>.</summary>
    public string? AgentId { get => _agentId; init => _agentId = value; }

    /// <summary>
    /// The text as a string. On the decoder's hot path (<see cref="EventDecoder.DecodeShared"/>) it
    /// stays in the decoder's buffer instead: read <see cref="TextSpan"/> and <see cref="HasText"/>.
    /// </summary>
    public string? Text { get => _text; init => _text = value; }

    /// <summary>True when the event carries a text (as <see cref="Text"/> or only in the decoder's buffer).</summary>
    public bool HasText => _text is not null || _textLength >= 0;

    /// <summary>The text's characters, wherever they are.</summary>
    public ReadOnlySpan<char> TextSpan => _text is not null ? _text.AsSpan() : _textLength >= 0 ? _textBuffer.AsSpan(0, _textLength) : default;

    /// <summary>For <c>conversation_closed</c>: who resolved it (agent or bot).</summary>
    public Sender ResolvedBy { get => _resolvedBy; init => _resolvedBy = value; }

    /// <summary>For <c>conversation_closed</c>: the customer's satisfaction 1..5, if given.</summary>
    public int? Satisfaction { get => _satisfaction; init => _satisfaction = value; }

    /// <summary>For the calls topic: the call.</summary>
    public string? CallId { get => _callId; init => _callId = value; }

    /// <summary>For <c>call_queued</c>: the call queue, if given.</summary>
    public string? Queue { get => _queue; init => _queue = value; }

    /// <summary>The order, for every orders event except <c>refund_completed</c> and <c>refund_rejected</c>.</summary>
    public string? OrderId { get => _orderId; init => _orderId = value; }

    /// <summary>For <c>order_paid</c> and <c>refund_requested</c>: the amount, if given.</summary>
    public double? Amount { get => _amount; init => _amount = value; }

    /// <summary>For <c>order_paid</c> and <c>tracking_update</c>: the region, if given.</summary>
    public string? Region { get => _region; init => _region = value; }

    /// <summary>Shipping deadline, epoch milliseconds UTC, when the event gave one.</summary>
    public long? ShipByMs { get => _shipByMs; init => _shipByMs = value; }

    /// <summary>For <c>order_shipped</c>: the carrier, if given.</summary>
    public string? Carrier { get => _carrier; init => _carrier = value; }

    /// <summary>For <c>tracking_update</c>: the tracking status, if given.</summary>
    public string? Status { get => _status; init => _status = value; }

    /// <summary>For <c>order_delivered</c>: whether it arrived damaged, if given.</summary>
    public bool? Damaged { get => _damaged; init => _damaged = value; }

    /// <summary>For the refund events: the refund.</summary>
    public string? RefundId { get => _refundId; init => _refundId = value; }

    /// <summary>For <c>review</c>: the rating 1..5.</summary>
    public int? Rating { get => _rating; init => _rating = value; }

    /// <summary>For call transcripts: who spoke (customer or agent).</summary>
    public Sender Speaker { get => _speaker; init => _speaker = value; }

    /// <summary>For <c>agent_status</c>: online, busy or offline.</summary>
    public AgentState AgentState { get => _agentState; init => _agentState = value; }

    /// <summary>For agent_status: the channel the agent serves (chat, email, social, call), if given.</summary>
    public string? AgentChannel { get => _agentChannel; init => _agentChannel = value; }

    /// <summary>A copy that outlives the next decode (the decoder's hot path refills one instance).</summary>
    public MonitorEvent Clone()
    {
        var copy = (MonitorEvent)MemberwiseClone();
        if (_text is null && _textLength >= 0)
        {
            copy._text = new string(TextSpan);
            copy._textBuffer = null;
            copy._textLength = -1;
        }

        return copy;
    }

    /// <summary>Never prints customer text.</summary>
    public override string ToString() => $"{Type} {EventId} shop={ShopId} ts={TimestampMs}";

    /// <summary>Starts a refill with the common fields; every other field back to its default.</summary>
    internal void Reset(EventType type, string eventId, string shopId, long timestampMs)
    {
        _type = type;
        _eventId = eventId;
        _shopId = shopId;
        _timestampMs = timestampMs;
        _conversationId = null;
        _channel = default;
        _sender = default;
        _agentId = null;
        _text = null;
        _textBuffer = null;
        _textLength = -1;
        _resolvedBy = default;
        _satisfaction = null;
        _callId = null;
        _queue = null;
        _orderId = null;
        _amount = null;
        _region = null;
        _shipByMs = null;
        _carrier = null;
        _status = null;
        _damaged = null;
        _refundId = null;
        _rating = null;
        _speaker = default;
        _agentState = default;
        _agentChannel = null;
    }
}
