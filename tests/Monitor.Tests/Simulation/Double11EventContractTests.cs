using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

/// <summary>Every generated event against the event contract of DESIGN §3.</summary>
public sealed partial class Double11EventContractTests(EveningHour hour) : IClassFixture<EveningHour>
{
    private static readonly Dictionary<string, EventShape> Shapes = new()
    {
        ["conversation_started"] = new("chats", ["conversationId:s", "channel:channel"], []),
        ["message"] = new("chats", ["conversationId:s", "channel:channel", "sender:sender"], ["agentId:s", "text:s"]),
        ["conversation_transferred"] = new("chats", ["conversationId:s"], []),
        ["conversation_closed"] = new("chats", ["conversationId:s", "resolvedBy:resolvedBy"], ["satisfaction:1..5"]),
        ["call_queued"] = new("calls", ["callId:s"], ["queue:s"]),
        ["call_answered"] = new("calls", ["callId:s"], ["agentId:s"]),
        ["call_abandoned"] = new("calls", ["callId:s"], []),
        ["call_ended"] = new("calls", ["callId:s"], []),
        ["call_transcript"] = new("calls", ["callId:s", "speaker:speaker", "text:s"], []),
        ["order_paid"] = new("orders", ["orderId:s"], ["amount:n", "region:s", "shipBy:time"]),
        ["order_shipped"] = new("orders", ["orderId:s"], ["carrier:s"]),
        ["order_cancelled"] = new("orders", ["orderId:s"], []),
        ["tracking_update"] = new("orders", ["orderId:s"], ["status:s", "region:s"]),
        ["order_delivered"] = new("orders", ["orderId:s"], ["damaged:b"]),
        ["refund_requested"] = new("orders", ["orderId:s", "refundId:s"], ["amount:n"]),
        ["refund_completed"] = new("orders", ["refundId:s"], []),
        ["refund_rejected"] = new("orders", ["refundId:s"], []),
        ["review"] = new("orders", ["orderId:s", "rating:1..5"], ["text:s"]),
        ["agent_status"] = new("agents", ["agentId:s", "status:agentStatus"], ["channel:agentChannel"]),
    };

    private static readonly HashSet<string> IdFields = ["eventId", "shopId", "conversationId", "agentId", "callId", "orderId", "refundId"];

    private static readonly string[] ComplaintKeywords = ["投诉", "12315", "消协", "差评", "曝光", "假货", "骗", "破损", "漏发", "错发", "退款", "complaint", "chargeback", "scam", "broken", "refund"];

    [Fact]
    public void EveryEvent_ParsesAndHasTheRequiredFieldsOfItsType()
    {
        foreach (var e in hour.Events)
        {
            using var doc = JsonDocument.Parse(e.Json);
            var root = doc.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            var type = Field(root, "type", JsonValueKind.String).GetString()!;
            Assert.True(Shapes.TryGetValue(type, out var shape), $"unknown type {type}");
            Assert.Equal(shape.Topic, e.Topic);
            Assert.NotEmpty(Field(root, "eventId", JsonValueKind.String).GetString()!);
            Assert.Equal(e.Key, Field(root, "shopId", JsonValueKind.String).GetString());
            Assert.Equal(e.TimestampMs, EventTime(root.GetProperty("ts")));

            foreach (var spec in shape.Required)
            {
                var (name, kind) = Split(spec);
                Assert.True(root.TryGetProperty(name, out var value), $"{type} lacks {name}");
                AssertKind(type, name, kind, value);
            }

            foreach (var spec in shape.Optional)
            {
                var (name, kind) = Split(spec);
                if (root.TryGetProperty(name, out var value))
                {
                    AssertKind(type, name, kind, value);
                }
            }
        }
    }

