using Monitor.Core.Events;

namespace Monitor.Core.Tests.Support;

/// <summary>
/// Builds chats events for engine tests. Event ids come from a per-instance counter, so a history
/// built once keeps its ids however it is later reordered.
/// </summary>
internal sealed class ChatEvents(string shopId = "s1")
{
    /// <summary>2024-11-11T00:00:00Z, a multiple of every step the tests use.</summary>
    public static readonly long T0 = new DateTimeOffset(2024, 11, 11, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private int _next;

    public static long At(double secondsAfterT0) => T0 + (long)Math.Round(secondsAfterT0 * 1000);

    public MonitorEvent Customer(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null) =>
        Message(conversation, ts, Sender.Customer, channel, shop);

    public MonitorEvent Agent(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null) =>
        Message(conversation, ts, Sender.Agent, channel, shop);

    public MonitorEvent Bot(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null) =>
        Message(conversation, ts, Sender.Bot, channel, shop);

    public MonitorEvent Message(string conversation, long ts, Sender sender, TextChannel channel = TextChannel.Chat, string? shop = null) => new()
    {
        Type = EventType.Message,
        EventId = NextId(),
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        ConversationId = conversation,
        Channel = channel,
        Sender = sender,
    };

    public MonitorEvent Started(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null) => new()
    {
        Type = EventType.ConversationStarted,
        EventId = NextId(),
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        ConversationId = conversation,
        Channel = channel,
    };

    public MonitorEvent Transferred(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null) => new()
    {
        Type = EventType.ConversationTransferred,
        EventId = NextId(),
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        ConversationId = conversation,
        Channel = channel,
    };

    public MonitorEvent Closed(string conversation, long ts, TextChannel channel = TextChannel.Chat, string? shop = null, Sender resolvedBy = Sender.Agent) => new()
    {
        Type = EventType.ConversationClosed,
        EventId = NextId(),
        ShopId = shop ?? shopId,
        TimestampMs = ts,
        ConversationId = conversation,
        Channel = channel,
        ResolvedBy = resolvedBy,
    };

    private string NextId() => $"e{_next++:D5}";
}
