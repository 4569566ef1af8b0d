namespace Monitor.Core.Events;

/// <summary>
/// The wire shape of every event: all fields of all types, nullable, as read from the JSON before
/// validation turns them into a <see cref="MonitorEvent"/>. One instance per decoder, cleared for
/// each message.
/// </summary>
internal sealed class RawEvent
{
    public string? Topic;
    public string? Type;
    public string? EventId;
    public string? ShopId;
    public WireTimestamp? Ts;
    public string? ConversationId;
    public string? Channel;
    public string? Sender;
    public string? AgentId;
    public string? Text;

    /// <summary>The text in a decoder buffer instead of <see cref="Text"/> (hot path); −1 when none.</summary>
    public char[]? TextBuffer;
    public int TextLength = -1;

    public bool HasText => Text is not null || TextLength >= 0;
    public string? ResolvedBy;
    public int? Satisfaction;
    public string? CallId;
    public string? Queue;
    public string? OrderId;
    public double? Amount;
    public string? Region;
    public WireTimestamp? ShipBy;
    public string? Carrier;
    public string? Status;
    public bool? Damaged;
    public string? RefundId;
    public int? Rating;
    public string? Speaker;

    public void Clear()
    {
        TextBuffer = null;
        TextLength = -1;
        Topic = Type = EventId = ShopId = ConversationId = Channel = Sender = AgentId = Text = ResolvedBy = null;
        CallId = Queue = OrderId = Region = Carrier = Status = RefundId = Speaker = null;
        Ts = ShipBy = null;
        Satisfaction = Rating = null;
        Amount = null;
        Damaged = null;
    }
}

/// <summary>
/// A timestamp as sent: RFC 3339 with an offset, or integer epoch milliseconds. Reading never
/// throws, so a bad timestamp is reported as such rather than as a JSON error.
/// </summary>
internal readonly record struct WireTimestamp(long Milliseconds, bool IsValid);
