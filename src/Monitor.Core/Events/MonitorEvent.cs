namespace Monitor.Core.Events;

/// <summary>
/// A decoded, validated input event (DESIGN §3). One flat type for all event kinds keeps the hot
/// path free of type tests; fields that a type does not carry are null. <see cref="Text"/> is
/// customer text: it lives in memory for keyword matching only and is never logged or exported.
/// </summary>
public sealed class MonitorEvent
{
    public required EventType Type { get; init; }
    public required string EventId { get; init; }
    public required string ShopId { get; init; }

    /// <summary>Event time, epoch milliseconds UTC.</summary>
    public required long TimestampMs { get; init; }

    public Topic Topic => Names.TopicOf(Type);

    public string? ConversationId { get; init; }
    public TextChannel Channel { get; init; }
    public Sender Sender { get; init; }
    public string? AgentId { get; init; }
    public string? Text { get; init; }
    public Sender ResolvedBy { get; init; }
    public int? Satisfaction { get; init; }

    public string? CallId { get; init; }
    public string? Queue { get; init; }

    public string? OrderId { get; init; }
    public double? Amount { get; init; }
    public string? Region { get; init; }

    /// <summary>Shipping deadline, epoch milliseconds UTC, when the event gave one.</summary>
    public long? ShipByMs { get; init; }
    public string? Carrier { get; init; }
    public string? Status { get; init; }
    public bool? Damaged { get; init; }
    public string? RefundId { get; init; }
    public int? Rating { get; init; }

    /// <summary>For call transcripts: who spoke (customer or agent).</summary>
    public Sender Speaker { get; init; }

    public AgentState AgentState { get; init; }

    /// <summary>For agent_status: the channel the agent serves (chat, email, social, call), if given.</summary>
    public string? AgentChannel { get; init; }

    /// <summary>Never prints customer text.</summary>
    public override string ToString() => $"{Type} {EventId} shop={ShopId} ts={TimestampMs}";
}