    [Fact]
    public void OneEveningHour_HasAllFourTopicsAndEveryEventType()
    {
        Assert.Equal(Double11Scenario.Topics.Order(), hour.Events.Select(e => e.Topic).Distinct().Order());
        var types = hour.Events.Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("type").GetString()).ToHashSet();
        Assert.Empty(Shapes.Keys.Except(types!));
    }

    [Fact]
    public void EventIds_AreUnique()
    {
        var ids = new HashSet<string>();
        foreach (var e in hour.Events)
        {
            var id = JsonDocument.Parse(e.Json).RootElement.GetProperty("eventId").GetString()!;
            Assert.True(ids.Add(id), $"duplicate {id}");
        }
    }

    [Fact]
    public void Key_IsTheShopId_NeverAConversationOrOtherId()
    {
        Assert.All(hour.Events, e => Assert.Matches(ShopIdPattern(), e.Key));
        Assert.DoesNotContain(hour.Events, e => e.Key.Contains("conv", StringComparison.Ordinal));
    }

    [Fact]
    public void Ids_AppearOnlyInIdFields()
    {
        foreach (var e in hour.Events)
        {
            foreach (var property in JsonDocument.Parse(e.Json).RootElement.EnumerateObject())
            {
                if (!IdFields.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.String)
                {
                    Assert.DoesNotMatch(AnyIdPattern(), property.Value.GetString()!);
                }
            }
        }
    }

    [Fact]
    public void ShipBy_IsADayOrTwoAfterPayment()
    {
        var withDeadline = 0;
        foreach (var e in hour.Events.Where(e => e.Topic == Double11Scenario.OrdersTopic))
        {
            var root = JsonDocument.Parse(e.Json).RootElement;
            if (root.GetProperty("type").GetString() == "order_paid" && root.TryGetProperty("shipBy", out var shipBy))
            {
                withDeadline++;
                var after = DateTimeOffset.Parse(shipBy.GetString()!, CultureInfo.InvariantCulture) - e.Timestamp;
                Assert.Contains(after, new[] { TimeSpan.FromHours(24), TimeSpan.FromHours(48) });
            }
        }

        Assert.True(withDeadline > 100, $"{withDeadline} orders with shipBy");
    }

    [Fact]
    public void Timestamps_UseBothContractForms()
    {
        var kinds = hour.Events.Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("ts").ValueKind).ToList();
        Assert.True(kinds.Count(k => k == JsonValueKind.String) > kinds.Count / 2, "RFC 3339 for most events");
        Assert.Contains(JsonValueKind.Number, kinds);
    }

    [Fact]
    public void CustomerTexts_MixLanguagesComplaintsFullWidthAndEmoji()
    {
        var texts = new List<string>();
        foreach (var e in hour.Events.Where(e => e.Topic == Double11Scenario.ChatsTopic))
        {
            var root = JsonDocument.Parse(e.Json).RootElement;
            if (root.GetProperty("type").GetString() == "message" && root.GetProperty("sender").GetString() == "customer" && root.TryGetProperty("text", out var text))
            {
                texts.Add(text.GetString()!);
            }
        }

        var complaints = texts.Count(t => ComplaintKeywords.Any(k => t.Normalize(NormalizationForm.FormKC).Contains(k, StringComparison.OrdinalIgnoreCase)));
        Assert.InRange(complaints / (double)texts.Count, 0.05, 0.4);
        Assert.Contains(texts, t => t.Any(c => c is >= '\u4e00' and <= '\u9fff'));
        Assert.Contains(texts, t => t.Any(char.IsAsciiLetter));
        Assert.Contains(texts, t => t.Any(c => c is >= '\uff01' and <= '\uff5e'));
        Assert.Contains(texts, t => t.Any(char.IsSurrogate));
    }

    private static JsonElement Field(JsonElement root, string name, JsonValueKind kind)
    {
        Assert.True(root.TryGetProperty(name, out var value), $"missing {name}");
        Assert.Equal(kind, value.ValueKind);
        return value;
    }

    private static long EventTime(JsonElement ts) => ts.ValueKind == JsonValueKind.Number
        ? ts.GetInt64()
        : DateTimeOffset.ParseExact(ts.GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static (string Name, string Kind) Split(string spec)
    {
        var colon = spec.IndexOf(':');
        return (spec[..colon], spec[(colon + 1)..]);
    }

    private static void AssertKind(string type, string name, string kind, JsonElement value)
    {
        var where = $"{type}.{name}";
        switch (kind)
        {
            case "s":
                Assert.True(value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0, where);
                break;
            case "n":
                Assert.True(value.ValueKind == JsonValueKind.Number && value.GetDecimal() > 0, where);
                break;
            case "b":
                Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False, where);
                break;
            case "1..5":
                Assert.True(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n is >= 1 and <= 5, where);
                break;
            case "time":
                Assert.True(DateTimeOffset.TryParseExact(value.GetString(), "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), where);
                break;
            default:
                var allowed = kind switch
                {
                    "channel" => new[] { "chat", "email", "social" },
                    "sender" => ["customer", "agent", "bot"],
                    "resolvedBy" => ["agent", "bot"],
                    "speaker" => ["customer", "agent"],
                    "agentStatus" => ["online", "busy", "offline"],
                    _ => ["chat", "email", "social", "call"],
                };
                Assert.Contains(value.GetString(), allowed);
                break;
        }
    }

    [GeneratedRegex(@"^shop-\d{3}$")]
    private static partial Regex ShopIdPattern();

    [GeneratedRegex(@"(conv|call|ord|rf|ev|agent|shop)-\d")]
    private static partial Regex AnyIdPattern();

    private sealed record EventShape(string Topic, string[] Required, string[] Optional);
}
