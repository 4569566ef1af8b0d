using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Metrics;

/// <summary>
/// Percentiles and the whole chat engine checked against brute-force oracles written from the
/// rule text of DESIGN §4, not from the implementation.
/// </summary>
public sealed class PercentileOracleTests
{
    private static readonly Gen<double> SampleValue = Gen.OneOf(
        Gen.Choose(0, 900_000).Select(ms => ms / 1000.0),
        Gen.Choose(-5, 5).Select(x => (double)x),
        Gen.Elements(0.0, 0.5, 180.0, 1e9, double.Epsilon));

    private static readonly Gen<int> Percent = Gen.OneOf(Gen.Elements(50, 90, 99), Gen.Choose(1, 100));

    [Property(MaxTest = 1000)]
    public Property NearestRank_EqualsSortThenCeilRankOracle() =>
        Prop.ForAll(
            Arb.From(Gen.NonEmptyListOf(SampleValue).Select(values => values.ToArray())),
            Arb.From(Percent),
            (sample, percent) =>
            {
                var sorted = sample.ToArray();
                Array.Sort(sorted);

                Assert.Equal(OracleNearestRank(sample, percent), Percentiles.NearestRank(sorted, percent));
            });

    [Theory]
    [InlineData(new[] { 1.0 }, 50, 1.0)]
    [InlineData(new[] { 1.0, 2.0 }, 50, 1.0)]
    [InlineData(new[] { 1.0, 2.0 }, 99, 2.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0 }, 90, 9.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0 }, 91, 10.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, 100, 3.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, 1, 1.0)]
    public void NearestRank_KnownValues(double[] sorted, int percent, double expected)
    {
        Assert.Equal(expected, Percentiles.NearestRank(sorted, percent));
    }

    [Fact]
    public void NearestRank_RejectsEmptySampleAndPercentOutside1To100()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.NearestRank([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([1.0], 101));
    }

    /// <summary>
    /// Random chat histories of a few shops, delivered out of order within the lateness, give
    /// exactly the response_time and backlog points an oracle computes from DESIGN §4.
    /// </summary>
    [Property(MaxTest = 150)]
    public Property Engine_MatchesBruteForceOracle_OnRandomHistories() =>
        Prop.ForAll(Arb.From(ChatHistoryCase.Generator), history =>
        {
            var options = ChatHistoryCase.Options;
            var points = OraclePoints.Run(options, history.Arrival());
            var expected = new ChatOracle(options).Points(history.Events);
            OraclePoints.AssertSame(expected, points.Where(p => p.Measurement is Measurements.ResponseTime or Measurements.Backlog or Measurements.ResponseTimeByChannel));
        });

    /// <summary>The same comparison on one fixed, dense history, so a regression is found without relying on random draws.</summary>
    [Fact]
    public void Engine_MatchesBruteForceOracle_OnADenseFixedHistory()
    {
        var events = OutOfOrderTests.LongHistory(new Random(3), conversations: 120, spanSeconds: 600);
        var points = OraclePoints.Run(ChatHistoryCase.Options, events.OrderBy(e => e.TimestampMs));
        var expected = new ChatOracle(ChatHistoryCase.Options).Points(events);
        Assert.True(expected.Count > 1000, $"only {expected.Count} expected points");
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.ResponseTime && p.Fields.Count == 7);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.ResponseTime && p.Fields.Count == 1);
        Assert.Contains(expected.Values, p => p.Measurement == Measurements.Backlog && p.Fields[0].Value > 2);
        OraclePoints.AssertSame(expected, points.Where(p => p.Measurement is Measurements.ResponseTime or Measurements.Backlog or Measurements.ResponseTimeByChannel));
    }

    /// <summary>Rank ceil(q/100 · n) in decimal arithmetic over a copy sorted by LINQ.</summary>
    private static double OracleNearestRank(IEnumerable<double> sample, int percent)
    {
        var sorted = sample.OrderBy(x => x).ToList();
        var rank = (int)Math.Ceiling(percent / 100m * sorted.Count);
        return sorted[Math.Max(rank, 1) - 1];
    }

    private static double OracleNearestRankMs(List<long> sortedMs, int percent) =>
        sortedMs[(int)Math.Ceiling(percent / 100m * sortedMs.Count) - 1] / 1000.0;

    /// <summary>
    /// DESIGN §4 chat rules, brute force: each conversation replayed alone in (ts, customer before
    /// reply) order gives wait intervals and responses; each boundary b then counts waits with
    /// start &lt; b not ended before b, and responses stamped in [b − W, b). A series is active while
    /// it had an event in [b − TTL, b) (backlog also while anything waits; response_time also while
    /// its window holds samples).
    /// </summary>
    private sealed class ChatOracle(EngineOptions options)
    {
        private static readonly string[] ChannelNames = ["chat", "email", "social"];
        private static readonly (string Kind, string Responder)[] Slots = [("first", "agent"), ("first", "bot"), ("reply", "agent"), ("reply", "bot")];

        private readonly long _step = (long)options.Step.TotalMilliseconds;
        private readonly long _window = (long)options.ConversationWindow.TotalMilliseconds;
        private readonly long _ttl = (long)options.SeriesTtl.TotalMilliseconds;

        private sealed record Wait(string Shop, int Channel, long Start, long? End);

        private sealed record Response(string Shop, int Channel, string Kind, string Responder, long At, long Ms);

        public Dictionary<string, MetricPoint> Points(IReadOnlyList<MonitorEvent> events)
        {
            var waits = new List<Wait>();
            var responses = new List<Response>();
            var activity = new List<(string Shop, int Channel, long At)>();
            foreach (var conversation in events.GroupBy(e => (e.ShopId, e.ConversationId)))
            {
                var ordered = conversation.OrderBy(e => e.TimestampMs).ThenBy(CausalRank).ToList();
                var channel = (int)ordered[0].Channel;
                long? waitingSince = null;
                var responded = false;
                foreach (var e in ordered)
                {
                    activity.Add((e.ShopId, channel, e.TimestampMs));
                    if (e.Type == EventType.Message && e.Sender == Sender.Customer)
                    {
                        waitingSince ??= e.TimestampMs;
                    }
                    else if (e.Type == EventType.Message && waitingSince is { } start)
                    {
                        responses.Add(new Response(e.ShopId, channel, responded ? "reply" : "first", e.Sender == Sender.Bot ? "bot" : "agent", e.TimestampMs, e.TimestampMs - start));
                        waits.Add(new Wait(e.ShopId, channel, start, e.TimestampMs));
                        responded = true;
                        waitingSince = null;
                    }
                    else if (e.Type == EventType.ConversationClosed && waitingSince is { } open)
                    {
                        waits.Add(new Wait(e.ShopId, channel, open, e.TimestampMs));
                        waitingSince = null;
                    }
                }

                if (waitingSince is { } unanswered)
                {
                    waits.Add(new Wait(ordered[0].ShopId, channel, unanswered, null));
                }
            }

            var result = new Dictionary<string, MetricPoint>();
            var first = events.Min(e => e.TimestampMs);
            var last = events.Max(e => e.TimestampMs);
            for (var b = first - Mod(first, _step) + _step; b <= last - Mod(last, _step) + _step; b += _step)
            {
                foreach (var shop in events.Select(e => e.ShopId).Distinct())
                {
                    for (var channel = 0; channel < 3; channel++)
                    {
                        Backlog(result, shop, channel, b, waits, activity);
                        ResponseTimes(result, shop, channel, b, responses);
                    }
                }
            }

            return result;
        }

        private void Backlog(Dictionary<string, MetricPoint> result, string shop, int channel, long b, List<Wait> waits, List<(string Shop, int Channel, long At)> activity)
        {
            var waiting = waits.Where(w => w.Shop == shop && w.Channel == channel && w.Start < b && !(w.End < b)).ToList();
            var recent = activity.Any(a => a.Shop == shop && a.Channel == channel && a.At >= b - _ttl && a.At < b);
            if (waiting.Count == 0 && !recent)
            {
                return;
            }

            Add(result, new MetricPoint(
                Measurements.Backlog,
                [new("queue", ChannelNames[channel]), new("shop", shop)],
                [MetricField.Int("waiting", waiting.Count), MetricField.Float("oldest_wait_seconds", waiting.Count == 0 ? 0 : (b - waiting.Min(w => w.Start)) / 1000.0)],
                b));
        }

        private void ResponseTimes(Dictionary<string, MetricPoint> result, string shop, int channel, long b, List<Response> responses)
        {
            var slaMs = (long)options.ReplySla((TextChannel)channel).TotalMilliseconds;
            var all = new List<long>();
            var anyActive = false;
            foreach (var (kind, responder) in Slots)
            {
                var series = responses.Where(r => r.Shop == shop && r.Channel == channel && r.Kind == kind && r.Responder == responder).ToList();
                var inWindow = series.Where(r => r.At >= b - _window && r.At < b).Select(r => r.Ms).OrderBy(ms => ms).ToList();
                var recent = series.Any(r => r.At >= b - _ttl && r.At < b);
                if (inWindow.Count == 0 && !recent)
                {
                    continue;
                }

                anyActive = true;
                all.AddRange(inWindow);
                var fields = new List<MetricField> { MetricField.Int("count", inWindow.Count) };
                if (inWindow.Count > 0)
                {
                    fields.Add(MetricField.Float("p50", OracleNearestRankMs(inWindow, 50)));
                    fields.Add(MetricField.Float("p90", OracleNearestRankMs(inWindow, 90)));
                    fields.Add(MetricField.Float("p99", OracleNearestRankMs(inWindow, 99)));
                    fields.Add(MetricField.Float("mean", (double)(inWindow.Sum(ms => (decimal)ms) / inWindow.Count / 1000m)));
                    fields.Add(MetricField.Float("max", inWindow[^1] / 1000.0));
                    fields.Add(MetricField.Float("within_sla_ratio", inWindow.Count(ms => ms <= slaMs) / (double)inWindow.Count));
                }

                Add(result, new MetricPoint(
                    Measurements.ResponseTime,
                    [new("channel", ChannelNames[channel]), new("kind", kind), new("responder", responder), new("shop", shop)],
                    fields,
                    b));
            }

            if (anyActive)
            {
                all.Sort();
                var fields = new List<MetricField> { MetricField.Int("count", all.Count) };
                if (all.Count > 0)
                {
                    fields.Add(MetricField.Float("p90", OracleNearestRankMs(all, 90)));
                }

                Add(result, new MetricPoint(Measurements.ResponseTimeByChannel, [new("channel", ChannelNames[channel]), new("shop", shop)], fields, b));
            }
        }

        private static void Add(Dictionary<string, MetricPoint> result, MetricPoint point) => result.Add(OraclePoints.Key(point), point);

        private static long Mod(long value, long step) => ((value % step) + step) % step;

        /// <summary>Within one millisecond: start, then the customer, then a reply, then a close.</summary>
        private static int CausalRank(MonitorEvent e) => e.Type switch
        {
            EventType.ConversationStarted => 0,
            EventType.Message when e.Sender == Sender.Customer => 1,
            EventType.Message => 2,
            _ => 3,
        };
    }
}

