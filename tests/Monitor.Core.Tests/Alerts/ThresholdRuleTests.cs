using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Alerts;

public sealed class ThresholdRuleTests
{
    private static readonly long T0 = ChatEvents.T0;

    private static ThresholdRule P90Rule(TimeSpan? @for = null) => new(
        "ChatFirstResponseSlow",
        Measurements.ResponseTime,
        "p90",
        Direction.Above,
        [
            new AlertLevel(Severity.Warning, 60, 45, @for ?? TimeSpan.Zero),
            new AlertLevel(Severity.Critical, 300, 240, @for ?? TimeSpan.Zero) { Labels = new Dictionary<string, string> { ["team"] = "cs-leads" } },
        ])
    {
        Filters = new Dictionary<string, IReadOnlyList<string>> { ["channel"] = ["chat"], ["kind"] = ["first"] },
        MinSamples = new MinSamples("count", 5),
        Unit = ValueUnit.Seconds,
        Labels = new Dictionary<string, string> { ["team"] = "chat" },
        Text = new AlertText("p90 {{value}} in {{shop}} over {{threshold}}", "{{severity}} for team {{team}}", "https://example.test/runbook#chatfirstresponseslow"),
        Panel = "service-monitor-war-room/2",
    };

    private static MetricPoint P90(double seconds, double secondsAfterT0, string shop = "s1", long count = 10, string kind = "first") => new(
        Measurements.ResponseTime,
        [new("channel", "chat"), new("kind", kind), new("responder", "agent"), new("shop", shop)],
        [MetricField.Int("count", count), MetricField.Float("p90", seconds)],
        T0 + (long)(secondsAfterT0 * 1000));

    [Fact]
    public void Fires_OnlyOnceTheConditionHeldFor()
    {
        var run = new EvaluatorRun(P90Rule(TimeSpan.FromSeconds(30)));

        run.Observe(P90(70, 0), P90(70, 10), P90(70, 20));
        Assert.Empty(run.Changes);

        run.Observe(P90(70, 30));
        var fired = Assert.Single(run.Changes);
        Assert.Equal(AlertChangeKind.Fired, fired.Kind);
        Assert.Equal(Severity.Warning, fired.Severity);
        Assert.Equal(T0 + 30_000, fired.StartsAtMs);
        Assert.Equal(70, fired.Value);
        Assert.Equal(60, fired.Threshold);
    }

    [Fact]
    public void ConditionBrokenBeforeFor_RestartsTheHold()
    {
        var run = new EvaluatorRun(P90Rule(TimeSpan.FromSeconds(30)));

        run.Observe(P90(70, 0), P90(70, 10), P90(70, 20), P90(50, 30), P90(70, 40), P90(70, 50), P90(70, 60));
        Assert.Empty(run.Changes);

        run.Observe(P90(70, 70));
        Assert.Equal(T0 + 70_000, Assert.Single(run.Changes).AtMs);
    }

