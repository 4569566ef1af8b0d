using System.Text;
using Monitor.Core.Events;
using Monitor.Core.Tests.Events.Reference;

namespace Monitor.Core.Tests.Events;

/// <summary>
/// The hand-written decoder (one pass of Utf8JsonReader, refilled events, cached strings) gives the
/// outcome of the serializer-based one it replaced for every input: valid events field by field,
/// invalid ones with the same reason and detail. Inputs: every event type with random values, and
/// each mutated (values of the wrong JSON type, escaped or repeated names, cuts, stray bytes, deep
/// nesting).
/// </summary>
public sealed class DecoderEquivalenceTests
{
    private static readonly string[] Types =
    [
        "conversation_started", "message", "conversation_transferred", "conversation_closed", "call_queued", "call_answered",
        "call_abandoned", "call_ended", "call_transcript", "order_paid", "order_shipped", "order_cancelled", "tracking_update",
        "order_delivered", "refund_requested", "refund_completed", "refund_rejected", "review", "agent_status", "no_such_type",
    ];

    private static readonly string[] Fields =
    [
        "conversationId", "channel", "sender", "agentId", "text", "resolvedBy", "satisfaction", "callId", "queue", "orderId",
        "amount", "region", "shipBy", "carrier", "status", "damaged", "refundId", "rating", "speaker", "topic", "extra",
    ];

    private static readonly string[] Values =
    [
        "\"c-1\"", "\"chat\"", "\"email\"", "\"social\"", "\"fax\"", "\"customer\"", "\"agent\"", "\"bot\"", "\"online\"", "\"busy\"",
        "\"offline\"", "\"chats\"", "\"orders\"", "\"call\"", "3", "4.5", "-2", "0", "1e400", "12.25", "true", "false", "null",
        "\"2024-11-11T04:00:00.250Z\"", "\"2024-11-11T12:00:00+08:00\"", "1731297600250", "{\"a\":[1,{\"b\":null}]}", "[1,2]",
        "\"\\u6295\\u8bc9 12315\"", "\"\\\"quoted\\\"\"", "\"\"", "\"x\\u0007y\"", "\"投诉差评\"",
    ];

    [Fact]
    public void EveryInput_DecodesAsTheSerializerBasedDecoderDid()
    {
        var random = new Random(1111);
        var reference = new ReferenceEventDecoder();
        var decoder = new EventDecoder();
        var reused = new EventDecoder().Decode("""{"type":"call_ended","eventId":"e","shopId":"s","ts":1731297600250,"callId":"k"}"""u8, Topic.Calls).Event!;
        var valid = 0;
        var reasons = new HashSet<InvalidReason>();
        for (var i = 0; i < 60_000; i++)
        {
            var json = Mutate(random, Event(random));
            var bytes = Encoding.UTF8.GetBytes(json);
            if (random.Next(50) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length + 1)];
            }

            Topic? topic = random.Next(5) switch
            {
                0 => null,
                1 => (Topic)random.Next(4),
                _ => TopicOf(json),
            };
            long? notAfter = random.Next(10) == 0 ? 1731297600000 : null;
            var want = reference.Decode(bytes, topic, notAfter);
            var got = random.Next(2) == 0 ? decoder.Decode(bytes, topic, notAfter) : decoder.DecodeInto(bytes, topic, notAfter, reused);

