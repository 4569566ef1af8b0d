using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Orders;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Alerts;

public sealed class TimerRuleTests
{
    private static readonly TimerRule ChatRule = new("ChatWaiting30m", TimerQueue.Chat, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), Severity.Warning)
    {
        EscalateAfter = TimeSpan.FromMinutes(60),
        EscalateSeverity = Severity.Critical,
        EscalateLabels = new Dictionary<string, string> { ["team"] = "cs-leads" },
        Labels = new Dictionary<string, string> { ["team"] = "chat" },
        ShowItems = 2,
        Text = new AlertText("{{count}} chats waiting over {{threshold}} in {{shop}}", "oldest: {{items}}", null),
    };

    private static long Min(double minutes) => ChatEvents.At(minutes * 60);

    [Fact]
    public void WaitingChat_RemindsAfterN_RepeatsEveryM_EscalatesAfterK_ResolvesOnReply()
    {
        var chats = new ChatEvents();
        var run = new TimerRun(ChatRule);
        run.Feed(chats.Customer("c1", Min(0)), chats.Customer("c2", Min(5)));

        run.AdvanceTo(Min(29.9));
        Assert.Empty(run.Changes);

        run.AdvanceTo(Min(30));
        var fired = Assert.Single(run.Changes);
        Assert.Equal((AlertChangeKind.Fired, Severity.Warning, Min(30)), (fired.Kind, fired.Severity, fired.AtMs));
        Assert.Equal("1", fired.Annotation("count"));
        Assert.Equal("c1 (30m00s)", fired.Annotation("oldest_items"));

        run.AdvanceTo(Min(44.9));
        Assert.Single(run.Changes);

        run.AdvanceTo(Min(45));
        var reminder = run.Changes[^1];
        Assert.Equal((AlertChangeKind.Reminded, Min(45)), (reminder.Kind, reminder.AtMs));
        Assert.Equal("2 chats waiting over 30m00s in s1", reminder.Annotation("summary"));
        Assert.Equal("oldest: c1 (45m00s), c2 (40m00s)", reminder.Annotation("description"));

        run.AdvanceTo(Min(60));
        var escalated = run.Changes.Single(c => c.Severity == Severity.Critical);
        Assert.Equal((AlertChangeKind.Fired, Min(60)), (escalated.Kind, escalated.AtMs));
        Assert.Equal("cs-leads", escalated.Label("team"));
        Assert.Equal("c1 (1h00m)", escalated.Annotation("oldest_items"));
        Assert.NotEqual(fired.InstanceKey, escalated.InstanceKey);

        // c1 answered: the escalation resolves; c2 (55 min) still keeps the reminder alert.
        run.Feed(chats.Agent("c1", Min(60.5)));
        run.AdvanceTo(Min(61));
        Assert.Equal(AlertChangeKind.Resolved, run.Changes.Last(c => c.Severity == Severity.Critical).Kind);
        Assert.Equal([Severity.Warning], run.Evaluator.Firing.Select(c => c.Severity));

        run.Feed(chats.Agent("c2", Min(62)));
        run.AdvanceTo(Min(63));
        Assert.Equal(AlertChangeKind.Resolved, run.Changes[^1].Kind);
        Assert.Empty(run.Evaluator.Firing);
    }

    [Fact]
    public void Surge_OfOverdueRefunds_GivesOneAlertPerShop()
    {
        var orders = new OrderEvents();
        var rule = new TimerRule("RefundOpen24h", TimerQueue.Refund, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), Severity.Warning);
        var run = new TimerRun(rule);
        for (var i = 0; i < 2000; i++)
        {
            run.Feed(orders.RefundRequested($"o{i}", $"r{i:D4}", Min(0) + 1 + i, shop: i % 2 == 0 ? "s1" : "s2"));
        }

        // All 2,000 requests fall within 2 s, so they pass 30 minutes between the same two boundaries.
        run.AdvanceTo(Min(30));
        Assert.Empty(run.Changes);
        run.AdvanceTo(Min(30) + 10_000);

        Assert.Equal(2, run.Changes.Count);
        Assert.All(run.Changes, change =>
        {
            Assert.Equal("1000", change.Annotation("count"));
            Assert.Equal(1000, change.Value);
            Assert.Equal(5, change.Annotation("oldest_items")!.Split(", ").Length);
            Assert.DoesNotContain(change.Labels, label => label.Value.StartsWith('r'));
        });
        Assert.StartsWith("r0000 (", run.Changes.Single(c => c.Label("shop") == "s1").Annotation("oldest_items"));
        Assert.StartsWith("r0001 (", run.Changes.Single(c => c.Label("shop") == "s2").Annotation("oldest_items"));
    }

    [Fact]
    public void ShipmentTimer_CountsFromTheDeadline()
    {
        var orders = new OrderEvents();
        var rule = new TimerRule("OrderUnshipped", TimerQueue.Shipment, TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), Severity.Major);
        var run = new TimerRun(rule);
        run.Feed(orders.Paid("o1", Min(0), shipBy: Min(10)), orders.Paid("o2", Min(1), shipBy: Min(100)));

        run.AdvanceTo(Min(39.9));
        Assert.Empty(run.Changes);

        run.AdvanceTo(Min(40));
        var fired = Assert.Single(run.Changes);
        Assert.Equal("o1 (30m00s)", fired.Annotation("oldest_items"));

        run.Feed(orders.Shipped("o1", Min(41)));
        run.AdvanceTo(Min(42));
        Assert.Equal(AlertChangeKind.Resolved, run.Changes[^1].Kind);
    }

    [Fact]
    public void RevokedShops_AreHandedOverWithoutAResolve()
    {
        var chats = new ChatEvents();
        var run = new TimerRun(ChatRule);
        run.Feed(chats.Customer("c1", Min(0)));
        run.AdvanceTo(Min(31));
        Assert.Single(run.Evaluator.Firing);

        run.Engine.DropSource(0);
        run.AdvanceTo(Min(40));

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.HandedOver], run.Changes.Select(c => c.Kind));
        Assert.Equal(run.Changes[0].Labels, run.Changes[1].Labels);
        Assert.DoesNotContain(run.Points, p => p.TimestampMs > Min(31));
        Assert.Empty(run.Evaluator.Firing);
        Assert.Equal(0, run.Evaluator.Instances);
    }
}

/// <summary>A real engine whose points and boundaries feed an evaluator, in event time.</summary>
internal sealed class TimerRun
{
    public TimerRun(params TimerRule[] timers)
        : this(new AlertRuleSet([], timers))
    {
    }

    public TimerRun(AlertRuleSet rules, EngineOptions? options = null)
    {
        Evaluator = new AlertEvaluator(rules, Changes.Add, Points.Add);
        Engine = new MetricEngine(options ?? new EngineOptions(), point => Evaluator.Observe(point), Evaluator);
    }

    public MetricEngine Engine { get; }

    public AlertEvaluator Evaluator { get; }

    public List<AlertChange> Changes { get; } = [];

    public List<MetricPoint> Points { get; } = [];

    public void Feed(params MonitorEvent[] events)
    {
        foreach (var e in events)
        {
            Engine.Accept(e);
        }
    }

    public void AdvanceTo(long eventTimeMs) => Engine.AdvanceTo(eventTimeMs + 1);
}