    [Fact]
    public void Hysteresis_HoldsTheLevelUntilTheValueIsBelowClear()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(61, 0), P90(50, 10), P90(45, 20), P90(59, 30));
        Assert.Equal([AlertChangeKind.Fired], run.Kinds);

        run.Observe(P90(44.9, 40));
        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], run.Kinds);
        Assert.Equal(Severity.Warning, run.Changes[^1].Severity);
        Assert.Empty(run.Evaluator.Firing);
    }

    [Fact]
    public void FlappingAroundTheThreshold_NotifiesOnce()
    {
        var run = new EvaluatorRun(P90Rule());
        for (var i = 0; i < 60; i++)
        {
            run.Observe(P90(i % 2 == 0 ? 61 : 55, i * 10));
        }

        Assert.Equal([AlertChangeKind.Fired], run.Kinds);
    }

    [Fact]
    public void FlappingShorterThanFor_NeverFires()
    {
        var run = new EvaluatorRun(P90Rule(TimeSpan.FromSeconds(20)));
        for (var i = 0; i < 60; i++)
        {
            run.Observe(P90(i % 3 == 2 ? 30 : 400, i * 10));
        }

        Assert.Empty(run.Changes);
    }

    [Fact]
    public void LevelUpAndDown_ReNotifiesWithThePreviousLabels()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(100, 0), P90(350, 10), P90(250, 20), P90(200, 30), P90(10, 40));

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Escalated, AlertChangeKind.Deescalated, AlertChangeKind.Resolved], run.Kinds);
        var escalated = run.Changes[1];
        Assert.Equal(Severity.Critical, escalated.Severity);
        Assert.Equal(Severity.Warning, escalated.PreviousSeverity);
        Assert.Equal("cs-leads", escalated.Label("team"));
        Assert.Equal("chat", escalated.PreviousLabels!.Single(l => l.Key == "team").Value);
        Assert.Equal(T0, escalated.StartsAtMs);

        // 250 is above critical's clear (240): still critical; 200 drops to warning.
        Assert.Equal(T0 + 30_000, run.Changes[2].AtMs);
        Assert.Equal(Severity.Warning, run.Changes[2].Severity);
        Assert.Equal(T0 + 40_000, run.Changes[3].AtMs);
    }

    [Fact]
    public void DirectionBelow_FiresWhenTheValueFalls()
    {
        var rule = new ThresholdRule("ShipOnTimeLow", Measurements.Shipping, "on_time_ratio", Direction.Below, [new AlertLevel(Severity.Major, 0.9, 0.95, TimeSpan.Zero)])
        {
            MinSamples = new MinSamples("due", 20),
            Unit = ValueUnit.Ratio,
            Text = new AlertText("on-time {{value}} under {{threshold}}", "", null),
        };
        var run = new EvaluatorRun(rule);
        MetricPoint Ratio(double ratio, double at, long due = 50) =>
            new(Measurements.Shipping, [new("shop", "s1")], [MetricField.Int("due", due), MetricField.Float("on_time_ratio", ratio)], T0 + (long)(at * 1000));

        run.Observe(Ratio(0.95, 0), Ratio(0.5, 10, due: 3), Ratio(0.89, 20), Ratio(0.93, 30), Ratio(0.96, 40));

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], run.Kinds);
        Assert.Equal("on-time 89% under 90%", run.Changes[0].Annotation("summary"));
        Assert.Equal(T0 + 40_000, run.Changes[1].AtMs);
    }

    [Fact]
    public void TooFewSamples_AreNotJudged()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(900, 0, count: 4), P90(900, 10, count: 1));
        Assert.Empty(run.Changes);

        run.Observe(P90(900, 20, count: 5));
        Assert.Equal(Severity.Critical, Assert.Single(run.Changes).Severity);
    }

    [Fact]
    public void TooFewSamples_InTheMiddle_RestartFor()
    {
        var run = new EvaluatorRun(P90Rule(TimeSpan.FromSeconds(20)));

        run.Observe(P90(100, 0), P90(100, 10, count: 2), P90(100, 20), P90(100, 30));
        Assert.Empty(run.Changes);

        run.Observe(P90(100, 40));
        Assert.Equal(T0 + 40_000, Assert.Single(run.Changes).AtMs);
    }

    [Fact]
    public void NoJudgedPointForNoDataAfter_Resolves()
    {
        var run = new EvaluatorRun(P90Rule() with { NoDataAfter = TimeSpan.FromMinutes(1) });
        run.Observe(P90(100, 0));
        for (var b = 10; b <= 60; b += 10)
        {
            run.Boundary(b);
        }

        Assert.Equal([AlertChangeKind.Fired], run.Kinds);

        run.Observe(P90(100, 70, count: 1));
        run.Boundary(70);
        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], run.Kinds);
        Assert.Equal(T0 + 70_000, run.Changes[1].AtMs);
        Assert.Equal(0, run.Evaluator.Instances);
    }

    [Fact]
    public void Filters_And_GroupBy_GiveOneInstancePerShop()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(100, 0, shop: "s1"), P90(100, 0, shop: "s2"), P90(100, 0, shop: "s3", kind: "reply"), P90(100, 10, shop: "s1"));

        Assert.Equal(["s1", "s2"], run.Changes.Select(c => c.Label("shop")));
        Assert.Equal(2, run.Evaluator.Firing.Count);
        Assert.NotEqual(run.Changes[0].InstanceKey, run.Changes[1].InstanceKey);
    }

    [Fact]
    public void Change_CarriesStableLabelsAndRenderedAnnotations()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(125, 0, shop: "tmall-042"));

        var change = Assert.Single(run.Changes);
        Assert.Equal(
            ["alertname=ChatFirstResponseSlow", "service=service-monitor", "severity=warning", "shop=tmall-042", "team=chat"],
            change.Labels.Select(l => $"{l.Key}={l.Value}"));
        Assert.Equal("p90 2m05s in tmall-042 over 1m00s", change.Annotation("summary"));
        Assert.Equal("warning for team chat", change.Annotation("description"));
        Assert.Equal("https://example.test/runbook#chatfirstresponseslow", change.Annotation("runbook_url"));
        Assert.Equal("2m05s", change.Annotation("value"));
        Assert.Equal("service-monitor-war-room/2", change.Panel);
    }

    [Fact]
    public void SeveralSeriesOfOneInstance_AreCombinedPerBoundary()
    {
        var rule = new ThresholdRule("ComplaintCategorySurge", Measurements.ComplaintKeywords, "hits", Direction.Above, [new AlertLevel(Severity.Warning, 20, 20, TimeSpan.Zero)])
        {
            GroupBy = ["shop", "category"],
        };
        var run = new EvaluatorRun(rule);
        MetricPoint Hits(string keyword, long hits, double at) => new(
            Measurements.ComplaintKeywords,
            [new("category", "quality"), new("channel", "chat"), new("keyword", keyword), new("shop", "s1")],
            [MetricField.Int("hits", hits)],
            T0 + (long)(at * 1000));

        // 8 + 7 = 15 hits: under 20, even though the points come one by one.
        run.Observe(Hits("broken", 8, 0), Hits("fake", 7, 0));
        Assert.Empty(run.Changes);

        run.Observe(Hits("broken", 12, 10), Hits("fake", 9, 10), Hits("refund", 1, 10));
        var fired = Assert.Single(run.Changes);
        Assert.Equal(22, fired.Value);
        Assert.Equal(["category=quality", "shop=s1"], fired.GroupTags.Select(t => $"{t.Key}={t.Value}"));
    }

    [Fact]
    public void StateChanges_BecomeAlertsPoints()
    {
        var run = new EvaluatorRun(P90Rule());

        run.Observe(P90(100, 0), P90(400, 10), P90(10, 20));

        Assert.Equal(
            [
                "alerts,rule=ChatFirstResponseSlow,severity=warning,shop=s1 firing=1i,value=100,threshold=60 " + T0,
                "alerts,rule=ChatFirstResponseSlow,severity=warning,shop=s1 firing=0i,value=400,threshold=300 " + (T0 + 10_000),
                "alerts,rule=ChatFirstResponseSlow,severity=critical,shop=s1 firing=1i,value=400,threshold=300 " + (T0 + 10_000),
                "alerts,rule=ChatFirstResponseSlow,severity=critical,shop=s1 firing=0i,value=10,threshold=300 " + (T0 + 20_000),
            ],
            run.Points.Select(p => p.Describe()));
    }
}

