using System.Reactive.Linq;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Alerts;

public sealed class AlertReplayTests
{
    private static readonly AlertRuleSet Rules = new(
        [
            new ThresholdRule("ChatBacklogOld", Measurements.Backlog, "oldest_wait_seconds", Direction.Above,
                [new AlertLevel(Severity.Warning, 120, 90, TimeSpan.FromSeconds(20)), new AlertLevel(Severity.Critical, 600, 500, TimeSpan.Zero)])
            {
                Filters = new Dictionary<string, IReadOnlyList<string>> { ["queue"] = ["chat"] },
            },
        ],
        [new TimerRule("ChatWaiting30m", TimerQueue.Chat, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2), Severity.Warning) { EscalateAfter = TimeSpan.FromMinutes(9) }]);

    [Fact]
    public void AlertHistory_IsTheSame_ForAnyArrivalOrderWithinTheLateness()
    {
        var events = History();
        var inOrder = Replay(events);
        var random = new Random(7);
        var shuffled = Replay(events.OrderBy(e => e.TimestampMs + random.Next(0, 25_000)).ToList());

        Assert.True(inOrder.Changes.Count >= 10, $"only {inOrder.Changes.Count} changes");
        Assert.Contains(inOrder.Changes, c => c.Kind == AlertChangeKind.Escalated);
        Assert.Contains(inOrder.Changes, c => c.Rule == "ChatWaiting30m" && c.Kind == AlertChangeKind.Reminded);
        Assert.Equal(inOrder.Changes.Select(Describe), shuffled.Changes.Select(Describe));
        Assert.Equal(inOrder.AlertPoints, shuffled.AlertPoints);

        // One alerts point per change, plus a firing=0 point for the old severity on each level change.
        Assert.Equal(inOrder.Changes.Count + inOrder.Changes.Count(c => c.PreviousSeverity is not null), inOrder.AlertPoints.Count);
    }

    [Fact]
    public void RestartRebuild_FromTheLookBack_NotifiesTheRebuiltStateOnce()
    {
        // A restart at 40 min re-reads the 20 minutes before it as a rebuild.
        var restartMs = ChatEvents.At(40 * 60);
        var window = History().Where(e => e.TimestampMs >= restartMs - (20 * 60_000) && e.TimestampMs < restartMs).ToList();

        var plain = new List<AlertChange>();
        window.ToObservable().Select(e => PipelineInput.Of(e))
            .ToMetricPoints(new EngineOptions(), new PipelineHooks { AlertChanged = plain.Add }, Rules).Subscribe(_ => { });
        var rebuilt = new List<AlertChange>();
        window.Select(e => PipelineInput.Of(e)).Prepend(PipelineInput.SourceRebuilding(0)).Append(PipelineInput.SourceRebuilt(0)).ToObservable()
            .ToMetricPoints(new EngineOptions(), new PipelineHooks { AlertChanged = rebuilt.Add }, Rules).Subscribe(_ => { });

        // Without the gate every step of the rebuild would be notified again; with it, each
        // instance once, in its final state (firing, or resolved meanwhile).
        Assert.True(plain.Count > rebuilt.Count, $"{plain.Count} changes without the gate, {rebuilt.Count} with it");
        Assert.Equal(rebuilt.Count, rebuilt.Select(c => c.InstanceKey).Distinct().Count());
        Assert.Equal(
            plain.GroupBy(c => c.InstanceKey).Select(g => Describe(g.Last())).Order(StringComparer.Ordinal),
            rebuilt.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Contains(rebuilt, c => c.IsFiring);
    }

    private static (List<AlertChange> Changes, List<string> AlertPoints) Replay(IReadOnlyList<MonitorEvent> events)
    {
        var changes = new List<AlertChange>();
        var points = new List<string>();
        events.ToObservable()
            .Select(e => PipelineInput.Of(e))
            .ToMetricPoints(new EngineOptions(), new PipelineHooks { AlertChanged = changes.Add }, Rules)
            .Subscribe(batch => points.AddRange(batch.Where(p => p.Measurement == AlertEvaluator.Measurement).Select(p => p.Describe())));
        return (changes, points);
    }

    /// <summary>Three shops over 40 minutes: conversations answered after growing delays, some never.</summary>
    private static List<MonitorEvent> History()
    {
        var chats = new ChatEvents();
        var events = new List<MonitorEvent>();
        var random = new Random(3);
        for (var i = 0; i < 240; i++)
        {
            var shop = $"s{i % 3}";
            var start = ChatEvents.At(i * 10);
            var delaySeconds = i % 3 == 0 ? 30 + (i * 4) : random.Next(5, 200);
            events.Add(chats.Customer($"c{i}", start, shop: shop));
            if (i % 17 != 0)
            {
                events.Add(chats.Agent($"c{i}", start + (delaySeconds * 1000L), shop: shop));
            }
        }

        return events.OrderBy(e => e.TimestampMs).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
    }

    private static string Describe(AlertChange c) =>
        $"{c.AtMs} {c.Kind} {c.InstanceKey} {c.Severity} {c.Value:R} {string.Join(",", c.Annotations.Select(a => $"{a.Key}={a.Value}"))}";
}
