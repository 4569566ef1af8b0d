namespace Monitor.Core.Events;

/// <summary>The JSON properties of DESIGN §3 that the decoder reads; any other is skipped.</summary>
internal enum WireField : byte
{
    Unknown,
    Topic,
    Type,
    EventId,
    ShopId,
    Ts,
    ConversationId,
    Channel,
    Sender,
    AgentId,
    Text,
    ResolvedBy,
    Satisfaction,
    CallId,
    Queue,
    OrderId,
    Amount,
    Region,
    ShipBy,
    Carrier,
    Status,
    Damaged,
    RefundId,
    Rating,
    Speaker,
}

public static partial class Names
{
    private static readonly string[] WireFieldNames =
    [
        "", "topic", "type", "eventId", "shopId", "ts", "conversationId", "channel", "sender", "agentId", "text", "resolvedBy",
        "satisfaction", "callId", "queue", "orderId", "amount", "region", "shipBy", "carrier", "status", "damaged", "refundId", "rating", "speaker",
    ];

    private static readonly byte[][] WireFieldUtf8 = WireFieldNames.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

    internal static string OfWireField(WireField field) => WireFieldNames[(int)field];

    /// <summary>The field a property name (unescaped UTF-8) names: exact and case-sensitive, as the contract's camelCase.</summary>
    internal static WireField WireFieldOf(ReadOnlySpan<byte> name)
    {
        // Dispatch on length and first byte, then one comparison: a handful of instructions per property.
        var field = name.Length switch
        {
            2 => WireField.Ts,
            4 => name[0] == (byte)'t' ? (name[1] == (byte)'y' ? WireField.Type : WireField.Text) : WireField.Unknown,
            5 => name[0] == (byte)'t' ? WireField.Topic : name[0] == (byte)'q' ? WireField.Queue : WireField.Unknown,
            6 => name[0] switch
            {
                (byte)'s' => name[1] switch { (byte)'h' => name[2] == (byte)'o' ? WireField.ShopId : WireField.ShipBy, (byte)'e' => WireField.Sender, _ => WireField.Status },
                (byte)'c' => WireField.CallId,
                (byte)'a' => WireField.Amount,
                (byte)'r' => name[1] == (byte)'e' ? WireField.Region : WireField.Rating,
                _ => WireField.Unknown,
            },
            7 => name[0] switch
            {
                (byte)'e' => WireField.EventId,
                (byte)'c' => name[1] == (byte)'h' ? WireField.Channel : WireField.Carrier,
                (byte)'a' => WireField.AgentId,
                (byte)'o' => WireField.OrderId,
                (byte)'d' => WireField.Damaged,
                (byte)'s' => WireField.Speaker,
                _ => WireField.Unknown,
            },
            8 => WireField.RefundId,
            10 => WireField.ResolvedBy,
            12 => WireField.Satisfaction,
            14 => WireField.ConversationId,
            _ => WireField.Unknown,
        };
        return field != WireField.Unknown && name.SequenceEqual(WireFieldUtf8[(int)field]) ? field : WireField.Unknown;
    }
}