/// <summary>An evaluator with its changes and points recorded; boundaries see no open items.</summary>
internal sealed class EvaluatorRun
{
    public EvaluatorRun(params ThresholdRule[] rules)
        : this(new AlertRuleSet(rules, []))
    {
    }

    public EvaluatorRun(AlertRuleSet rules)
    {
        Evaluator = new AlertEvaluator(rules, Changes.Add, Points.Add);
    }

    public AlertEvaluator Evaluator { get; }

    public List<AlertChange> Changes { get; } = [];

    public List<MetricPoint> Points { get; } = [];

    public AlertChangeKind[] Kinds => Changes.Select(c => c.Kind).ToArray();

    /// <summary>Observes the points, closing each boundary after its last point (as the engine does).</summary>
    public void Observe(params MetricPoint[] points)
    {
        for (var i = 0; i < points.Length; i++)
        {
            Evaluator.Observe(points[i]);
            if (i == points.Length - 1 || points[i + 1].TimestampMs != points[i].TimestampMs)
            {
                Evaluator.OnBoundary(points[i].TimestampMs, NoOpenItems.Instance);
            }
        }
    }

    public void Boundary(double secondsAfterT0) => Evaluator.OnBoundary(ChatEvents.At(secondsAfterT0), NoOpenItems.Instance);
}
