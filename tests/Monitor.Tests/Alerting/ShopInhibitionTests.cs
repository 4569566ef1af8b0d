using Monitor.Alerting;
using Monitor.Core.Alerts;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

/// <summary>
/// Issue 14, part 2: inhibition in the monitor. While a shop's crisis alert is critical, its lesser
/// per-metric alerts are held back and listed inside the crisis alert; what still fires when the
/// crisis eases goes out then, what came and went meanwhile never pages anyone.
/// </summary>
public sealed class ShopInhibitionTests
{
    private const long T0 = 1_762_790_400_000;
    private const string Crisis = "CrisisLevelRaised";

    private readonly ShopInhibition _inhibition = new(ShopInhibition.DefaultRules);
    private readonly List<AlertChange> _sent = [];

    private static long At(int minutes) => T0 + minutes * 60_000L;

    private void Publish(params AlertChange[] changes)
    {
        foreach (var change in changes)
        {
            _sent.AddRange(_inhibition.Filter(change));
        }
    }

    private string[] Sent() => _sent.Select(c => $"{c.Kind} {c.Rule} {c.Label("shop")} {c.Severity.Label()}").ToArray();

    [Fact]
    public void WhileTheCrisisIsCritical_TheShopsLesserAlertsAreHeld_AndListedInsideIt()
    {
        var slow = Fired("s1", Severity.Warning, At(0));
        var backlog = Fired("s1", Severity.Major, At(1), rule: "ChatOldestWaitHigh");
        var crisis = Fired("s1", Severity.Major, At(2), rule: Crisis);
        var other = Fired("s2", Severity.Warning, At(4));
        Publish(slow, crisis, Moved(crisis, Severity.Critical, At(3)), backlog with { AtMs = At(3) }, other, Moved(slow, Severity.Major, At(5)));

        Assert.Equal(
            [
                "Fired ChatFirstResponseSlow s1 warning",
                "Fired CrisisLevelRaised s1 major",
                "Escalated CrisisLevelRaised s1 critical",
                "Fired ChatFirstResponseSlow s2 warning", // another shop: not held
            ],
            Sent());
        Assert.Equal("ChatFirstResponseSlow warning", _sent[2].Annotation(ShopInhibition.HeldAnnotation));
        Assert.Equal(2, _inhibition.Held); // the backlog alert and the escalation of the slow one
    }

    [Fact]
    public void WhenTheCrisisEases_WhatStillFiresGoesOut_AsAFirstFiring_AndWhatCameAndWentNeverDoes()
    {
        var crisis = Fired("s1", Severity.Critical, At(0), rule: Crisis);
        var backlog = Fired("s1", Severity.Major, At(1), rule: "ChatOldestWaitHigh");
        var blip = Fired("s1", Severity.Warning, At(2), rule: "CallServiceLevelLow");
        Publish(crisis, backlog, Moved(backlog, Severity.Warning, At(2)), blip, Resolved(blip, At(3)));
        var sentDuringTheCrisis = Sent();

        Publish(Moved(crisis, Severity.Major, At(10)));

        Assert.Equal(["Fired CrisisLevelRaised s1 critical"], sentDuringTheCrisis);
        Assert.Equal(
            [
                "Fired CrisisLevelRaised s1 critical",
                "Deescalated CrisisLevelRaised s1 major",
                "Fired ChatOldestWaitHigh s1 warning", // its latest state, as a firing: no receiver saw it fire
            ],
            Sent());
        Assert.Null(_sent[2].PreviousLabels);

        Publish(Resolved(backlog, At(20)));
        Assert.Equal("Resolved ChatOldestWaitHigh s1 major", Sent()[^1]);
    }

    [Fact]
    public void AnAlertAlreadySent_ResolvesAsUsual_DuringTheCrisis_AndIsNotSentAgainAfterIt()
    {
        var slow = Fired("s1", Severity.Warning, At(0));
        var crisis = Fired("s1", Severity.Critical, At(1), rule: Crisis);
        Publish(slow, crisis, Resolved(slow, At(2)), Resolved(crisis, At(5)));

        Assert.Equal(
            [
                "Fired ChatFirstResponseSlow s1 warning",
                "Fired CrisisLevelRaised s1 critical",
                "Resolved ChatFirstResponseSlow s1 warning",
                "Resolved CrisisLevelRaised s1 critical",
            ],
            Sent());
    }

    [Fact]
    public void ACriticalAlert_IsNeverHeld_AndAHeldOneThatBecomesCritical_GoesOutAsItsFirstFiring_Once()
    {
        var crisis = Fired("s1", Severity.Critical, At(0), rule: Crisis);
        var slow = Fired("s1", Severity.Warning, At(1));
        Publish(crisis, slow, Moved(slow, Severity.Critical, At(2)), Resolved(crisis, At(3)));

        Assert.Equal(
            [
                "Fired CrisisLevelRaised s1 critical",
                "Fired ChatFirstResponseSlow s1 critical",
                "Resolved CrisisLevelRaised s1 critical",
            ],
            Sent());
    }

    [Fact]
    public void WithoutInhibitingRules_EveryChangeGoesOutAsItCame()
    {
        var inhibition = new ShopInhibition([]);
        var crisis = Fired("s1", Severity.Critical, At(0), rule: Crisis);
        var slow = Fired("s1", Severity.Warning, At(1));

        var sent = new[] { crisis, slow, Resolved(slow, At(2)) }.SelectMany(c => inhibition.Filter(c).ToArray()).ToArray();

        Assert.Equal(3, sent.Length);
        Assert.Equal(0, inhibition.Held);
    }
}
