using Monitor.Alerting;
using Monitor.Core.Alerts;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

/// <summary>Issue 14, part 2: the noise report of <c>monitor replay --rules</c>.</summary>
public sealed class NoiseReportTests
{
    private static readonly long T0 = new DateTimeOffset(2025, 11, 11, 20, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long At(int minutes) => T0 + minutes * 60_000L;

    private static AlertChange Grouped(AlertChange change) =>
        change with { GroupTags = [KeyValuePair.Create("shop", change.Label("shop")!)] };

    /// <summary>
    /// s1 fires at 20:05, resolves at 20:08 and fires again at 20:13 (a flap), resolves at 20:25 and
    /// fires again at 20:36 (11 min: not a flap); s2 fires at 20:30, escalates, and still fires at
    /// 22:00; s3's alert is handed over (not a notification).
    /// </summary>
    private static NoiseReport History()
    {
        var report = new NoiseReport();
        var s1 = Grouped(Fired("s1", Severity.Warning, At(5)));
        var s2 = Grouped(Fired("s2", Severity.Warning, At(30), rule: "ChatBacklogHigh"));
        var s3 = Grouped(Fired("s3", Severity.Info, At(1)));
        foreach (var change in new[]
        {
            s3,
            s1,
            Resolved(s1, At(8)),
            s1 with { AtMs = At(13), StartsAtMs = At(13) },
            Resolved(s1, At(25)),
            s2,
            s1 with { AtMs = At(36), StartsAtMs = At(36) },
            Moved(s2, Severity.Critical, At(40)),
            s3 with { Kind = AlertChangeKind.HandedOver, AtMs = At(50) },
            Resolved(s1, At(70)),
        })
        {
            report.Add(change);
        }

        return report;
    }

    [Fact]
    public void Notifications_AreEveryChangeButAHandOver_CountedPerShopHour()
    {
        var report = History();

        Assert.Equal(9, report.Notifications);
        Assert.Equal(
            [("s1", DateTimeOffset.FromUnixTimeMilliseconds(T0), 5), ("s2", DateTimeOffset.FromUnixTimeMilliseconds(T0), 2), ("s1", DateTimeOffset.FromUnixTimeMilliseconds(At(60)), 1)],
            report.BusiestShopHours(3));
        Assert.Equal(9 / (3 * 2.0), report.PerShopHour(shops: 3, At(0), At(120)), 9);
    }

    [Fact]
    public void AFireWithinTenMinutesOfTheSameInstancesResolve_IsAFlap_ElevenMinutesIsNot()
    {
        var report = History();

        Assert.Equal(1, report.Flaps);
        Assert.Equal(new Dictionary<string, int> { ["ChatFirstResponseSlow"] = 1 }, report.FlapsByRule);
    }

    [Fact]
    public void LongestFiring_CountsAnAlertStillFiring_UpToTheEnd_WithItsWorstSeverity_AndAHandedOverOneUntilItsHandOver()
    {
        var longest = History().LongestFiring(3, endMs: At(120));

        Assert.Equal(("ChatBacklogHigh{shop=s2}", Severity.Critical, TimeSpan.FromMinutes(90), true), (longest[0].Instance, longest[0].Worst, longest[0].Firing, longest[0].StillFiring));
        Assert.Equal(("ChatFirstResponseSlow{shop=s3}", TimeSpan.FromMinutes(49), false), (longest[1].Instance, longest[1].Firing, longest[1].StillFiring)); // until handed over
        Assert.Equal(("ChatFirstResponseSlow{shop=s1}", TimeSpan.FromMinutes(34), false), (longest[2].Instance, longest[2].Firing, longest[2].StillFiring));
    }

    [Fact]
    public void Write_SaysItInLinesATeamCanTuneBy()
    {
        var output = new StringWriter();

        History().Write(output, shops: 3, At(0), At(120));

        var text = output.ToString();
        Assert.Contains("notifications: 9 over 3 shops and 2h00m of event time: 1.5 per shop-hour", text, StringComparison.Ordinal);
        Assert.Matches(@"s1 +2025-11-11 20:00Z +5 notifications", text);
        Assert.Contains("flaps (fired again within 10 min of resolving): 1", text, StringComparison.Ordinal);
        Assert.Matches(@"ChatBacklogHigh\{shop=s2\} +critical +1h30m from 2025-11-11 20:30:00Z, still firing at the end", text);
    }

    [Fact]
    public void WithInhibition_ItSaysHowManyTheReceiversWouldStillGet()
    {
        var report = new NoiseReport(new ShopInhibition(ShopInhibition.DefaultRules));
        var crisis = Grouped(Fired("s1", Severity.Critical, At(0), rule: "CrisisLevelRaised"));
        var slow = Grouped(Fired("s1", Severity.Warning, At(1)));
        foreach (var change in new[] { crisis, slow, Resolved(slow, At(2)), Resolved(crisis, At(3)) })
        {
            report.Add(change);
        }

        var output = new StringWriter();
        report.Write(output, shops: 1, At(0), At(60));

        Assert.Equal(4, report.Notifications);
        Assert.Equal(2, report.AfterInhibition); // the crisis fired and resolved; the warning came and went behind it
        Assert.Contains("after inhibition (a shop's critical crisis alert holds its lesser ones): 2 sent, 2 held back", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WithoutNotifications_SaysSo()
    {
        var output = new StringWriter();

        new NoiseReport().Write(output, shops: 30, null, null);

        Assert.Equal($"noise report (what the receivers would have been sent):{Environment.NewLine}  notifications: 0{Environment.NewLine}", output.ToString());
    }
}

/// <summary>The alert history that <c>monitor replay --rules</c> prints before the noise report.</summary>
public sealed class AlertHistoryWriterTests
{
    [Fact]
    public void Summary_NamesEachRulesWorstSeverity()
    {
        // Before, the worst severity was compared with "none yet" as a lifted null comparison, which is never true: every rule read "worst -".
        var output = new StringWriter();
        var writer = new AlertHistoryWriter(output);
        var fired = Fired("s1", Severity.Warning, 1_762_000_000_000);
        writer.Write(fired);
        writer.Write(Moved(fired, Severity.Critical, fired.AtMs + 60_000));
        writer.Write(Resolved(fired, fired.AtMs + 120_000));

        writer.WriteSummary();

        Assert.Matches(@"ChatFirstResponseSlow +fired +1 +level changes +1 +reminders +0 +worst critical +firing 2m", output.ToString());
    }
}
