namespace Monitor.Core.Events;

/// <summary>The event types of DESIGN §3.</summary>
public enum EventType : byte
{
    /// <summary><c>conversation_started</c>: a conversation opens on a text channel.</summary>
    ConversationStarted,
    /// <summary><c>message</c>: a chat message (customer, agent or bot).</summary>
    Message,
    /// <summary><c>conversation_transferred</c>: the bot hands the conversation over to a human.</summary>
    ConversationTransferred,
    /// <summary><c>conversation_closed</c>: the conversation ends, resolved by an agent or the bot.</summary>
    ConversationClosed,
    /// <summary><c>call_queued</c>: a call enters the queue.</summary>
    CallQueued,
    /// <summary><c>call_answered</c>: an agent answers a queued call.</summary>
    CallAnswered,
    /// <summary><c>call_abandoned</c>: the caller hangs up before an answer.</summary>
    CallAbandoned,
    /// <summary><c>call_ended</c>: an answered call ends.</summary>
    CallEnded,
    /// <summary><c>call_transcript</c>: a transcribed utterance of a call (customer or agent).</summary>
    CallTranscript,
    /// <summary><c>order_paid</c>: an order is paid, which starts its shipping deadline.</summary>
    OrderPaid,
    /// <summary><c>order_shipped</c>: an order leaves with a carrier.</summary>
    OrderShipped,
    /// <summary><c>order_cancelled</c>: an order is cancelled.</summary>
    OrderCancelled,
    /// <summary><c>tracking_update</c>: a carrier tracking update for a shipped order.</summary>
    TrackingUpdate,
    /// <summary><c>order_delivered</c>: an order reaches the customer, possibly damaged.</summary>
    OrderDelivered,
    /// <summary><c>refund_requested</c>: a refund is requested for an order.</summary>
    RefundRequested,
    /// <summary><c>refund_completed</c>: a requested refund is paid out.</summary>
    RefundCompleted,
    /// <summary><c>refund_rejected</c>: a requested refund is rejected.</summary>
    RefundRejected,
    /// <summary><c>review</c>: a customer rates an order 1..5, optionally with text.</summary>
    Review,
    /// <summary><c>agent_status</c>: an agent goes online, busy or offline.</summary>
    AgentStatus,
}

/// <summary>The four input topics; each event type belongs to exactly one.</summary>
public enum Topic : byte
{
    /// <summary><c>chats</c>: conversations and messages on every text channel.</summary>
    Chats,
    /// <summary><c>calls</c>: phone calls and their transcripts.</summary>
    Calls,
    /// <summary><c>orders</c>: orders, shipping, refunds and reviews.</summary>
    Orders,
    /// <summary><c>agents</c>: agent status, the capacity side of the Crisis Quotient.</summary>
    Agents,
}

/// <summary>Text channels of the chats topic.</summary>
public enum TextChannel : byte
{
    /// <summary>Live chat, the default channel.</summary>
    Chat,
    /// <summary>Email.</summary>
    Email,
    /// <summary>Social media messages.</summary>
    Social,
}

/// <summary>Who wrote a chat message (the <c>sender</c> field).</summary>
public enum Sender : byte
{
    /// <summary>The customer.</summary>
    Customer,
    /// <summary>A human agent.</summary>
    Agent,
    /// <summary>The bot.</summary>
    Bot,
}

/// <summary>An agent's status in an <c>agent_status</c> event: online and free, busy, or offline.</summary>
public enum AgentState : byte
{
    /// <summary>Online and free to take work.</summary>
    Online,
    /// <summary>Online but busy; still counts as capacity.</summary>
    Busy,
    /// <summary>Offline; no capacity.</summary>
    Offline,
}

/// <summary>Names used on the wire and in tags, in one place.</summary>
public static partial class Names
{
    /// <summary>The topic names on the wire, indexed by <see cref="Topic"/>.</summary>
    public static readonly string[] TopicNames = ["chats", "calls", "orders", "agents"];

    /// <summary>The wire name of a topic, e.g. <c>chats</c>.</summary>
    public static string Of(Topic topic) => TopicNames[(int)topic];

    /// <summary>The wire and tag name of a text channel: chat, email or social.</summary>
    public static string Of(TextChannel channel) => channel switch
    {
        TextChannel.Chat => "chat",
        TextChannel.Email => "email",
        TextChannel.Social => "social",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    /// <summary>The wire name of a sender: customer, agent or bot.</summary>
    public static string Of(Sender sender) => sender switch
    {
        Sender.Customer => "customer",
        Sender.Agent => "agent",
        Sender.Bot => "bot",
        _ => throw new ArgumentOutOfRangeException(nameof(sender)),
    };

    /// <summary>Parses a topic's wire name (exact, case-sensitive); false for any other name.</summary>
    public static bool TryParseTopic(string? name, out Topic topic)
    {
        var index = Array.IndexOf(TopicNames, name);
        topic = index < 0 ? default : (Topic)index;
        return index >= 0;
    }

    /// <summary>The topic an event type belongs to.</summary>
    public static Topic TopicOf(EventType type) => type switch
    {
        <= EventType.ConversationClosed => Topic.Chats,
        <= EventType.CallTranscript => Topic.Calls,
        <= EventType.Review => Topic.Orders,
        _ => Topic.Agents,
    };

    internal static bool TryParseType(string? name, out EventType type)
    {
        switch (name)
        {
            case "conversation_started": type = EventType.ConversationStarted; return true;
            case "message": type = EventType.Message; return true;
            case "conversation_transferred": type = EventType.ConversationTransferred; return true;
            case "conversation_closed": type = EventType.ConversationClosed; return true;
            case "call_queued": type = EventType.CallQueued; return true;
            case "call_answered": type = EventType.CallAnswered; return true;
            case "call_abandoned": type = EventType.CallAbandoned; return true;
            case "call_ended": type = EventType.CallEnded; return true;
            case "call_transcript": type = EventType.CallTranscript; return true;
            case "order_paid": type = EventType.OrderPaid; return true;
            case "order_shipped": type = EventType.OrderShipped; return true;
            case "order_cancelled": type = EventType.OrderCancelled; return true;
            case "tracking_update": type = EventType.TrackingUpdate; return true;
            case "order_delivered": type = EventType.OrderDelivered; return true;
            case "refund_requested": type = EventType.RefundRequested; return true;
            case "refund_completed": type = EventType.RefundCompleted; return true;
            case "refund_rejected": type = EventType.RefundRejected; return true;
            case "review": type = EventType.Review; return true;
            case "agent_status": type = EventType.AgentStatus; return true;
            default: type = default; return false;
        }
    }
}
