using Monitor.Core.Events;
using Monitor.Core.Keywords;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Keywords;

/// <summary>complaint_keywords and complaint_rate through <see cref="MetricEngine"/>.</summary>
public sealed class KeywordStateTests
{
    private readonly KeywordDictionaryHolder _holder = new(KeywordDictionary.Compile(
    [
        new KeywordCategory("complaint", KeywordSeverity.Warning, ["投诉", "complaint"]),
        new KeywordCategory("regulator", KeywordSeverity.Critical, ["12315"]),
        new KeywordCategory("refund", KeywordSeverity.Info, ["退款", "refund"]),
    ]));

    private int _next;

    private RecordingEngine Engine() => new(new EngineOptions
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.Zero,
        Keywords = _holder,
    });

    private MonitorEvent Chat(long ts, string text, Sender sender = Sender.Customer, TextChannel channel = TextChannel.Chat, string shop = "s1") => new()
    {
        Type = EventType.Message,
        EventId = $"k{_next++:D5}",
        ShopId = shop,
        TimestampMs = ts,
        ConversationId = "c1",
        Channel = channel,
        Sender = sender,
        Text = text,
    };

    private MonitorEvent Transcript(long ts, string text, Sender speaker) => new()
    {
        Type = EventType.CallTranscript,
        EventId = $"k{_next++:D5}",
        ShopId = "s1",
        TimestampMs = ts,
        CallId = "call1",
        Speaker = speaker,
        Text = text,
    };

    private MonitorEvent Review(long ts, string text) => new()
    {
        Type = EventType.Review,
        EventId = $"k{_next++:D5}",
        ShopId = "s1",
        TimestampMs = ts,
        OrderId = "o1",
        Rating = 1,
        Text = text,
    };

    private static Dictionary<string, long> HitsAt(RecordingEngine run, long boundary) =>
        run.Points.Where(p => p.Measurement == Measurements.ComplaintKeywords && p.TimestampMs == boundary)
            .ToDictionary(p => $"{p.Tag("channel")}/{p.Tag("category")}/{p.Tag("keyword")}", p => (long)p.Value("hits"));

    private static MetricPoint RateAt(RecordingEngine run, long boundary) =>
        Assert.Single(run.Points, p => p.Measurement == KeywordState.RateMeasurement && p.TimestampMs == boundary);

    [Fact]
    public void Hits_AreCountedPerChannelCategoryAndKeyword_OverTheWindow()
    {
        var run = Engine().Feed(
            Chat(At(1), "我要投诉，打12315"),
            Chat(At(2), "投诉投诉投诉"),
            Chat(At(3), "ＣＯＭＰＬＡＩＮＴ", channel: TextChannel.Email),
            Transcript(At(4), "I want a refund", Sender.Customer),
            Review(At(5), "差 退款慢"));

        run.Engine.AdvanceTo(At(10));

        Assert.Equal(
            new Dictionary<string, long>
            {
                ["chat/complaint/投诉"] = 2,
                ["chat/regulator/12315"] = 1,
                ["email/complaint/complaint"] = 1,
                ["call/refund/refund"] = 1,
                ["review/refund/退款"] = 1,
            },
            HitsAt(run, At(10)));
        var point = run.Points.First(p => p.Measurement == Measurements.ComplaintKeywords);
        Assert.Equal(["category", "channel", "keyword", "shop"], point.Tags.Select(t => t.Key).ToArray());
        Assert.Equal(FieldKind.Integer, point.Field("hits")!.Value.Kind);
    }

    [Fact]
    public void AgentAndBotTexts_AreIgnored()
    {
        var run = Engine().Feed(
            Chat(At(1), "投诉 refund", Sender.Agent),
            Chat(At(2), "投诉 refund", Sender.Bot),
            Transcript(At(3), "投诉 refund", Sender.Agent),
            Chat(At(4), "你好"));

        run.Engine.AdvanceTo(At(10));

        Assert.Empty(HitsAt(run, At(10)));
        var rate = RateAt(run, At(10));
        Assert.Equal(1, rate.Value("messages"));
        Assert.Equal(0, rate.Value("hits"));
    }

    [Fact]
    public void Hits_LeaveTheWindow_AfterW()
    {
        var run = Engine().Feed(
            Chat(At(5), "投诉"),
            Chat(At(25), "投诉 12315"));

        run.Engine.AdvanceTo(At(100));

        Assert.Equal(1, HitsAt(run, At(10))["chat/complaint/投诉"]);
        Assert.Equal(2, HitsAt(run, At(30))["chat/complaint/投诉"]);
        Assert.Equal(2, HitsAt(run, At(60))["chat/complaint/投诉"]);

        // [10, 70) no longer holds the message at 5 s; [30, 90) holds neither.
        Assert.Equal(1, HitsAt(run, At(70))["chat/complaint/投诉"]);
        Assert.Equal(1, HitsAt(run, At(70))["chat/regulator/12315"]);
        Assert.Empty(HitsAt(run, At(90)));
        Assert.Equal(0, RateAt(run, At(90)).Value("messages"));
        Assert.Null(RateAt(run, At(90)).Field("per_1000_messages"));
    }

    [Fact]
    public void Rate_IsHitsPerThousandCustomerTexts()
    {
        var run = Engine().Feed(
            Chat(At(1), "投诉 12315"),
            Chat(At(2), "谢谢"),
            Chat(At(3), "ok"),
            Chat(At(4), "refund"));

        run.Engine.AdvanceTo(At(10));

        var rate = RateAt(run, At(10));
        Assert.Equal(4, rate.Value("messages"));
        Assert.Equal(2, rate.Value("matched_messages"));
        Assert.Equal(3, rate.Value("hits"));
        Assert.Equal(750.0, rate.Value("per_1000_messages"));
        Assert.Equal(["shop"], rate.Tags.Select(t => t.Key).ToArray());
    }

    [Fact]
    public void ReplacedDictionary_AppliesToLaterTexts()
    {
        var run = Engine().Feed(Chat(At(1), "差评"));
        run.Engine.AdvanceTo(At(10));
        _holder.Replace(KeywordDictionary.Compile([new KeywordCategory("bad_review_threat", KeywordSeverity.Warning, ["差评"])]));

        run.Feed(Chat(At(11), "差评"));
        run.Engine.AdvanceTo(At(20));

        Assert.Empty(HitsAt(run, At(10)));
        Assert.Equal(1, HitsAt(run, At(20))["chat/bad_review_threat/差评"]);
    }

    [Fact]
    public void NoDictionary_EmitsNothing()
    {
        var run = new RecordingEngine(new EngineOptions { AllowedLateness = TimeSpan.Zero });
        run.Feed(Chat(At(1), "投诉"));

        run.Engine.AdvanceTo(At(30));

        Assert.DoesNotContain(run.Points, p => p.Measurement is Measurements.ComplaintKeywords or KeywordState.RateMeasurement);
    }

    [Fact]
    public void Shops_AreCountedApart()
    {
        var run = Engine().Feed(
            Chat(At(1), "投诉", shop: "s1"),
            Chat(At(2), "投诉", shop: "s2"),
            Chat(At(3), "投诉 again", shop: "s2"));

        run.Engine.AdvanceTo(At(10));

        var points = run.Points.Where(p => p.Measurement == Measurements.ComplaintKeywords).ToDictionary(p => p.Tag("shop")!, p => p.Value("hits"));
        Assert.Equal(1, points["s1"]);
        Assert.Equal(2, points["s2"]);
    }
}
