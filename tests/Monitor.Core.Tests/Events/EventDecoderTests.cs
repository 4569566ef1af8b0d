using System.Text;
using Monitor.Core.Events;

namespace Monitor.Core.Tests.Events;

public sealed class EventDecoderTests
{
    private const string Secret = "SECRET 我要投诉 12315 call me on 555-0199";
    private static readonly long Noon = new DateTimeOffset(2024, 11, 11, 4, 0, 0, 250, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly EventDecoder _decoder = new();

    /// <summary>A JSON object with the common fields of DESIGN §3 followed by <paramref name="rest"/>.</summary>
    private static string Json(string type, string rest = "", string ts = "\"2024-11-11T04:00:00.250Z\"") =>
        $$"""{"type":"{{type}}","eventId":"e-1","shopId":"shop-1","ts":{{ts}}{{(rest.Length > 0 ? "," + rest : "")}}}""";

    private DecodeResult Decode(string json, Topic? topic, long? notAfterMs = null) =>
        _decoder.Decode(Encoding.UTF8.GetBytes(json), topic, notAfterMs);

    private MonitorEvent DecodeValid(string json, Topic? topic)
    {
        var result = Decode(json, topic);
        Assert.True(result.IsValid, $"expected valid, got {result.Reason}: {result.Detail}");
        return result.Event!;
    }

    public static TheoryData<string, Topic, string, Action<MonitorEvent>> ValidEventOfEveryType => new()
    {
        { "conversation_started", Topic.Chats, """ "conversationId":"c-1","channel":"email" """, e => { Assert.Equal("c-1", e.ConversationId); Assert.Equal(TextChannel.Email, e.Channel); } },
        { "message", Topic.Chats, """ "conversationId":"c-1","channel":"social","sender":"agent","agentId":"a-7","text":"hello" """, e => { Assert.Equal(Sender.Agent, e.Sender); Assert.Equal(TextChannel.Social, e.Channel); Assert.Equal("a-7", e.AgentId); Assert.Equal("hello", e.Text); } },
        { "conversation_transferred", Topic.Chats, """ "conversationId":"c-1" """, e => Assert.Equal("c-1", e.ConversationId) },
        { "conversation_closed", Topic.Chats, """ "conversationId":"c-1","resolvedBy":"bot","satisfaction":5 """, e => { Assert.Equal(Sender.Bot, e.ResolvedBy); Assert.Equal(5, e.Satisfaction); } },
        { "call_queued", Topic.Calls, """ "callId":"k-1","queue":"vip" """, e => { Assert.Equal("k-1", e.CallId); Assert.Equal("vip", e.Queue); } },
        { "call_answered", Topic.Calls, """ "callId":"k-1","agentId":"a-1" """, e => { Assert.Equal("k-1", e.CallId); Assert.Equal("a-1", e.AgentId); } },
        { "call_abandoned", Topic.Calls, """ "callId":"k-1" """, e => Assert.Equal("k-1", e.CallId) },
        { "call_ended", Topic.Calls, """ "callId":"k-1" """, e => Assert.Equal("k-1", e.CallId) },
        { "call_transcript", Topic.Calls, """ "callId":"k-1","speaker":"customer","text":"broken parcel" """, e => { Assert.Equal(Sender.Customer, e.Speaker); Assert.Equal("broken parcel", e.Text); } },
        { "order_paid", Topic.Orders, """ "orderId":"o-1","amount":99.5,"region":"east","shipBy":"2024-11-12T04:00:00Z" """, e => { Assert.Equal(99.5, e.Amount); Assert.Equal("east", e.Region); Assert.Equal(Noon - 250 + 86_400_000, e.ShipByMs); } },
        { "order_shipped", Topic.Orders, """ "orderId":"o-1","carrier":"sf" """, e => { Assert.Equal("o-1", e.OrderId); Assert.Equal("sf", e.Carrier); } },
        { "order_cancelled", Topic.Orders, """ "orderId":"o-1" """, e => Assert.Equal("o-1", e.OrderId) },
        { "tracking_update", Topic.Orders, """ "orderId":"o-1","status":"in_transit","region":"west" """, e => { Assert.Equal("in_transit", e.Status); Assert.Equal("west", e.Region); } },
        { "order_delivered", Topic.Orders, """ "orderId":"o-1","damaged":true """, e => Assert.True(e.Damaged) },
        { "refund_requested", Topic.Orders, """ "orderId":"o-1","refundId":"r-1","amount":12 """, e => { Assert.Equal("r-1", e.RefundId); Assert.Equal(12.0, e.Amount); } },
        { "refund_completed", Topic.Orders, """ "refundId":"r-1" """, e => Assert.Equal("r-1", e.RefundId) },
        { "refund_rejected", Topic.Orders, """ "refundId":"r-1" """, e => Assert.Equal("r-1", e.RefundId) },
        { "review", Topic.Orders, """ "orderId":"o-1","rating":1,"text":"fake goods" """, e => { Assert.Equal(1, e.Rating); Assert.Equal("fake goods", e.Text); } },
        { "agent_status", Topic.Agents, """ "agentId":"a-1","status":"busy","channel":"call" """, e => { Assert.Equal(AgentState.Busy, e.AgentState); Assert.Equal("call", e.AgentChannel); } },
    };

    [Theory]
    [MemberData(nameof(ValidEventOfEveryType))]
    public void EveryEventType_DecodesWithCommonAndOwnFields(string type, Topic topic, string rest, Action<MonitorEvent> checkOwnFields)
    {
        var e = DecodeValid(Json(type, rest.Trim()), topic);

        Assert.Equal(type, ToSnakeCase(e.Type));
        Assert.Equal(topic, e.Topic);
        Assert.Equal("e-1", e.EventId);
        Assert.Equal("shop-1", e.ShopId);
        Assert.Equal(Noon, e.TimestampMs);
        checkOwnFields(e);
    }

    [Fact]
    public void ValidTable_CoversEveryEventType()
    {
        var covered = ValidEventOfEveryType.Select(row => (string)row[0]!).ToHashSet();
        var all = Enum.GetValues<EventType>().Select(ToSnakeCase).ToHashSet();

        Assert.Equal(all, covered);
    }

    [Theory]
    [InlineData("\"2024-11-11T04:00:00.250Z\"")]
    [InlineData("\"2024-11-11T04:00:00.25Z\"")]
    [InlineData("\"2024-11-11T12:00:00.250+08:00\"")]
    [InlineData("\"2024-11-10T23:00:00.250-05:00\"")]
    [InlineData("\"2024-11-11t04:00:00.250z\"")]
    [InlineData("\"2024-11-11T04:00:00.2500000Z\"")]
    [InlineData("\"2024-11-11T04:00:00.250000000Z\"")]
    [InlineData("\"2024-11-11T12:00:00.250999999999+08:00\"")]
    [InlineData("1731297600250")]
    public void Timestamp_Rfc3339WithAnyOffsetOrEpochMillis_GiveTheSameInstant(string ts)
    {
        var e = DecodeValid(Json("conversation_started", "\"conversationId\":\"c-1\"", ts), Topic.Chats);

        Assert.Equal(Noon, e.TimestampMs);
    }

    [Fact]
    public void Timestamp_WholeSecondsWithOffset_Decodes()
    {
        var e = DecodeValid(Json("conversation_started", "\"conversationId\":\"c-1\"", "\"2024-11-11T12:00:00+08:00\""), Topic.Chats);

        Assert.Equal(Noon - 250, e.TimestampMs);
    }

    [Fact]
    public void UnknownFields_AreIgnored()
    {
        var json = Json("message", """
            "conversationId":"c-1","sender":"customer","x-trace":{"spans":[1,2,{"deep":null}]},"flag":true,"n":1e300,"s":"z"
            """);

        var e = DecodeValid(json, Topic.Chats);

        Assert.Equal(Sender.Customer, e.Sender);
    }

    [Fact]
    public void Message_WithoutChannel_DefaultsToChat()
    {
        var e = DecodeValid(Json("message", "\"conversationId\":\"c-1\",\"sender\":\"customer\""), Topic.Chats);

        Assert.Equal(TextChannel.Chat, e.Channel);
    }

    [Fact]
    public void ReplayLine_TopicFieldThatAgrees_IsAccepted()
    {
        var e = DecodeValid(Json("call_queued", "\"callId\":\"k-1\",\"topic\":\"calls\""), topic: null);

        Assert.Equal(Topic.Calls, e.Topic);
    }

    [Fact]
    public void FutureTimestamp_AtTheLimit_IsAccepted()
    {
        var result = Decode(Json("call_ended", "\"callId\":\"k-1\""), Topic.Calls, notAfterMs: Noon);

        Assert.True(result.IsValid);
    }

    [Fact]
    public void OldTimestamp_AtTheLimit_IsAccepted_AndOneMillisecondBefore_IsTooOld()
    {
        var json = Encoding.UTF8.GetBytes(Json("call_ended", "\"callId\":\"k-1\""));

        Assert.True(new EventDecoder().Decode(json, Topic.Calls, notAfterMs: null, notBeforeMs: Noon).IsValid);
        Assert.Equal(InvalidReason.TooOld, new EventDecoder().Decode(json, Topic.Calls, notAfterMs: null, notBeforeMs: Noon + 1).Reason);
        Assert.Equal("too_old", InvalidReasons.Label(InvalidReason.TooOld));
    }

    public sealed record BadInput(string Name, byte[] Utf8, Topic? Topic, InvalidReason Reason, long? NotAfterMs = null, DecoderOptions? Options = null, string[]? Forbidden = null, long? NotBeforeMs = null)
    {
        public override string ToString() => Name;
    }

    private static BadInput Bad(string name, string json, Topic? topic, InvalidReason reason, params string[] forbidden) =>
        new(name, Encoding.UTF8.GetBytes(json), topic, reason, Forbidden: forbidden);

    private static string WithSecret(string rest) => $"\"text\":\"{Secret}\"," + rest;

    public static TheoryData<BadInput> BadInputs
    {
        get
        {
            var message = WithSecret("\"conversationId\":\"c-1\",\"sender\":\"customer\"");
            var invalidUtf8 = Encoding.UTF8.GetBytes(Json("message", "\"conversationId\":\"c-1\",\"sender\":\"customer\",\"text\":\"SECRET-AB\""));
            var at = Array.IndexOf(invalidUtf8, (byte)'-', Array.IndexOf(invalidUtf8, (byte)'S'));
            invalidUtf8[at + 1] = 0xC3;
            invalidUtf8[at + 2] = 0x28;

            return new TheoryData<BadInput>
            {
                Bad("truncated", Json("message", message)[..60], Topic.Chats, InvalidReason.MalformedJson),
                Bad("truncated inside customer text", Json("message", message)[..(Json("message", message).IndexOf("12315", StringComparison.Ordinal) + 5)], Topic.Chats, InvalidReason.MalformedJson, "12315", "SECRET"),
                Bad("trailing garbage", Json("message", message) + " {garbage", Topic.Chats, InvalidReason.MalformedJson, "garbage"),
                Bad("second closing brace", Json("message", message) + "}", Topic.Chats, InvalidReason.MalformedJson),
                Bad("unquoted value", """{"type":message}""", Topic.Chats, InvalidReason.MalformedJson),
                Bad("empty", "", Topic.Chats, InvalidReason.MalformedJson),
                Bad("whitespace only", " \r\n\t  ", Topic.Chats, InvalidReason.MalformedJson),
                Bad("array root", $"[{Json("message", message)}]", Topic.Chats, InvalidReason.NotAnObject),
                Bad("string root", $"\"{Secret}\"", Topic.Chats, InvalidReason.NotAnObject),
                Bad("number root", "1731297600250", Topic.Chats, InvalidReason.NotAnObject),
                Bad("null root", "null", Topic.Chats, InvalidReason.NotAnObject),
                Bad("bare word starting like null", "not json", Topic.Chats, InvalidReason.MalformedJson),
                Bad("truncated array root", "[1, 2", Topic.Chats, InvalidReason.MalformedJson),
                Bad("missing type", """{"eventId":"e-1","shopId":"shop-1","ts":1731297600250}""", Topic.Chats, InvalidReason.MissingField),
                Bad("missing eventId", """{"type":"call_ended","shopId":"shop-1","ts":1731297600250,"callId":"k"}""", Topic.Calls, InvalidReason.MissingField),
                Bad("missing shopId", """{"type":"call_ended","eventId":"e-1","ts":1731297600250,"callId":"k"}""", Topic.Calls, InvalidReason.MissingField),
                Bad("missing ts", """{"type":"call_ended","eventId":"e-1","shopId":"shop-1","callId":"k"}""", Topic.Calls, InvalidReason.MissingField),
                Bad("null ts", Json("call_ended", "\"callId\":\"k\"", "null"), Topic.Calls, InvalidReason.MissingField),
                Bad("missing conversationId", Json("message", WithSecret("\"sender\":\"customer\"")), Topic.Chats, InvalidReason.MissingField),
                Bad("missing sender", Json("message", WithSecret("\"conversationId\":\"c-1\"")), Topic.Chats, InvalidReason.MissingField),
                Bad("missing review rating", Json("review", WithSecret("\"orderId\":\"o-1\"")), Topic.Orders, InvalidReason.MissingField),
                Bad("unknown type", Json("chat_escalated_to_ceo", message), Topic.Chats, InvalidReason.UnknownType, "chat_escalated_to_ceo"),
                Bad("shopId is a number", """{"type":"call_ended","eventId":"e-1","shopId":42,"ts":1731297600250,"callId":"k"}""", Topic.Calls, InvalidReason.WrongType),
                Bad("amount is a string", Json("order_paid", "\"orderId\":\"o-1\",\"amount\":\"99.50\""), Topic.Orders, InvalidReason.WrongType, "99.50"),
                Bad("satisfaction is fractional", Json("conversation_closed", "\"conversationId\":\"c-1\",\"resolvedBy\":\"agent\",\"satisfaction\":4.5"), Topic.Chats, InvalidReason.WrongType, "4.5"),
                Bad("damaged is a string", Json("order_delivered", "\"orderId\":\"o-1\",\"damaged\":\"yes\""), Topic.Orders, InvalidReason.WrongType, "yes"),
                Bad("text is an object", Json("message", "\"conversationId\":\"c-1\",\"sender\":\"customer\",\"text\":{\"body\":\"SECRET\"}"), Topic.Chats, InvalidReason.WrongType, "SECRET"),
                Bad("ts without offset", Json("call_ended", "\"callId\":\"k\"", "\"2024-11-11T04:00:00\""), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts garbage string", Json("call_ended", "\"callId\":\"k\"", "\"tuesday-ish, after lunch\""), Topic.Calls, InvalidReason.BadTimestamp, "tuesday"),
                Bad("ts boolean", Json("call_ended", "\"callId\":\"k\"", "true"), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts object", Json("call_ended", "\"callId\":\"k\"", "{\"ms\":1731297600250}"), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts fractional epoch", Json("call_ended", "\"callId\":\"k\"", "1731297600250.5"), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts year 1970", Json("call_ended", "\"callId\":\"k\"", "\"1970-01-01T00:00:00Z\""), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts epoch zero", Json("call_ended", "\"callId\":\"k\"", "0"), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts year 2200", Json("call_ended", "\"callId\":\"k\"", "\"2200-01-01T00:00:00Z\""), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts offset without colon", Json("call_ended", "\"callId\":\"k\"", "\"2024-11-11T12:00:00+0800\""), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("ts month 13", Json("call_ended", "\"callId\":\"k\"", "\"2024-13-01T00:00:00Z\""), Topic.Calls, InvalidReason.BadTimestamp),
                Bad("shipBy garbage", Json("order_paid", "\"orderId\":\"o-1\",\"shipBy\":\"soon\""), Topic.Orders, InvalidReason.BadTimestamp, "soon"),
                Bad("sender robot", Json("message", WithSecret("\"conversationId\":\"c-1\",\"sender\":\"robot\"")), Topic.Chats, InvalidReason.InvalidValue, "robot"),
                Bad("channel fax", Json("message", WithSecret("\"conversationId\":\"c-1\",\"sender\":\"customer\",\"channel\":\"fax\"")), Topic.Chats, InvalidReason.InvalidValue, "fax"),
                Bad("status away", Json("agent_status", "\"agentId\":\"a-1\",\"status\":\"away\""), Topic.Agents, InvalidReason.InvalidValue, "away"),
                Bad("rating 0", Json("review", WithSecret("\"orderId\":\"o-1\",\"rating\":0")), Topic.Orders, InvalidReason.InvalidValue),
                Bad("rating 6", Json("review", WithSecret("\"orderId\":\"o-1\",\"rating\":6")), Topic.Orders, InvalidReason.InvalidValue),
                Bad("satisfaction 0", Json("conversation_closed", "\"conversationId\":\"c-1\",\"resolvedBy\":\"agent\",\"satisfaction\":0"), Topic.Chats, InvalidReason.InvalidValue),
                Bad("resolvedBy customer", Json("conversation_closed", "\"conversationId\":\"c-1\",\"resolvedBy\":\"customer\""), Topic.Chats, InvalidReason.InvalidValue),
                Bad("transcript speaker bot", Json("call_transcript", WithSecret("\"callId\":\"k\",\"speaker\":\"bot\"")), Topic.Calls, InvalidReason.InvalidValue),
                Bad("amount overflows to infinity", Json("order_paid", "\"orderId\":\"o-1\",\"amount\":1e400"), Topic.Orders, InvalidReason.InvalidValue),
                Bad("refund amount overflows to infinity", Json("refund_requested", "\"orderId\":\"o-1\",\"refundId\":\"r-1\",\"amount\":1e999"), Topic.Orders, InvalidReason.InvalidValue),
                Bad("negative amount", Json("refund_requested", "\"orderId\":\"o-1\",\"refundId\":\"r-1\",\"amount\":-5"), Topic.Orders, InvalidReason.InvalidValue),
                Bad("empty eventId", """{"type":"call_ended","eventId":"","shopId":"shop-1","ts":1731297600250,"callId":"k"}""", Topic.Calls, InvalidReason.InvalidValue),
                Bad("control chars in shopId", """{"type":"call_ended","eventId":"e-1","shopId":"shop\u0007\n1","ts":1731297600250,"callId":"k"}""", Topic.Calls, InvalidReason.InvalidValue, "\u0007", "\n"),
                Bad("wrong topic", Json("call_queued", "\"callId\":\"k-1\""), Topic.Chats, InvalidReason.WrongTopic),
                Bad("replay topic field disagrees", Json("message", WithSecret("\"conversationId\":\"c-1\",\"sender\":\"customer\",\"topic\":\"calls\"")), null, InvalidReason.WrongTopic),
                Bad("replay topic field unknown", Json("call_ended", "\"callId\":\"k\",\"topic\":\"SECRET-topic\""), null, InvalidReason.WrongTopic, "SECRET"),
                new("invalid UTF-8 inside a string", invalidUtf8, Topic.Chats, InvalidReason.InvalidUtf8, Forbidden: ["SECRET"]),
                new("lone continuation byte", [.. "{\"type\":\""u8, 0x80, .. "\"}"u8], Topic.Chats, InvalidReason.InvalidUtf8),
                new("too large", Encoding.UTF8.GetBytes(Json("message", $"\"conversationId\":\"c-1\",\"sender\":\"customer\",\"text\":\"{new string('x', 70_000)}\"")), Topic.Chats, InvalidReason.TooLarge),
                new("larger than a configured limit", Encoding.UTF8.GetBytes(Json("message", message)), Topic.Chats, InvalidReason.TooLarge, Options: new DecoderOptions { MaxMessageBytes = 64 }, Forbidden: ["SECRET"]),
                new("future timestamp", Encoding.UTF8.GetBytes(Json("message", message)), Topic.Chats, InvalidReason.FutureTimestamp, NotAfterMs: Noon - 1, Forbidden: ["SECRET", "2024"]),
                new("older than the look-back", Encoding.UTF8.GetBytes(Json("message", message)), Topic.Chats, InvalidReason.TooOld, NotBeforeMs: Noon + 1, Forbidden: ["SECRET", "2024"]),
            };
        }
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInput_IsRejectedWithItsReason_AndADetailFreeOfMessageText(BadInput input)
    {
        var decoder = new EventDecoder(input.Options ?? new DecoderOptions());

        var result = decoder.Decode(input.Utf8, input.Topic, input.NotAfterMs, input.NotBeforeMs);

        Assert.False(result.IsValid);
        Assert.Null(result.Event);
        Assert.Equal(input.Reason, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
        Assert.DoesNotContain("SECRET", result.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("投诉", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("555-0199", result.Detail, StringComparison.Ordinal);
        foreach (var forbidden in input.Forbidden ?? [])
        {
            Assert.DoesNotContain(forbidden, result.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BadInputTable_CoversEveryReason()
    {
        var reasons = ((IEnumerable<object[]>)BadInputs).Select(row => ((BadInput)row[0]).Reason).ToHashSet();

        // over_capacity is the caps' reason (the intake's and the engine's), never the decoder's.
        Assert.Equal(Enum.GetValues<InvalidReason>().Where(r => r != InvalidReason.OverCapacity).ToHashSet(), reasons);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("eventId")]
    [InlineData("shopId")]
    [InlineData("ts")]
    public void MissingRequiredField_DetailNamesTheField(string field)
    {
        var fields = new Dictionary<string, string>
        {
            ["type"] = "\"call_ended\"", ["eventId"] = "\"e-1\"", ["shopId"] = "\"shop-1\"", ["ts"] = "1731297600250", ["callId"] = "\"k\"",
        };
        fields.Remove(field);
        var json = "{" + string.Join(',', fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

        var result = Decode(json, Topic.Calls);

        Assert.Equal(InvalidReason.MissingField, result.Reason);
        Assert.Contains(field, result.Detail);
    }

    [Theory]
    [InlineData("""{"type":"call_ended","eventId":"e-1","shopId":42,"ts":1731297600250,"callId":"k"}""", "shopId")]
    [InlineData("""{"type":"call_ended","eventId":"e-1","shopId":"s","ts":1731297600250,"callId":["k"]}""", "callId")]
    [InlineData("""{"type":"call_ended","eventId":true,"shopId":"s","ts":1731297600250,"callId":"k"}""", "eventId")]
    [InlineData("""{"type":"review","eventId":"e-1","shopId":"s","ts":1731297600250,"orderId":"o","rating":"5"}""", "rating")]
    public void WrongJsonType_DetailNamesTheField(string json, string field)
    {
        var result = Decode(json, topic: null);

        Assert.Equal(InvalidReason.WrongType, result.Reason);
        Assert.Contains(field, result.Detail);
    }

    [Theory]
    [InlineData("\"sender\":\"robot\"")]
    [InlineData("\"channel\":\"fax\",\"sender\":\"customer\"")]
    [InlineData("\"sender\":\"customer\",\"agentId\":\"\"")]
    [InlineData("\"sender\":7")]
    public void InvalidMessage_WithCustomerText_DetailOmitsTheText(string badPart)
    {
        const string customerText = "my order 8848 never came, I will post it on weibo 曝光 and call 12315";
        var json = Json("message", $"\"conversationId\":\"c-1\",\"text\":\"{customerText}\",{badPart}");

        var result = Decode(json, Topic.Chats);

        Assert.False(result.IsValid);
        Assert.NotNull(result.Detail);
        foreach (var word in new[] { "8848", "never came", "weibo", "曝光", "12315" })
        {
            Assert.DoesNotContain(word, result.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DecodedEvent_ToString_DoesNotPrintCustomerText()
    {
        var e = DecodeValid(Json("message", WithSecret("\"conversationId\":\"c-1\",\"sender\":\"customer\"")), Topic.Chats);

        Assert.Equal(Secret, e.Text);
        Assert.DoesNotContain("SECRET", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReasonLabels_AreDistinctSnakeCase()
    {
        var labels = Enum.GetValues<InvalidReason>().Select(InvalidReasons.Label).ToList();

        Assert.Equal(labels.Count, labels.Distinct().Count());
        Assert.All(labels, label => Assert.Matches("^[a-z0-9_]+$", label));
        Assert.DoesNotContain("unknown", labels);
    }

    private static string ToSnakeCase(EventType type)
    {
        var name = type.ToString();
        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
