using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Calls;

/// <summary>
/// The calls family through the whole engine, checked against a brute-force oracle written from
/// the rule text (DESIGN §4 and docs/metrics.md, "call_answer, call_handle and the call backlog"),
/// not from the implementation.
/// </summary>
public sealed class CallOracleTests
{
    /// <summary>
    /// Random call histories of a few shops, delivered out of order within the lateness, give
    /// exactly the call_answer, call_handle and backlog(queue=call) points the oracle computes.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Engine_MatchesBruteForceOracle_OnRandomCallHistories() =>
        Prop.ForAll(Arb.From(CallHistoryCase.Generator), history =>
        {
            var points = OraclePoints.Run(history.Options, history.Arrival());
            OraclePoints.AssertSame(new CallOracle(history.Options).Points(history.Calls), points.Where(IsCallPoint));
        });

    /// <summary>The same comparison on one fixed, dense history, so a regression is found without relying on random draws.</summary>
    [Fact]
    public void Engine_MatchesBruteForceOracle_OnADenseFixedHistory()
    {
        var random = new Random(11);
        var calls = Enumerable.Range(0, 400).Select(i => RandomCall(random, i)).ToArray();
        var events = CallHistoryCase.Build(calls);
        var arrivalKeys = events.Select(e => e.TimestampMs + random.Next(0, 30_001)).ToArray();
        var points = new List<MetricPoint>();
        var engine = new MetricEngine(CallHistoryCase.BaseOptions, points.Add);
        foreach (var e in events.Select((e, i) => (e, Key: arrivalKeys[i])).OrderBy(x => x.Key).Select(x => x.e))
        {
            Assert.True(engine.Accept(e), $"{e} arrived late although displaced by at most the lateness");
        }

        engine.Flush();

        var expected = new CallOracle(CallHistoryCase.BaseOptions).Points(calls);
        Assert.True(expected.Count > 500, $"only {expected.Count} expected points");
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.CallAnswer && p.Fields.Count == 8);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.CallAnswer && p.Fields.Count == 5);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.CallAnswer && p.Fields.Count == 3);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.CallHandle && p.Fields.Count == 4);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.Backlog && p.Fields[0].Value > 2);
        OraclePoints.AssertSame(expected, points.Where(IsCallPoint));
    }

    private static CallScript RandomCall(Random random, int index)
    {
        var start = random.Next(0, 1_200_000);
        return new CallScript(
            $"call-{index}",
            $"s{random.Next(1, 4)}",
            random.Next(10) > 0 ? start : null,
            (CallOutcome)random.Next(3),
            random.Next(0, 90_000),
            random.Next(4) > 0 ? random.Next(0, 200_000) : null,
            start);
    }

    private static bool IsCallPoint(MetricPoint p) =>
        p.Measurement is Measurements.CallAnswer or Measurements.CallHandle
        || (p.Measurement == Measurements.Backlog && p.Tag("queue") == "call");


    /// <summary>
    /// The rules, brute force, from each call's script: it waits at b when queued before b and not
    /// answered, abandoned or ended before b; answers and abandons stamped in [b − W, b) are
    /// offered, answer time = answered − queued where the queue time is known; handle time =
    /// ended − answered stamped at the end. Activity over events in [b − TTL, b): backlog any call
    /// event (or something waits), call_answer queued/answered/abandoned (or something offered),
    /// call_handle answered/ended (or a handle time in the window).
    /// </summary>
    private sealed class CallOracle(EngineOptions options)
    {
        private readonly long _step = (long)options.Step.TotalMilliseconds;
        private readonly long _window = (long)options.ConversationWindow.TotalMilliseconds;
        private readonly long _ttl = (long)options.SeriesTtl.TotalMilliseconds;
        private readonly long _serviceLevel = (long)options.ServiceLevelThreshold.TotalMilliseconds;

        public Dictionary<string, MetricPoint> Points(IReadOnlyList<CallScript> calls)
        {
            var result = new Dictionary<string, MetricPoint>();
            var times = calls.SelectMany(c => c.Times()).ToList();
            if (times.Count == 0)
            {
                return result;
            }

            var first = times.Min(t => t.At);
            var last = times.Max(t => t.At);
            var shops = calls.Where(c => c.Times().Any()).Select(c => c.Shop).Distinct().ToList();
            for (var b = first - Mod(first, _step) + _step; b <= last - Mod(last, _step) + _step; b += _step)
            {
                foreach (var shop in shops)
                {
                    var ofShop = calls.Where(c => c.Shop == shop).ToList();
                    bool Recent(params EventType[] types) =>
                        ofShop.SelectMany(c => c.Times()).Any(t => types.Contains(t.Type) && t.At >= b - _ttl && t.At < b);

                    Backlog(result, shop, b, ofShop, Recent(EventType.CallQueued, EventType.CallAnswered, EventType.CallAbandoned, EventType.CallEnded));
                    Answers(result, shop, b, ofShop, Recent(EventType.CallQueued, EventType.CallAnswered, EventType.CallAbandoned));
                    Handles(result, shop, b, ofShop, Recent(EventType.CallAnswered, EventType.CallEnded));
                }
            }

            return result;
        }

        private static void Backlog(Dictionary<string, MetricPoint> result, string shop, long b, List<CallScript> calls, bool recent)
        {
            var waiting = calls.Where(c => c.QueuedAt < b && !(c.AnsweredAt < b) && !(c.AbandonedAt < b) && !(c.EndedAt < b)).ToList();
            if (waiting.Count == 0 && !recent)
            {
                return;
            }

            var oldest = waiting.Count == 0 ? 0 : (b - waiting.Min(c => c.QueuedAt!.Value)) / 1000.0;
            Add(result, new MetricPoint(
                Measurements.Backlog,
                [new("queue", "call"), new("shop", shop)],
                [MetricField.Int("waiting", waiting.Count), MetricField.Float("oldest_wait_seconds", oldest)],
                b));
        }

        private void Answers(Dictionary<string, MetricPoint> result, string shop, long b, List<CallScript> calls, bool recent)
        {
            bool InWindow(long? at) => at >= b - _window && at < b;
            var answered = calls.Where(c => InWindow(c.AnsweredAt)).ToList();
            var abandoned = calls.Count(c => InWindow(c.AbandonedAt));
            var offered = answered.Count + abandoned;
            if (offered == 0 && !recent)
            {
                return;
            }

            var fields = new List<MetricField>
            {
                MetricField.Int("offered", offered),
                MetricField.Int("answered", answered.Count),
                MetricField.Int("abandoned", abandoned),
            };
            if (offered > 0)
            {
                var answerMs = answered.Where(c => c.QueuedAt is not null).Select(c => c.AnsweredAt!.Value - c.QueuedAt!.Value).OrderBy(ms => ms).ToList();
                fields.Add(MetricField.Float("abandon_ratio", abandoned / (double)offered));
                fields.Add(MetricField.Float("service_level_ratio", answerMs.Count(ms => ms <= _serviceLevel) / (double)offered));
                if (answerMs.Count > 0)
                {
                    fields.Add(MetricField.Float("p50", NearestRank(answerMs, 50)));
                    fields.Add(MetricField.Float("p90", NearestRank(answerMs, 90)));
                    fields.Add(MetricField.Float("p99", NearestRank(answerMs, 99)));
                }
            }

            Add(result, new MetricPoint(Measurements.CallAnswer, [new("shop", shop)], fields, b));
        }

        private void Handles(Dictionary<string, MetricPoint> result, string shop, long b, List<CallScript> calls, bool recent)
        {
            var handleMs = calls
                .Where(c => c.AnsweredAt is not null && c.EndedAt >= b - _window && c.EndedAt < b)
                .Select(c => c.EndedAt!.Value - c.AnsweredAt!.Value)
                .OrderBy(ms => ms)
                .ToList();
            if (handleMs.Count == 0 && !recent)
            {
                return;
            }

            var fields = new List<MetricField> { MetricField.Int("count", handleMs.Count) };
            if (handleMs.Count > 0)
            {
                fields.Add(MetricField.Float("p50", NearestRank(handleMs, 50)));
                fields.Add(MetricField.Float("p90", NearestRank(handleMs, 90)));
                fields.Add(MetricField.Float("mean", (double)(handleMs.Sum(ms => (decimal)ms) / handleMs.Count / 1000m)));
            }

            Add(result, new MetricPoint(Measurements.CallHandle, [new("shop", shop)], fields, b));
        }

        /// <summary>Rank ceil(q/100 · n) in decimal arithmetic, over milliseconds.</summary>
        private static double NearestRank(List<long> sortedMs, int percent) =>
            sortedMs[(int)Math.Ceiling(percent / 100m * sortedMs.Count) - 1] / 1000.0;

        private static void Add(Dictionary<string, MetricPoint> result, MetricPoint point) => result.Add(OraclePoints.Key(point), point);

        private static long Mod(long value, long step) => ((value % step) + step) % step;
    }
}

