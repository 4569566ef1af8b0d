using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Metrics;

/// <summary>The chat waiting state machine of DESIGN §4, observed through the points of <see cref="MetricEngine"/>.</summary>
public sealed class ChatStateMachineTests
{
    private static readonly EngineOptions Small = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.Zero,
    };

    private readonly ChatEvents _chat = new();

    private static RecordingEngine Engine(EngineOptions? options = null) => new(options ?? Small);

    [Fact]
    public void FirstResponse_IsKindFirst_LaterResponses_AreKindReply()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Agent("c1", At(4)),
            _chat.Customer("c1", At(12)),
            _chat.Agent("c1", At(19)));

        run.Engine.AdvanceTo(At(20));

        var firstAt10 = run.ResponseAt(At(10), "first", "agent");
        Assert.Equal(1, firstAt10.Value("count"));
        Assert.Equal(3.0, firstAt10.Value("max"));
        Assert.DoesNotContain(run.Responses("reply", "agent"), p => p.TimestampMs == At(10));

        var replyAt20 = run.ResponseAt(At(20), "reply", "agent");
        Assert.Equal(1, replyAt20.Value("count"));
        Assert.Equal(7.0, replyAt20.Value("max"));
        Assert.Equal(1, run.ResponseAt(At(20), "first", "agent").Value("count"));
    }

    [Fact]
    public void FirstResponse_IsPerConversation()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Agent("c1", At(2)),
            _chat.Customer("c2", At(3)),
            _chat.Agent("c2", At(5)));

        run.Engine.AdvanceTo(At(10));

        var first = run.ResponseAt(At(10), "first", "agent");
        Assert.Equal(2, first.Value("count"));
        Assert.Equal(1.5, first.Value("mean"));
        Assert.Empty(run.Responses("reply", "agent"));
    }

    [Fact]
    public void BotReply_IsAttributedToBotResponder_ThenAgentReplyToAgent()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Bot("c1", At(1.5)),
            _chat.Customer("c1", At(2)),
            _chat.Transferred("c1", At(3)),
            _chat.Agent("c1", At(8)));

        run.Engine.AdvanceTo(At(10));

        Assert.Equal(0.5, run.ResponseAt(At(10), "first", "bot").Value("max"));
        Assert.Equal(6.0, run.ResponseAt(At(10), "reply", "agent").Value("max"));
        Assert.Empty(run.Responses("first", "agent"));
        Assert.Empty(run.Responses("reply", "bot"));
    }

    [Fact]
    public void CustomerMessage_WhileAlreadyWaiting_DoesNotRestartTheWait()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Customer("c1", At(5)),
            _chat.Customer("c1", At(9)));

        run.Engine.AdvanceTo(At(10));
        Assert.Equal(9.0, run.BacklogAt(At(10)).Value("oldest_wait_seconds"));
        Assert.Equal(1, run.BacklogAt(At(10)).Value("waiting"));

        run.Feed(_chat.Agent("c1", At(13)));
        run.Engine.AdvanceTo(At(20));

        var first = run.ResponseAt(At(20), "first", "agent");
        Assert.Equal(1, first.Value("count"));
        Assert.Equal(12.0, first.Value("max"));
    }

    [Fact]
    public void AgentMessage_WithNoWaitingCustomer_EmitsNoResponse()
    {
        var run = Engine().Feed(
            _chat.Agent("c1", At(1)),
            _chat.Bot("c2", At(2)));

        run.Engine.AdvanceTo(At(30));

        Assert.Empty(run.ResponseTimes);
        Assert.All(run.Backlog("chat"), p => Assert.Equal(0, p.Value("waiting")));
        Assert.Equal(3, run.Backlog("chat").Count());
    }

    [Fact]
    public void SecondAgentMessage_AfterTheReply_AddsNoSample()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Agent("c1", At(2)),
            _chat.Agent("c1", At(3)),
            _chat.Bot("c1", At(4)));

        run.Engine.AdvanceTo(At(10));

        Assert.Equal(1, run.ResponseAt(At(10), "first", "agent").Value("count"));
        Assert.Single(run.ResponseTimes);
    }

    [Fact]
    public void Close_EndsTheWait_WithoutAResponse()
    {
        var run = Engine().Feed(
            _chat.Started("c1", At(0)),
            _chat.Customer("c1", At(1)),
            _chat.Customer("c2", At(2)),
            _chat.Closed("c1", At(5)),
            _chat.Closed("c2", At(12)));

        run.Engine.AdvanceTo(At(20));

        Assert.Empty(run.ResponseTimes);
        Assert.Equal(1, run.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(8.0, run.BacklogAt(At(10)).Value("oldest_wait_seconds"));
        Assert.Equal(0, run.BacklogAt(At(20)).Value("waiting"));
        Assert.Equal(0.0, run.BacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_WaitStartingExactlyAtBoundary_IsNotCountedAtThatBoundary()
    {
        var run = Engine().Feed(
            _chat.Customer("c0", At(1)),
            _chat.Agent("c0", At(2)),
            _chat.Customer("c1", At(10)));

        run.Engine.AdvanceTo(At(20));

        Assert.Equal(0, run.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, run.BacklogAt(At(20)).Value("waiting"));
        Assert.Equal(10.0, run.BacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_WaitStartingOneMillisecondBeforeBoundary_IsCounted()
    {
        var run = Engine().Feed(_chat.Customer("c1", At(9.999)));

        run.Engine.AdvanceTo(At(10));

        Assert.Equal(1, run.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(0.001, run.BacklogAt(At(10)).Value("oldest_wait_seconds"), 12);
    }

    [Fact]
    public void Backlog_ReplyExactlyAtBoundary_StillCountsAsWaitingAtThatBoundary()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(5)),
            _chat.Agent("c1", At(30)));

        run.Engine.AdvanceTo(At(40));

        Assert.Equal(1, run.BacklogAt(At(30)).Value("waiting"));
        Assert.Equal(25.0, run.BacklogAt(At(30)).Value("oldest_wait_seconds"));
        Assert.Equal(0, run.BacklogAt(At(40)).Value("waiting"));
    }

    [Fact]
    public void Backlog_CloseExactlyAtBoundary_StillCountsAsWaitingAtThatBoundary()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(5)),
            _chat.Closed("c1", At(20)));

        run.Engine.AdvanceTo(At(30));

        Assert.Equal(1, run.BacklogAt(At(20)).Value("waiting"));
        Assert.Equal(0, run.BacklogAt(At(30)).Value("waiting"));
    }

    [Fact]
    public void Backlog_OldestAge_GrowsWhileUnanswered()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(3)),
            _chat.Customer("c2", At(7)));

        run.Engine.AdvanceTo(At(60));

        var ages = run.Backlog("chat").OrderBy(p => p.TimestampMs).Select(p => p.Value("oldest_wait_seconds")).ToArray();
        Assert.Equal([7.0, 17.0, 27.0, 37.0, 47.0, 57.0], ages);
        Assert.All(run.Backlog("chat"), p => Assert.Equal(2, p.Value("waiting")));
    }

    [Fact]
    public void Backlog_OldestAge_MovesToTheNextOldest_WhenTheOldestIsAnswered()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(1)),
            _chat.Customer("c2", At(4)),
            _chat.Customer("c3", At(6)),
            _chat.Agent("c1", At(15)));

        run.Engine.AdvanceTo(At(20));

        Assert.Equal(3, run.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(9.0, run.BacklogAt(At(10)).Value("oldest_wait_seconds"));
        Assert.Equal(2, run.BacklogAt(At(20)).Value("waiting"));
        Assert.Equal(16.0, run.BacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_SameWaitStartInTwoConversations_CountsBoth()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(2)),
            _chat.Customer("c2", At(2)),
            _chat.Agent("c1", At(12)));

        run.Engine.AdvanceTo(At(20));

        Assert.Equal(2, run.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, run.BacklogAt(At(20)).Value("waiting"));
        Assert.Equal(18.0, run.BacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_IsKeptPerChannelQueue()
    {
        var run = Engine().Feed(
            _chat.Customer("other-shop", At(1), TextChannel.Chat, shop: "s2"),
            _chat.Customer("chat-1", At(1), TextChannel.Chat),
            _chat.Customer("mail-1", At(2), TextChannel.Email),
            _chat.Customer("mail-2", At(3), TextChannel.Email),
            _chat.Customer("soc-1", At(4), TextChannel.Social),
            _chat.Agent("soc-1", At(5), TextChannel.Social));

        run.Engine.AdvanceTo(At(10));

        Assert.Equal((1, 9.0), Backlog(run.BacklogAt(At(10), "chat")));
        Assert.Equal((2, 8.0), Backlog(run.BacklogAt(At(10), "email")));
        Assert.Equal((0, 0.0), Backlog(run.BacklogAt(At(10), "social")));
        Assert.Equal((1, 9.0), Backlog(run.BacklogAt(At(10), "chat", "s2")));
        Assert.Empty(run.Backlog("email", "s2"));
        Assert.Equal(1, run.ResponseAt(At(10), "first", "agent", "social").Value("count"));
    }

    [Fact]
    public void Backlog_QueueWithNoEvents_EmitsNothing()
    {
        var run = Engine().Feed(_chat.Customer("c1", At(1)));

        run.Engine.AdvanceTo(At(30));

        Assert.Empty(run.Backlog("email"));
        Assert.Empty(run.Backlog("social"));
        Assert.Equal(3, run.Backlog("chat").Count());
    }

    [Fact]
    public void Conversation_StaysOnTheChannelItStartedOn()
    {
        var run = Engine().Feed(
            _chat.Started("c1", At(1), TextChannel.Email),
            _chat.Customer("c1", At(2), TextChannel.Email),
            _chat.Closed("c1", At(12), TextChannel.Chat));

        run.Engine.AdvanceTo(At(20));

        Assert.Equal(1, run.BacklogAt(At(10), "email").Value("waiting"));
        Assert.Equal(0, run.BacklogAt(At(20), "email").Value("waiting"));
        Assert.Empty(run.Backlog("chat"));
    }

    [Fact]
    public void WithinSlaRatio_UsesTheChannelsSla_EmailAllowsADay()
    {
        var options = Small with { ConversationWindow = TimeSpan.FromHours(1), SeriesTtl = TimeSpan.FromHours(1) };
        var run = Engine(options).Feed(
            _chat.Customer("mail-1", At(0), TextChannel.Email),
            _chat.Customer("chat-1", At(0), TextChannel.Chat),
            _chat.Customer("soc-1", At(0), TextChannel.Social),
            _chat.Agent("soc-1", At(100), TextChannel.Social),
            _chat.Agent("chat-1", At(200), TextChannel.Chat),
            _chat.Agent("mail-1", At(2 * 3600), TextChannel.Email));

        run.Engine.AdvanceTo(At(2 * 3600 + 10));

        var email = run.ResponseAt(At(2 * 3600 + 10), "first", "agent", "email");
        Assert.Equal(7200.0, email.Value("max"));
        Assert.Equal(1.0, email.Value("within_sla_ratio"));
        Assert.Equal(0.0, run.ResponseAt(At(210), "first", "agent", "chat").Value("within_sla_ratio"));
        Assert.Equal(1.0, run.ResponseAt(At(110), "first", "agent", "social").Value("within_sla_ratio"));
    }

    [Fact]
    public void WithinSlaRatio_CountsAResponseOfExactlyTheSla_AsWithin()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(0)),
            _chat.Customer("c2", At(0)),
            _chat.Customer("c3", At(0)),
            _chat.Bot("c3", At(179)),
            _chat.Agent("c1", At(180)),
            _chat.Agent("c2", At(180.001)));

        run.Engine.AdvanceTo(At(190));

        var agent = run.ResponseAt(At(190), "first", "agent");
        Assert.Equal(2, agent.Value("count"));
        Assert.Equal(0.5, agent.Value("within_sla_ratio"));
        Assert.Equal(1.0, run.ResponseAt(At(190), "first", "bot").Value("within_sla_ratio"));
    }

    [Fact]
    public void ResponseTime_HasEveryContractField_WithNearestRankPercentiles()
    {
        var run = Engine();
        for (var i = 0; i < 10; i++)
        {
            run.Feed(_chat.Customer($"c{i}", At(0)));
        }

        for (var i = 0; i < 10; i++)
        {
            run.Feed(_chat.Agent($"c{i}", At(i + 1)));
        }

        run.Engine.AdvanceTo(At(20));

        var point = run.ResponseAt(At(20), "first", "agent");
        Assert.Equal(["count", "p50", "p90", "p99", "mean", "max", "within_sla_ratio"], point.Fields.Select(f => f.Key));
        Assert.Equal(FieldKind.Integer, point.Field("count")!.Value.Kind);
        Assert.Equal(10, point.Value("count"));
        Assert.Equal(5.0, point.Value("p50"));
        Assert.Equal(9.0, point.Value("p90"));
        Assert.Equal(10.0, point.Value("p99"));
        Assert.Equal(5.5, point.Value("mean"));
        Assert.Equal(10.0, point.Value("max"));
        Assert.Equal(["channel", "kind", "responder", "shop"], point.Tags.Select(t => t.Key));
    }

    [Fact]
    public void ResponseSamples_LeaveTheWindow_AfterW()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(6)),
            _chat.Agent("c1", At(10)));

        run.Engine.AdvanceTo(At(90));

        Assert.DoesNotContain(run.Responses("first", "agent"), p => p.TimestampMs == At(10));
        Assert.Equal(1, run.ResponseAt(At(20), "first", "agent").Value("count"));
        Assert.Equal(1, run.ResponseAt(At(70), "first", "agent").Value("count"));
        var expired = run.ResponseAt(At(80), "first", "agent");
        Assert.Equal(new[] { MetricField.Int("count", 0) }, expired.Fields);
        Assert.Equal(new[] { MetricField.Int("count", 0) }, run.ResponseAt(At(90), "first", "agent").Fields);
    }

    [Fact]
    public void Series_StopAfterTheTtl_WhenNothingWaits()
    {
        var options = Small with { SeriesTtl = TimeSpan.FromSeconds(60) };
        var run = Engine(options).Feed(
            _chat.Customer("c1", At(3)),
            _chat.Agent("c1", At(5)));

        run.Engine.AdvanceTo(At(200));

        Assert.Equal(At(60), run.Points.Max(p => p.TimestampMs));
        Assert.Equal(6, run.Backlog("chat").Count());
        Assert.Equal(6, run.Responses("first", "agent").Count());
    }

    [Fact]
    public void Series_RestartAfterTheTtl_OnANewEvent()
    {
        var options = Small with { SeriesTtl = TimeSpan.FromSeconds(30), ConversationWindow = TimeSpan.FromSeconds(20) };
        var run = Engine(options).Feed(
            _chat.Customer("c1", At(3)),
            _chat.Agent("c1", At(5)),
            _chat.Closed("c1", At(6)));
        run.Engine.AdvanceTo(At(100));
        var before = run.Points.Count;

        run.Feed(
            _chat.Customer("c2", At(101)),
            _chat.Bot("c2", At(102)));
        run.Engine.AdvanceTo(At(110));

        Assert.Equal(At(30), run.Points.Take(before).Max(p => p.TimestampMs));
        Assert.Equal(1, run.ResponseAt(At(110), "first", "bot").Value("count"));
        Assert.Equal(0, run.BacklogAt(At(110)).Value("waiting"));
        Assert.DoesNotContain(run.Points, p => p.TimestampMs > At(30) && p.TimestampMs < At(110));
    }

    [Fact]
    public void Backlog_ContinuesPastTheTtl_WhileSomethingWaits()
    {
        var options = Small with { SeriesTtl = TimeSpan.FromSeconds(60) };
        var run = Engine(options).Feed(
            _chat.Customer("c1", At(5)),
            _chat.Customer("c2", At(6)),
            _chat.Agent("c2", At(7)));

        run.Engine.AdvanceTo(At(600));

        var last = run.BacklogAt(At(600));
        Assert.Equal(1, last.Value("waiting"));
        Assert.Equal(595.0, last.Value("oldest_wait_seconds"));
        Assert.Equal(60, run.Backlog("chat").Count());
        Assert.Equal(At(60), run.Responses("first", "agent").Max(p => p.TimestampMs));
    }

    [Fact]
    public void InternalByChannelSeries_CombinesKindsAndResponders()
    {
        var run = Engine().Feed(
            _chat.Customer("c1", At(0)),
            _chat.Customer("c2", At(0)),
            _chat.Bot("c1", At(1)),
            _chat.Customer("c1", At(2)),
            _chat.Agent("c1", At(6)),
            _chat.Agent("c2", At(8)));

        run.Engine.AdvanceTo(At(10));

        var combined = Assert.Single(run.Points, p => p.Measurement == Measurements.ResponseTimeByChannel);
        Assert.Equal(3, combined.Value("count"));
        Assert.Equal(8.0, combined.Value("p90"));
        Assert.True(Measurements.IsInternal(combined.Measurement));
        Assert.False(Measurements.IsInternal(Measurements.ResponseTime));
    }

    private static (int Waiting, double Oldest) Backlog(MetricPoint point) =>
        ((int)point.Value("waiting"), point.Value("oldest_wait_seconds"));
}
