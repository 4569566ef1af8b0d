using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Bot;

public sealed class BotMetricsTests
{
    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.Zero,
        SeriesTtl = TimeSpan.FromMinutes(5),
    };

    private static MetricPoint BotAt(RecordingEngine engine, long boundary, string channel = "chat") =>
        Assert.Single(engine.Points, p => p.Measurement == Measurements.Bot && p.Tag("channel") == channel && p.TimestampMs == boundary);

    [Fact]
    public void BotResolvedRatio_IsBotClosesOverAllClosesInTheWindow()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            chats.Started("a", At(1)),
            chats.Started("b", At(2)),
            chats.Started("c", At(3)),
            chats.Closed("a", At(5), resolvedBy: Sender.Bot),
            chats.Transferred("b", At(6)),
            chats.Closed("b", At(12), resolvedBy: Sender.Agent),
            chats.Closed("c", At(14), resolvedBy: Sender.Bot));
        engine.Engine.Flush();

        var at10 = BotAt(engine, At(10));
        Assert.Equal(1, at10.Value("closed"));
        Assert.Equal(1, at10.Value("bot_resolved"));
        Assert.Equal(1, at10.Value("transferred"));
        Assert.Equal(1.0, at10.Value("bot_resolved_ratio"));

        var at20 = BotAt(engine, At(20));
        Assert.Equal(3, at20.Value("closed"));
        Assert.Equal(2, at20.Value("bot_resolved"));
        Assert.Equal(2.0 / 3, at20.Value("bot_resolved_ratio"));
        Assert.Equal(FieldKind.Integer, at20.Field("closed")!.Value.Kind);
    }

    [Fact]
    public void BotFigures_CountUnderTheConversationsChannel_AndLeaveTheWindowAfterW()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            chats.Started("m", At(1), TextChannel.Email),
            // The close event does not repeat the channel: it counts under the conversation's (email).
            chats.Closed("m", At(4), TextChannel.Chat, resolvedBy: Sender.Bot),
            chats.Started("x", At(100)));
        engine.Engine.AdvanceTo(At(200));

        Assert.Equal(1, BotAt(engine, At(10), "email").Value("closed"));
        Assert.DoesNotContain(engine.Points, p => p.Measurement == Measurements.Bot && p.Tag("channel") == "chat");

        // The window [b − 60 s, b) no longer holds the close at 4 s from b = 70 s on: zero, no ratio.
        var at70 = BotAt(engine, At(70), "email");
        Assert.Equal(0, at70.Value("closed"));
        Assert.Null(at70.Field("bot_resolved_ratio"));
    }

    [Fact]
    public void BotSeries_StopsAfterTheTtl()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            chats.Started("a", At(1)),
            chats.Closed("a", At(2), resolvedBy: Sender.Bot),
            chats.Started("z", At(1000)));
        engine.Engine.Flush();

        var bot = engine.Points.Where(p => p.Measurement == Measurements.Bot).Select(p => p.TimestampMs).ToArray();
        Assert.Equal(At(10), bot.Min());
        Assert.Equal(At(300), bot.Max());
    }
}