/// <summary>A random chat history and the order it arrives in (each event at most the lateness after its time).</summary>
public sealed record ChatHistoryCase(MonitorEvent[] Events, long[] ArrivalKeys)
{
    internal static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        SeriesTtl = TimeSpan.FromSeconds(120),
        AllowedLateness = TimeSpan.FromSeconds(30),
        ChatReplySla = TimeSpan.FromSeconds(20),
        SocialReplySla = TimeSpan.FromSeconds(45),
        EmailReplySla = TimeSpan.FromSeconds(90),
    };

    private sealed record Step(Sender Sender, long GapMs);

    private sealed record Script(string Shop, TextChannel Channel, long StartMs, bool Announced, Step[] Steps, long? CloseGapMs);

    private static readonly Gen<long> Gap = Gen.OneOf(
        Gen.Choose(1, 120_000).Select(ms => (long)ms),
        Gen.Choose(0, 12).Select(n => n * 5_000L),
        Gen.Constant(0L));

    private static readonly Gen<Script> Conversation =
        from shop in Gen.Elements("s1", "s2", "s3")
        from channel in Gen.Elements(TextChannel.Chat, TextChannel.Email, TextChannel.Social)
        from start in Gen.OneOf(Gen.Choose(0, 600_000).Select(ms => (long)ms), Gen.Choose(0, 60).Select(n => n * 10_000L))
        from announced in Gen.Elements(true, false)
        from count in Gen.Choose(1, 8)
        from steps in Gen.ArrayOf(
            from sender in Gen.Elements(Sender.Customer, Sender.Customer, Sender.Agent, Sender.Bot)
            from gap in Gap
            select new Step(sender, gap),
            count)
        from close in Gen.OneOf(Gen.Constant<long?>(null), Gap.Select(g => (long?)g))
        select new Script(shop, channel, start, announced, steps, close);

    public static readonly Gen<ChatHistoryCase> Generator =
        from count in Gen.Choose(1, 25)
        from scripts in Gen.ArrayOf(Conversation, count)
        let events = Build(scripts)
        from delays in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 30_000), Gen.Elements(0, 30_000)), events.Length)
        select new ChatHistoryCase(events, events.Select((e, i) => e.TimestampMs + delays[i]).ToArray());

    public IEnumerable<MonitorEvent> Arrival() => OraclePoints.InArrivalOrder(Events, ArrivalKeys);

    public override string ToString() =>
        string.Join(Environment.NewLine, Arrival().Select(e =>
            $"{e.ShopId} {e.ConversationId} {Names.Of(e.Channel)} {(e.Type == EventType.Message ? Names.Of(e.Sender) : e.Type.ToString())} +{e.TimestampMs - ChatEvents.T0}ms"));

    /// <summary>
    /// Timestamps rise within a conversation; two of its events share a millisecond only as a
    /// customer message followed by a reply, the one tie DESIGN §4 orders (customer first).
    /// </summary>
    private static MonitorEvent[] Build(Script[] scripts)
    {
        var factory = new ChatEvents();
        var events = new List<MonitorEvent>();
        for (var c = 0; c < scripts.Length; c++)
        {
            var script = scripts[c];
            var id = $"conv-{c}";
            var ts = ChatEvents.T0 + script.StartMs;
            if (script.Announced)
            {
                events.Add(factory.Started(id, ts, script.Channel, script.Shop));
                ts += 1;
            }

            Sender? previous = null;
            foreach (var step in script.Steps)
            {
                if (previous is not null)
                {
                    ts += step.GapMs == 0 && !(previous == Sender.Customer && step.Sender != Sender.Customer) ? 1 : step.GapMs;
                }

                events.Add(factory.Message(id, ts, step.Sender, script.Channel, script.Shop));
                previous = step.Sender;
            }

            if (script.CloseGapMs is { } closeGap)
            {
                events.Add(factory.Closed(id, ts + Math.Max(1, closeGap), script.Channel, script.Shop));
            }
        }

        return [.. events];
    }
}