            Assert.True(want.IsValid == got.IsValid && want.Reason == got.Reason && want.Detail == got.Detail,
                $"{json}\nwant {want.Reason} {want.Detail}\ngot  {got.Reason} {got.Detail}");
            if (want.Event is { } w)
            {
                valid++;
                AssertSameEvent(w, got.Event!, json);
            }
            else
            {
                reasons.Add(want.Reason);
            }
        }

        Assert.True(valid > 5_000, $"only {valid} valid inputs: the comparison proves little");
        Assert.True(reasons.Count >= 8, $"only {string.Join(",", reasons)} among the rejections");
    }

    [Fact]
    public void DecodeInto_RefillsTheTarget_WithNoFieldLeftFromThePreviousMessage()
    {
        var decoder = new EventDecoder();
        var target = decoder.Decode("""{"type":"order_paid","eventId":"e1","shopId":"s","ts":1731297600250,"orderId":"o","amount":5,"region":"r","shipBy":1731297700000}"""u8, Topic.Orders).Event!;
        var result = decoder.DecodeInto("""{"type":"call_ended","eventId":"e2","shopId":"s","ts":1731297600250,"callId":"k"}"""u8, Topic.Calls, null, target);

        Assert.Same(target, result.Event);
        Assert.Equal((EventType.CallEnded, "e2", "k"), (target.Type, target.EventId, target.CallId));
        Assert.Null(target.OrderId);
        Assert.Null(target.Amount);
        Assert.Null(target.Region);
        Assert.Null(target.ShipByMs);
    }

    [Fact]
    public void RepeatedIds_AreOneStringInstance_ButEachEventIdIsItsOwn()
    {
        var decoder = new EventDecoder();
        var a = decoder.Decode("""{"type":"call_ended","eventId":"e1","shopId":"shop-7","ts":1731297600250,"callId":"k"}"""u8, Topic.Calls).Event!;
        var b = decoder.Decode("""{"type":"call_ended","eventId":"e2","shopId":"shop-7","ts":1731297600250,"callId":"k"}"""u8, Topic.Calls).Event!;

        Assert.Same(a.ShopId, b.ShopId);
        Assert.Same(a.CallId, b.CallId);
        Assert.NotEqual(a.EventId, b.EventId);
    }

    private static string Event(Random random)
    {
        var parts = new List<string>
        {
            $"\"type\":\"{Types[random.Next(Types.Length)]}\"",
            $"\"eventId\":\"ev-{random.Next(1000)}\"",
            $"\"shopId\":\"shop-{random.Next(5)}\"",
            random.Next(2) == 0 ? $"\"ts\":{1731297600000 + random.Next(100_000)}" : "\"ts\":\"2024-11-11T04:00:00.250Z\"",
        };
        var noisy = random.Next(2) == 0;
        foreach (var field in Fields)
        {
            if (noisy && random.Next(3) == 0)
            {
                parts.Add($"\"{field}\":{Values[random.Next(Values.Length)]}");
            }
        }

        // Plausible values for the fields the type needs, often enough that many events are valid.
        parts.AddRange(["\"conversationId\":\"c-1\"", "\"callId\":\"k-1\"", "\"orderId\":\"o-1\"", "\"refundId\":\"r-1\"", "\"agentId\":\"a-1\""]);
        parts.Add(random.Next(2) == 0 ? "\"sender\":\"customer\"" : "\"sender\":\"agent\"");
        parts.Add("\"resolvedBy\":\"bot\"");
        parts.Add("\"speaker\":\"customer\"");
        parts.Add("\"status\":\"online\"");
        parts.Add("\"rating\":4");
        parts.Add("\"text\":\"包装破损 broken\"");
        var shuffled = parts.OrderBy(_ => random.Next()).ToList();
        return "{" + string.Join(",", shuffled) + "}";
    }

    private static Topic? TopicOf(string json)
    {
        foreach (var type in Types)
        {
            if (json.Contains($"\"{type}\"", StringComparison.Ordinal))
            {
                return type switch
                {
                    _ when type.StartsWith("conversation", StringComparison.Ordinal) || type == "message" => Topic.Chats,
                    _ when type.StartsWith("call", StringComparison.Ordinal) => Topic.Calls,
                    "agent_status" => Topic.Agents,
                    _ => Topic.Orders,
                };
            }
        }

        return null;
    }

    private static string Mutate(Random random, string json)
    {
        switch (random.Next(12))
        {
            case 0:
                return json.Replace("\"type\"", "\"\\u0074ype\"", StringComparison.Ordinal);
            case 1:
                return json.Replace("\"shopId\":", "\"shopId\":42,\"x\":", StringComparison.Ordinal);
            case 2:
                return json.Insert(random.Next(json.Length), new[] { "}", "{", ",", "\"", ":", "]", "x", " " }[random.Next(8)]);
            case 3:
                return json.Remove(random.Next(json.Length), 1);
            case 4:
                return json + (random.Next(2) == 0 ? " " : " {\"a\":1}");
            case 5:
                return json.Replace("\"ts\":", $"\"ts\":{Values[random.Next(Values.Length)]},\"y\":", StringComparison.Ordinal);
            case 6:
                return json.Insert(json.Length - 1, ",\"deep\":" + new string('[', random.Next(60, 70)) + new string(']', random.Next(60, 70)));
            case 7:
                return json.Replace("\"eventId\"", "\"EventId\"", StringComparison.Ordinal);
            default:
                return json;
        }
    }

    private static void AssertSameEvent(MonitorEvent want, MonitorEvent got, string json)
    {
        var a = Describe(want);
        var b = Describe(got);
        Assert.True(a == b, $"{json}\nwant {a}\ngot  {b}");
    }

    private static string Describe(MonitorEvent e) => string.Join("|",
        e.Type, e.EventId, e.ShopId, e.TimestampMs, e.ConversationId, e.Channel, e.Sender, e.AgentId, e.Text, e.ResolvedBy, e.Satisfaction,
        e.CallId, e.Queue, e.OrderId, e.Amount, e.Region, e.ShipByMs, e.Carrier, e.Status, e.Damaged, e.RefundId, e.Rating, e.Speaker,
        e.AgentState, e.AgentChannel);
}
