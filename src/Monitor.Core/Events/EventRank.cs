namespace Monitor.Core.Events;

/// <summary>
/// The causal rank that orders events of one millisecond (docs/metrics.md "Time"): openings first,
/// then customer messages, then replies and other changes, then transfers, then closes and ends.
/// </summary>
public static class EventRank
{
    /// <summary>The rank, 0 (openings) to 4 (closes and ends); <paramref name="sender"/> matters for messages only.</summary>
    public static int Of(EventType type, Sender sender) => type switch
    {
        EventType.ConversationStarted or EventType.CallQueued or EventType.OrderPaid or EventType.AgentStatus => 0,
        EventType.Message when sender == Sender.Customer => 1,
        EventType.ConversationTransferred => 3,
        EventType.ConversationClosed or EventType.CallEnded or EventType.RefundCompleted or EventType.RefundRejected => 4,
        _ => 2,
    };

    /// <summary>The rank of an event.</summary>
    public static int Of(MonitorEvent e) => Of(e.Type, e.Sender);
}