public enum CallOutcome
{
    Answered,
    Abandoned,
    Neither,
}

/// <summary>
/// One call's life: queued at <see cref="StartMs"/> (or before the history began when null: no
/// call_queued event), then answered, abandoned or neither after <see cref="OutcomeGapMs"/>, then
/// optionally ended after <see cref="EndGapMs"/>. Times are relative to <see cref="ChatEvents.T0"/>.
/// </summary>
public sealed record CallScript(string CallId, string Shop, long? StartMs, CallOutcome Outcome, long OutcomeGapMs, long? EndGapMs, long UnknownStartMs)
{
    private long Start => ChatEvents.T0 + (StartMs ?? UnknownStartMs);

    public long? QueuedAt => StartMs is null ? null : Start;

    public long? AnsweredAt => Outcome == CallOutcome.Answered ? Start + OutcomeGapMs : null;

    public long? AbandonedAt => Outcome == CallOutcome.Abandoned ? Start + OutcomeGapMs : null;

    public long? EndedAt => EndGapMs is { } gap ? Start + (Outcome == CallOutcome.Neither ? 0 : OutcomeGapMs) + gap : null;

    /// <summary>The call's events in causal order (ties at one millisecond keep this order).</summary>
    public IEnumerable<(EventType Type, long At)> Times()
    {
        if (QueuedAt is { } queued)
        {
            yield return (EventType.CallQueued, queued);
        }

        if (AnsweredAt is { } answered)
        {
            yield return (EventType.CallAnswered, answered);
        }

        if (AbandonedAt is { } abandoned)
        {
            yield return (EventType.CallAbandoned, abandoned);
        }

        if (EndedAt is { } ended)
        {
            yield return (EventType.CallEnded, ended);
        }
    }
}

