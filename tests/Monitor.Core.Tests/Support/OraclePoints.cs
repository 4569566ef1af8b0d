using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Core.Tests.Support;

/// <summary>Compares an oracle's points with the engine's: same series and timestamps, same fields, same values.</summary>
internal static class OraclePoints
{
    /// <summary>The events of a generated history in the order they arrive: sorted by their arrival keys (event time plus a delay within the lateness), stable for equal keys.</summary>
    public static IEnumerable<MonitorEvent> InArrivalOrder(MonitorEvent[] events, long[] arrivalKeys) =>
        events.Select((e, i) => (e, Key: arrivalKeys[i])).OrderBy(x => x.Key).Select(x => x.e);

    /// <summary>Feeds events in arrival order (none may be late), flushes, and returns every point emitted.</summary>
    public static List<MetricPoint> Run(EngineOptions options, IEnumerable<MonitorEvent> arrival)
    {
        var points = new List<MetricPoint>();
        var engine = new MetricEngine(options, points.Add);
        foreach (var e in arrival)
        {
            Assert.True(engine.Accept(e), $"{e} arrived late although displaced by at most the lateness");
        }

        engine.Flush();
        return points;
    }

    /// <summary>Identity of a point: timestamp, measurement and tags.</summary>
    public static string Key(MetricPoint p) => $"{p.TimestampMs} {p.Measurement},{string.Join(',', p.Tags.Select(t => $"{t.Key}={t.Value}"))}";

    /// <summary>Every expected point emitted exactly once, nothing more; values equal (a mean within 1e-9 relative, summation order aside).</summary>
    public static void AssertSame(IReadOnlyDictionary<string, MetricPoint> expected, IEnumerable<MetricPoint> actualPoints)
    {
        var actual = new Dictionary<string, MetricPoint>();
        foreach (var point in actualPoints)
        {
            Assert.True(actual.TryAdd(Key(point), point), $"point emitted twice: {point.Describe()}");
        }

        var missing = expected.Keys.Except(actual.Keys).Order().Take(5).ToList();
        var extra = actual.Keys.Except(expected.Keys).Order().Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"missing: [{string.Join("; ", missing)}] extra: [{string.Join("; ", extra)}]");

        foreach (var (key, want) in expected)
        {
            var got = actual[key];
            Assert.True(want.Tags.SequenceEqual(got.Tags), $"tags differ: want {want.Describe()} got {got.Describe()}");
            Assert.True(want.Fields.Select(f => (f.Key, f.Kind)).SequenceEqual(got.Fields.Select(f => (f.Key, f.Kind))), $"fields differ: want {want.Describe()} got {got.Describe()}");
            for (var i = 0; i < want.Fields.Count; i++)
            {
                var (w, g) = (want.Fields[i].Value, got.Fields[i].Value);
                var close = want.Fields[i].Key == "mean" ? Math.Abs(w - g) <= 1e-9 * Math.Max(1, Math.Abs(w)) : w.Equals(g);
                Assert.True(close, $"{want.Fields[i].Key} differs: want {want.Describe()} got {got.Describe()}");
            }
        }
    }
}
