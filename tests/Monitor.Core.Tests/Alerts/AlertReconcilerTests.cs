using Monitor.Core.Alerts;

namespace Monitor.Core.Tests.Alerts;

public sealed class AlertReconcilerTests
{
    private const long Step = 10_000;
    private readonly List<AlertChange> _delivered = [];
    private readonly AlertReconciler _reconciler;

    public AlertReconcilerTests()
    {
        _reconciler = new AlertReconciler(Step, _delivered.Add);
    }

    [Fact]
    public void EarlyFire_ThenFinalConfirmation_NotifiesOnce()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnFinalWatermark(0);
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 10_000));

        var fired = Assert.Single(_delivered);
        Assert.Equal((AlertChangeKind.Fired, 1_000L), (fired.Kind, fired.AtMs));
        Assert.Equal(1, _reconciler.Firing);
    }

    [Fact]
    public void EarlyResolve_WaitsUntilTheFinalViewJudgedItsTime()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Resolved, Severity.Warning, at: 3_000));
        _reconciler.OnFinalWatermark(12_000);
        Assert.Single(_delivered);

        _reconciler.OnFinalWatermark(13_000);
        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], _delivered.Select(c => c.Kind));
        Assert.Equal(3_000, _delivered[1].AtMs);
        Assert.Equal(0, _reconciler.Firing);
    }

    [Fact]
    public void BlipSeenByBothViews_IsOneAlert()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Resolved, Severity.Warning, at: 3_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 10_000));
        _reconciler.OnFinalWatermark(40_000);
        Assert.Single(_delivered);

        _reconciler.OnFinal(Change(AlertChangeKind.Resolved, Severity.Warning, at: 20_000));
        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], _delivered.Select(c => c.Kind));
        Assert.Equal(20_000, _delivered[1].AtMs);
    }

    [Fact]
    public void TheHigherSeverityOfTheTwoViews_IsNotified()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Critical, at: 10_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Escalated, Severity.Critical, at: 11_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Deescalated, Severity.Warning, at: 20_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Deescalated, Severity.Warning, at: 21_000));
        Assert.Equal(2, _delivered.Count);

        // The early de-escalation waits until the final view has judged its time.
        _reconciler.OnFinalWatermark(31_000);
        Assert.Equal(
            [(AlertChangeKind.Fired, Severity.Warning), (AlertChangeKind.Escalated, Severity.Critical), (AlertChangeKind.Deescalated, Severity.Warning)],
            _delivered.Select(c => (c.Kind, c.Severity)));
        Assert.Equal(Severity.Warning, _delivered[1].PreviousSeverity);
        Assert.Equal(["severity=warning"], _delivered[1].PreviousLabels!.Select(l => $"{l.Key}={l.Value}"));
        Assert.All(_delivered, c => Assert.Equal(1_000, c.StartsAtMs));
    }

    [Fact]
    public void FinalResolve_WithTheEarlyViewClear_GoesOutAtOnce()
    {
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Major, at: 10_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Resolved, Severity.Major, at: 20_000));

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], _delivered.Select(c => c.Kind));
        Assert.Equal(Severity.Major, _delivered[1].Severity);
    }

    [Fact]
    public void Reminders_ComeFromTheLeadingViewOnly()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 10_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Reminded, Severity.Warning, at: 901_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Reminded, Severity.Warning, at: 910_000));

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Reminded], _delivered.Select(c => c.Kind));
        Assert.Equal(901_000, _delivered[1].AtMs);
    }

    [Fact]
    public void HandOver_ForgetsTheInstanceOnce_WithoutAResolve()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 10_000));
        _reconciler.OnEarly(Change(AlertChangeKind.HandedOver, Severity.Warning, at: 12_000));
        _reconciler.OnFinal(Change(AlertChangeKind.HandedOver, Severity.Warning, at: 12_000));
        _reconciler.OnFinalWatermark(100_000);

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.HandedOver], _delivered.Select(c => c.Kind));
        Assert.Equal(0, _reconciler.Firing);
    }

    [Fact]
    public void ShortCriticalBlip_SeenLaterByTheFinalView_EscalatesOnce()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Escalated, Severity.Critical, at: 2_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Deescalated, Severity.Warning, at: 3_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 10_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Escalated, Severity.Critical, at: 10_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Deescalated, Severity.Warning, at: 20_000));
        _reconciler.OnFinalWatermark(30_000);

        Assert.Equal(
            [(AlertChangeKind.Fired, Severity.Warning), (AlertChangeKind.Escalated, Severity.Critical), (AlertChangeKind.Deescalated, Severity.Warning)],
            _delivered.Select(c => (c.Kind, c.Severity)));
    }

    [Fact]
    public void SwingingValue_AnOlderFinalResolve_DoesNotReleaseANewerEarlyOne()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 100_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Resolved, Severity.Warning, at: 130_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 160_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Resolved, Severity.Warning, at: 170_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 100_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Resolved, Severity.Warning, at: 130_000));
        _reconciler.OnFinalWatermark(150_000);
        _reconciler.OnFinal(Change(AlertChangeKind.Fired, Severity.Warning, at: 160_000));
        _reconciler.OnFinal(Change(AlertChangeKind.Resolved, Severity.Warning, at: 170_000));
        Assert.Single(_delivered);

        _reconciler.OnFinalWatermark(180_000);
        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.Resolved], _delivered.Select(c => c.Kind));
    }

    [Fact]
    public void HandOver_OfAShop_AlsoDropsAResolveStillWaiting()
    {
        _reconciler.OnEarly(Change(AlertChangeKind.Fired, Severity.Warning, at: 1_000));
        _reconciler.OnEarly(Change(AlertChangeKind.Resolved, Severity.Warning, at: 3_000));
        _reconciler.HandOver(["s1"], 4_000);
        _reconciler.OnFinalWatermark(100_000);

        Assert.Equal([AlertChangeKind.Fired, AlertChangeKind.HandedOver], _delivered.Select(c => c.Kind));
    }

    private static AlertChange Change(AlertChangeKind kind, Severity severity, long at) =>
        new(kind, "Rule", "Rule{shop=s1}", severity, [new("severity", severity.Label())], [], 1, 1, at, at) { GroupTags = [new("shop", "s1")] };
}
