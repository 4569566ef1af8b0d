namespace Monitor.Core.Events;

/// <summary>
/// The causal rank that orders events of one millisecond (docs/metrics.md "Time"): openings first,
/// then customer messages, then replies and other changes, then transfers, then closes and ends.
/// </summary>
public static class EventRank
{
    public static int Of(EventType type, Sender sender) => type switch
    {
        EventType.ConversationStarted or EventType.CallQueued or EventType.OrderPaid or EventType.AgentStatus => 0,
        EventType.Message when sender == Sender.Customer => 1,
        EventType.ConversationTransferred => 3,
        EventType.ConversationClosed or EventType.CallEnded or EventType.RefundCompleted or EventType.RefundRejected => 4,
        _ => 2,
    };

    public static int Of(MonitorEvent e) => Of(e.Type, e.Sender);
}