/// <summary>A random call history, the options it runs with, and the order it arrives in (each event at most the lateness after its time).</summary>
public sealed record CallHistoryCase(EngineOptions Options, CallScript[] Calls, MonitorEvent[] Events, long[] ArrivalKeys)
{
    internal static readonly EngineOptions BaseOptions = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        SeriesTtl = TimeSpan.FromSeconds(120),
        AllowedLateness = TimeSpan.FromSeconds(30),
        ServiceLevelThreshold = TimeSpan.FromSeconds(20),
    };

    private static readonly Gen<long> Gap = Gen.OneOf(
        Gen.Choose(0, 120_000).Select(ms => (long)ms),
        Gen.Choose(0, 12).Select(n => n * 5_000L),
        Gen.Constant(0L));

    private static readonly Gen<EngineOptions> OptionsGen =
        from window in Gen.Elements(10, 60, 150)
        from ttl in Gen.Elements(10, 60, 300)
        from serviceLevel in Gen.Elements(0, 5, 20)
        select BaseOptions with
        {
            ConversationWindow = TimeSpan.FromSeconds(window),
            SeriesTtl = TimeSpan.FromSeconds(ttl),
            ServiceLevelThreshold = TimeSpan.FromSeconds(serviceLevel),
        };

    private static readonly Gen<CallScript> Call =
        from shop in Gen.Elements("s1", "s2", "s3")
        from start in Gen.OneOf(Gen.Choose(0, 600_000).Select(ms => (long)ms), Gen.Choose(0, 60).Select(n => n * 10_000L))
        from known in Gen.Elements(true, true, true, true, true, false)
        from outcome in Gen.Elements(CallOutcome.Answered, CallOutcome.Abandoned, CallOutcome.Neither)
        from outcomeGap in Gap
        from end in Gen.OneOf(Gen.Constant<long?>(null), Gap.Select(g => (long?)g))
        select new CallScript(string.Empty, shop, known ? start : null, outcome, outcomeGap, end, start);

    public static readonly Gen<CallHistoryCase> Generator =
        from options in OptionsGen
        from count in Gen.Choose(0, 30)
        from calls in Gen.ArrayOf(Call, count)
        let scripts = calls.Select((c, i) => c with { CallId = $"call-{i}" }).ToArray()
        let events = Build(scripts)
        from delays in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 30_000), Gen.Elements(0, 30_000)), events.Length)
        select new CallHistoryCase(options, scripts, events, events.Select((e, i) => e.TimestampMs + delays[i]).ToArray());

    internal static MonitorEvent[] Build(IEnumerable<CallScript> scripts)
    {
        var factory = new CallEvents();
        var events = new List<MonitorEvent>();
        foreach (var call in scripts)
        {
            foreach (var (type, at) in call.Times())
            {
                events.Add(type switch
                {
                    EventType.CallQueued => factory.Queued(call.CallId, at, call.Shop),
                    EventType.CallAnswered => factory.Answered(call.CallId, at, call.Shop),
                    EventType.CallAbandoned => factory.Abandoned(call.CallId, at, call.Shop),
                    _ => factory.Ended(call.CallId, at, call.Shop),
                });
            }
        }

        return [.. events];
    }

    public IEnumerable<MonitorEvent> Arrival() => OraclePoints.InArrivalOrder(Events, ArrivalKeys);

    public override string ToString() =>
        $"window={Options.ConversationWindow.TotalSeconds}s ttl={Options.SeriesTtl.TotalSeconds}s sl={Options.ServiceLevelThreshold.TotalSeconds}s"
        + Environment.NewLine
        + string.Join(Environment.NewLine, Arrival().Select(e => $"{e.ShopId} {e.CallId} {e.Type} +{e.TimestampMs - ChatEvents.T0}ms"));
}
