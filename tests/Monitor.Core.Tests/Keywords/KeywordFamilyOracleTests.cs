using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Keywords;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Keywords;

/// <summary>
/// The complaint keyword family against an oracle from the rule text (DESIGN §4, docs/keywords.md):
/// random customer, agent and bot texts built from keyword fragments in full-width, upper-case and
/// embedded forms, delivered out of order within the lateness; every emitted complaint_keywords and
/// complaint_rate point must match a brute-force count (normalise, then substring search per keyword).
/// </summary>
public sealed class KeywordFamilyOracleTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static readonly KeywordCategory[] Categories =
    [
        new("complaint", KeywordSeverity.Warning, ["投诉", "要投诉", "complaint"]),
        new("regulator", KeywordSeverity.Critical, ["12315"]),
        new("refund", KeywordSeverity.Info, ["退款", "refund", "refund request"]),
    ];

    private static readonly string[] Fragments =
    [
        "投诉", "要投诉你们", "１２３１５", "12315", "ＲＥＦＵＮＤ", "Refund Request", "refund", "退款", "COMPLAINT", "complaints",
        "where is my parcel", "ok", "谢谢", "😀", "\uD800", " ", "re", "fund", "投", "诉",
    ];

    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(40),
        SeriesTtl = TimeSpan.FromSeconds(90),
        AllowedLateness = TimeSpan.FromSeconds(15),
        Keywords = new KeywordDictionaryHolder(KeywordDictionary.Compile(Categories)),
    };

    [Property(MaxTest = 150)]
    public bool KeywordPoints_MatchTheOracle(int seed)
    {
        var random = new Random(seed);
        var events = History(random);
        var points = OraclePoints.Run(Options, events.OrderBy(e => e.TimestampMs + random.Next(15_000)).ToArray());
        var first = events.Min(e => e.TimestampMs);
        var last = events.Max(e => e.TimestampMs);
        var actual = points.Where(p => p.Measurement is Measurements.ComplaintKeywords or Measurements.ComplaintRate);
        OraclePoints.AssertSame(Oracle(events, Floor(first) + Step, Floor(last) + Step), actual);
        return true;
    }

    private static long Step => (long)Options.Step.TotalMilliseconds;

    private static long Floor(long ms) => ms - (((ms % Step) + Step) % Step);

    private static List<MonitorEvent> History(Random random)
    {
        var events = new List<MonitorEvent>();
        for (var i = random.Next(1, 60); i > 0; i--)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => Fragments[random.Next(Fragments.Length)]));
            var ts = T0 + random.Next(0, 200_000);
            var shop = random.NextDouble() < 0.7 ? "s1" : "s2";
            events.Add(random.Next(4) switch
            {
                0 or 1 => new MonitorEvent
                {
                    Type = EventType.Message, EventId = $"e{i:D4}", ShopId = shop, TimestampMs = ts, ConversationId = $"c{i}",
                    Channel = (TextChannel)random.Next(3), Sender = (Sender)random.Next(3), Text = random.NextDouble() < 0.9 ? text : null,
                },
                2 => new MonitorEvent
                {
                    Type = EventType.CallTranscript, EventId = $"e{i:D4}", ShopId = shop, TimestampMs = ts, CallId = $"k{i}",
                    Speaker = random.NextDouble() < 0.6 ? Sender.Customer : Sender.Agent, Text = text,
                },
                _ => new MonitorEvent
                {
                    Type = EventType.Review, EventId = $"e{i:D4}", ShopId = shop, TimestampMs = ts, OrderId = $"o{i}", Rating = 1,
                    Text = random.NextDouble() < 0.8 ? text : null,
                },
            });
        }

        return events;
    }

    private static Dictionary<string, MetricPoint> Oracle(List<MonitorEvent> events, long firstBoundary, long lastBoundary)
    {
        var w = (long)Options.ConversationWindow.TotalMilliseconds;
        var ttl = (long)Options.SeriesTtl.TotalMilliseconds;
        var keywords = Categories.SelectMany(c => c.Keywords.Select(k => (Category: c.Name, Keyword: KeywordText.Normalize(k)))).ToArray();

        // Customer texts only: customer chat messages, customer transcript lines, review texts.
        var texts = events
            .Select(e => (e.ShopId, e.TimestampMs, Channel: e.Type switch
            {
                EventType.Message when e.Sender == Sender.Customer => new[] { "chat", "email", "social" }[(int)e.Channel],
                EventType.CallTranscript when e.Speaker == Sender.Customer => "call",
                EventType.Review => "review",
                _ => null,
            }, e.Text))
            .Where(t => t.Channel is not null && t.Text is not null)
            .Select(t => (t.ShopId, t.TimestampMs, t.Channel, Hits: keywords.Where(k => KeywordText.Normalize(t.Text!).Contains(k.Keyword, StringComparison.Ordinal)).ToArray()))
            .ToList();

        var result = new Dictionary<string, MetricPoint>();
        for (var b = firstBoundary; b <= lastBoundary; b += Step)
        {
            foreach (var shop in texts.Select(t => t.ShopId).Distinct())
            {
                var inWindow = texts.Where(t => t.ShopId == shop && t.TimestampMs >= b - w && t.TimestampMs < b).ToList();
                foreach (var series in inWindow
                    .SelectMany(t => t.Hits.Select(h => (t.Channel, h.Category, h.Keyword)))
                    .GroupBy(x => x))
                {
                    Add(result, new MetricPoint(
                        Measurements.ComplaintKeywords,
                        [new("category", series.Key.Category), new("channel", series.Key.Channel!), new("keyword", series.Key.Keyword), new("shop", shop)],
                        [MetricField.Int("hits", series.Count())],
                        b));
                }

                var lastText = texts.Where(t => t.ShopId == shop && t.TimestampMs < b).Select(t => (long?)t.TimestampMs).Max();
                if (inWindow.Count == 0 && (lastText is null || lastText < b - ttl))
                {
                    continue;
                }

                var hits = inWindow.Sum(t => t.Hits.Length);
                var fields = new List<MetricField>
                {
                    MetricField.Int("messages", inWindow.Count),
                    MetricField.Int("matched_messages", inWindow.Count(t => t.Hits.Length > 0)),
                    MetricField.Int("hits", hits),
                };
                if (inWindow.Count > 0)
                {
                    fields.Add(MetricField.Float("per_1000_messages", hits * 1000.0 / inWindow.Count));
                }

                Add(result, new MetricPoint(Measurements.ComplaintRate, [new("shop", shop)], fields, b));
            }
        }

        return result;
    }

    private static void Add(Dictionary<string, MetricPoint> result, MetricPoint point) => result.Add(OraclePoints.Key(point), point);
}
