using System.Diagnostics;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Bench;

/// <summary>
/// Evaluator cost per metric point (issue 4): threshold rules over enough shops to hold the asked
/// number of rule instances, fed boundary after boundary of points whose values wander across the
/// thresholds (so levels change, fire and resolve). Reported as ns per point, beside a baseline
/// that only finds each point's field, so the ratio is stable on a noisy machine.
/// </summary>
internal static class AlertBench
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 11, 14, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static void Run(int instances, int rounds)
    {
        var rules = Rules();
        var shops = Math.Max(1, instances / rules.Thresholds.Count);
        const int Boundaries = 60;
        var points = Points(shops, Boundaries);
        Console.WriteLine($"bench: alert evaluator, {rules.Thresholds.Count} rules x {shops:N0} shops = {rules.Thresholds.Count * shops:N0} rule instances, {points.Length:N0} points over {Boundaries} boundaries");

        long changes = 0;
        var baseline = Best(rounds, () =>
        {
            double sum = 0;
            foreach (var point in points)
            {
                sum += point.Fields[^1].Value;
            }

            return (long)sum;
        });
        var evaluate = Best(rounds, () =>
        {
            changes = 0;
            var evaluator = new AlertEvaluator(rules, _ => changes++);
            for (var i = 0; i < points.Length; i++)
            {
                evaluator.Observe(points[i]);
                if (i == points.Length - 1 || points[i + 1].TimestampMs != points[i].TimestampMs)
                {
                    evaluator.OnBoundary(points[i].TimestampMs, NoOpenItems.Instance);
                }
            }

            return changes;
        });
        Console.WriteLine($"bench: baseline (read the field)  {baseline.TotalNanoseconds / points.Length,8:N1} ns/point");
        Console.WriteLine($"bench: evaluator                  {evaluate.TotalNanoseconds / points.Length,8:N1} ns/point, {changes:N0} state changes");
        Console.WriteLine($"bench: evaluator/baseline cost ratio {evaluate.TotalNanoseconds / baseline.TotalNanoseconds:N1}");
    }

    private static TimeSpan Best(int rounds, Func<long> body)
    {
        body();
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            body();
            best = clock.Elapsed < best ? clock.Elapsed : best;
        }

        return best;
    }

    private static AlertRuleSet Rules()
    {
        ThresholdRule Rule(string name, string measurement, string field, Direction direction, double warning, double critical, Dictionary<string, IReadOnlyList<string>>? where = null) =>
            new(name, measurement, field, direction,
                [new AlertLevel(Severity.Warning, warning, warning, TimeSpan.FromSeconds(30)), new AlertLevel(Severity.Critical, critical, critical, TimeSpan.Zero)])
            {
                Filters = where ?? [],
                Text = new AlertText("{{rule}} {{value}} in {{shop}}", "over {{threshold}}", null),
            };

        return new AlertRuleSet(
            [
                Rule("ChatBacklogOld", Measurements.Backlog, "oldest_wait_seconds", Direction.Above, 300, 900, new() { ["queue"] = ["chat"] }),
                Rule("RefundBacklog", Measurements.Backlog, "waiting", Direction.Above, 2000, 5000, new() { ["queue"] = ["refund"] }),
                Rule("ChatFirstResponseSlow", Measurements.ResponseTime, "p90", Direction.Above, 60, 300, new() { ["kind"] = ["first"] }),
                Rule("ShipOnTimeLow", Measurements.Shipping, "on_time_ratio", Direction.Below, 0.9, 0.7),
                Rule("CrisisLevel", Measurements.Crisis, "cq", Direction.Above, 1.0, 1.5),
            ],
            []);
    }

    /// <summary>Each shop's series, boundary by boundary; values drift slowly across the thresholds.</summary>
    private static MetricPoint[] Points(int shops, int boundaries)
    {
        var random = new Random(11);
        var points = new List<MetricPoint>(shops * boundaries * 6);
        var level = new double[shops];
        for (var b = 0; b < boundaries; b++)
        {
            var at = T0 + (b * 10_000L);
            for (var s = 0; s < shops; s++)
            {
                level[s] = Math.Clamp(level[s] + ((random.NextDouble() - 0.5) * 0.4), 0, 2);
                var x = level[s];
                var shop = $"shop-{s:D5}";
                points.Add(new(Measurements.Backlog, [new("queue", "chat"), new("shop", shop)], [MetricField.Int("waiting", (long)(x * 50)), MetricField.Float("oldest_wait_seconds", x * 600)], at));
                points.Add(new(Measurements.Backlog, [new("queue", "refund"), new("shop", shop)], [MetricField.Int("waiting", (long)(x * 2500)), MetricField.Float("oldest_wait_seconds", x * 3600)], at));
                points.Add(new(Measurements.Backlog, [new("queue", "call"), new("shop", shop)], [MetricField.Int("waiting", (long)(x * 10)), MetricField.Float("oldest_wait_seconds", x * 60)], at));
                points.Add(new(Measurements.ResponseTime, [new("channel", "chat"), new("kind", "first"), new("responder", "agent"), new("shop", shop)], [MetricField.Int("count", 40), MetricField.Float("p90", x * 150)], at));
                points.Add(new(Measurements.Shipping, [new("shop", shop)], [MetricField.Int("due", 100), MetricField.Float("on_time_ratio", 1 - (x * 0.15))], at));
                points.Add(new(Measurements.Crisis, [new("shop", shop)], [MetricField.Int("level", (long)x), MetricField.Float("cq", x)], at));
            }
        }

        return points.ToArray();
    }
}
