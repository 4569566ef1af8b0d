namespace Monitor.Core.Events;

/// <summary>The event types of DESIGN §3.</summary>
public enum EventType : byte
{
    ConversationStarted,
    Message,
    ConversationTransferred,
    ConversationClosed,
    CallQueued,
    CallAnswered,
    CallAbandoned,
    CallEnded,
    CallTranscript,
    OrderPaid,
    OrderShipped,
    OrderCancelled,
    TrackingUpdate,
    OrderDelivered,
    RefundRequested,
    RefundCompleted,
    RefundRejected,
    Review,
    AgentStatus,
}

/// <summary>The four input topics; each event type belongs to exactly one.</summary>
public enum Topic : byte
{
    Chats,
    Calls,
    Orders,
    Agents,
}

/// <summary>Text channels of the chats topic.</summary>
public enum TextChannel : byte
{
    Chat,
    Email,
    Social,
}

/// <summary>Who wrote a chat message (the <c>sender</c> field).</summary>
public enum Sender : byte
{
    Customer,
    Agent,
    Bot,
}

/// <summary>An agent's status in an <c>agent_status</c> event: online and free, busy, or offline.</summary>
public enum AgentState : byte
{
    Online,
    Busy,
    Offline,
}

/// <summary>Names used on the wire and in tags, in one place.</summary>
public static partial class Names
{
    public static readonly string[] TopicNames = ["chats", "calls", "orders", "agents"];

    public static string Of(Topic topic) => TopicNames[(int)topic];

    public static string Of(TextChannel channel) => channel switch
    {
        TextChannel.Chat => "chat",
        TextChannel.Email => "email",
        TextChannel.Social => "social",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    public static string Of(Sender sender) => sender switch
    {
        Sender.Customer => "customer",
        Sender.Agent => "agent",
        Sender.Bot => "bot",
        _ => throw new ArgumentOutOfRangeException(nameof(sender)),
    };

    public static bool TryParseTopic(string? name, out Topic topic)
    {
        var index = Array.IndexOf(TopicNames, name);
        topic = index < 0 ? default : (Topic)index;
        return index >= 0;
    }

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
