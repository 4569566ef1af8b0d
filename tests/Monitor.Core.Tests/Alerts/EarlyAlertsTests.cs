using System.Reactive.Linq;
using System.Reactive.Subjects;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Keywords;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Alerts;

public sealed class EarlyAlertsTests
{
    private static readonly AlertRuleSet Rules = new(
        [
            new ThresholdRule("ChatBacklogHigh", Measurements.Backlog, "waiting", Direction.Above, [new AlertLevel(Severity.Warning, 3, 3, TimeSpan.Zero)])
            {
                Filters = new Dictionary<string, IReadOnlyList<string>> { ["queue"] = ["chat"] },
            },
        ],
        [new TimerRule("ChatWaiting30m", TimerQueue.Chat, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), Severity.Warning)]);

    [Fact]
    public void LiveAlert_GoesOutOnTheNextTick_AndTheFinalViewDoesNotPageAgain()
    {
        var run = new LiveRun(earlyAlerts: true);
        var chats = new ChatEvents();

        run.Tick(0);
        run.Events(chats.Customer("c1", ChatEvents.At(1)), chats.Customer("c2", ChatEvents.At(1.1)), chats.Customer("c3", ChatEvents.At(1.2)));
        Assert.Empty(run.Delivered);

        run.Tick(1.45);
        var fired = Assert.Single(run.Delivered);
        Assert.Equal((AlertChangeKind.Fired, ChatEvents.At(1.45)), (fired.Kind, fired.AtMs));
        Assert.Equal(3, fired.Value);

        // The final view fires at boundary 40 (after the 30 s lateness): no second notification.
        for (var t = 2.0; t <= 60; t += 0.25)
        {
            run.Tick(t);
        }

        Assert.Single(run.Delivered);
        Assert.Contains(run.AlertPoints, p => p.TimestampMs == ChatEvents.At(10) && p.Field("firing")!.Value.Value == 1);

        // Answered: the early view clears at once, the resolve waits for the final view (30 s + a step).
        run.Events(chats.Agent("c1", ChatEvents.At(60.1)));
        run.Tick(60.25);
        Assert.Single(run.Delivered);
        for (var t = 60.5; t <= 110; t += 0.25)
        {
            run.Tick(t);
        }

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], run.Delivered.Select(c => c.Kind));
        Assert.InRange(run.Delivered[1].AtMs, ChatEvents.At(60.1), ChatEvents.At(61));
    }

    [Fact]
    public void WithoutEarlyAlerts_TheAlertWaitsForTheWatermark()
    {
        var run = new LiveRun(earlyAlerts: false);
        var chats = new ChatEvents();

        run.Tick(0);
        run.Events(chats.Customer("c1", ChatEvents.At(1)), chats.Customer("c2", ChatEvents.At(1.1)), chats.Customer("c3", ChatEvents.At(1.2)));
        for (var t = 0.25; t <= 39; t += 0.25)
        {
            run.Tick(t);
        }

        Assert.Empty(run.Delivered);
        for (var t = 39.25; t <= 45; t += 0.25)
        {
            run.Tick(t);
        }

        Assert.Equal(ChatEvents.At(10), Assert.Single(run.Delivered).AtMs);
    }

    [Fact]
    public void TimerReminder_IsDeliveredOnceFromTheEarlyView()
    {
        var run = new LiveRun(earlyAlerts: true);
        var chats = new ChatEvents();
        run.Tick(0);
        run.Events(chats.Customer("c1", ChatEvents.At(1)));
        for (var t = 0.0; t <= 31 * 60; t += 0.5)
        {
            run.Tick(t);
        }

        var timer = Assert.Single(run.Delivered, c => c.Rule == "ChatWaiting30m");
        Assert.Equal(ChatEvents.At((30 * 60) + 1), timer.AtMs);
    }

    [Fact]
    public void CatchingUpOnABacklog_TheEarlyPathFollowsTheEvents_NotTheClock()
    {
        var run = new LiveRun(earlyAlerts: true, clockAtStart: 3600);
        var chats = new ChatEvents();

        // An hour-old backlog is read while the clock reads now: three chats, answered 5 s later.
        run.Events(
            chats.Customer("c1", ChatEvents.At(0)), chats.Customer("c2", ChatEvents.At(0.1)), chats.Customer("c3", ChatEvents.At(0.2)),
            chats.Agent("c1", ChatEvents.At(5)), chats.Agent("c2", ChatEvents.At(5)), chats.Agent("c3", ChatEvents.At(5)));
        for (var t = 3600.5; t <= 3700; t += 0.25)
        {
            run.Tick(t);
        }

        // Jumping to the clock and judging the hour on the way would have paged for a 5-second
        // blip and aged the chats into reminders. History is the final view's, which sees them
        // answered within its first step: nothing to notify.
        Assert.Empty(run.Delivered);
    }

    [Fact]
    public void ALaggingPartition_IsLeftToTheFinalView_WhileALiveOneIsJudgedEarly()
    {
        var run = new LiveRun(earlyAlerts: true, clockAtStart: 3600);
        var chats = new ChatEvents();
        run.Open(1);

        // Partition 1 is live; partition 0 is still reading events from 35 minutes ago, where
        // three chats wait until the (not yet read) replies 5 s later: neither the backlog rule
        // nor the 30-minute timer may judge them at the live partition's time.
        run.Events(0, chats.Customer("old1", ChatEvents.At(1500), shop: "lagging"), chats.Customer("old2", ChatEvents.At(1500.1), shop: "lagging"), chats.Customer("old3", ChatEvents.At(1500.2), shop: "lagging"));
        run.Events(1, chats.Customer("n1", ChatEvents.At(3600), shop: "live"), chats.Customer("n2", ChatEvents.At(3600.1), shop: "live"), chats.Customer("n3", ChatEvents.At(3600.2), shop: "live"));
        run.Tick(3600.5);
        run.Tick(3601);

        Assert.Equal(["live"], run.Delivered.Select(c => c.Label("shop")));
    }

    [Fact]
    public void GroupedKeywordRule_ReadEarly_AddsTheHitsOfEveryKeywordOfTheGroup()
    {
        // Two keywords of one category, one instance per (shop, category). A customer text without
        // a hit changes only complaint_rate; the hit after it must still be judged with the first.
        var rules = new AlertRuleSet(
            [
                new ThresholdRule("RegulatorMentioned", Measurements.ComplaintKeywords, "hits", Direction.Above, [new AlertLevel(Severity.Major, 2, 2, TimeSpan.Zero)])
                {
                    Filters = new Dictionary<string, IReadOnlyList<string>> { ["category"] = ["regulator"] },
                    GroupBy = ["shop", "category"],
                    NoDataAfter = TimeSpan.FromMinutes(1),
                },
            ],
            []);
        var options = new EngineOptions
        {
            SourceIdleAfter = TimeSpan.FromSeconds(1),
            Keywords = new KeywordDictionaryHolder(KeywordDictionary.Compile(
                [new KeywordCategory("regulator", KeywordSeverity.Critical, ["12315", "consumer association"])])),
        };
        var run = new LiveRun(earlyAlerts: true, rules: rules, options: options);
        var chats = new ChatEvents();
        MonitorEvent Text(string conversation, double at, string text)
        {
            var e = chats.Customer(conversation, ChatEvents.At(at));
            return new MonitorEvent
            {
                Type = e.Type, EventId = e.EventId, ShopId = e.ShopId, TimestampMs = e.TimestampMs,
                ConversationId = e.ConversationId, Channel = e.Channel, Sender = e.Sender, Text = text,
            };
        }

        run.Tick(0);
        run.Events(Text("c1", 1, "I will call 12315"));
        run.Tick(1.25);
        run.Events(Text("c2", 2, "where is my parcel"));
        run.Tick(2.25);
        Assert.Empty(run.Delivered);

        run.Events(Text("c3", 3, "the consumer association will hear of this"));
        run.Tick(3.25);
        var fired = Assert.Single(run.Delivered);
        Assert.Equal((AlertChangeKind.Fired, 2.0, ChatEvents.At(3.25)), (fired.Kind, fired.Value, fired.AtMs));
    }

    /// <summary>A live pipeline in virtual time: a subject of inputs, clock readings in seconds after T0.</summary>
    private sealed class LiveRun
    {
        private readonly Subject<PipelineInput> _inputs = new();

        /// <param name="clockAtStart">The clock reading (seconds after T0) before the partition is assigned, as a live host's first tick.</param>
        public LiveRun(bool earlyAlerts, double clockAtStart = 0, AlertRuleSet? rules = null, EngineOptions? options = null)
        {
            options ??= new EngineOptions { SourceIdleAfter = TimeSpan.FromSeconds(1) };
            _inputs
                .ToMetricPoints(options, new PipelineHooks { AlertChanged = Delivered.Add }, rules ?? Rules, earlyAlerts)
                .Subscribe(batch => AlertPoints.AddRange(batch.Where(p => p.Measurement == AlertEvaluator.Measurement)));
            Tick(clockAtStart);
            _inputs.OnNext(PipelineInput.SourceOpened(0));
        }

        public List<AlertChange> Delivered { get; } = [];

        public List<Monitor.Core.Points.MetricPoint> AlertPoints { get; } = [];

        /// <summary>Events on partition 0, which then reaches its end (as a live consumer does after a burst).</summary>
        public void Events(params Monitor.Core.Events.MonitorEvent[] events)
        {
            Events(0, events);
            _inputs.OnNext(PipelineInput.SourceIdle(0));
        }

        /// <summary>Events on <paramref name="source"/>, which has more to read (no end reached).</summary>
        public void Events(int source, params Monitor.Core.Events.MonitorEvent[] events)
        {
            foreach (var e in events)
            {
                _inputs.OnNext(PipelineInput.Of(e, source));
            }
        }

        public void Open(int source) => _inputs.OnNext(PipelineInput.SourceOpened(source));

        public void Tick(double secondsAfterT0) => _inputs.OnNext(PipelineInput.Clock(ChatEvents.At(secondsAfterT0)));
    }
}
