using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Crisis;

/// <summary>
/// The bot and crisis families against an oracle written from the rule text (docs/metrics.md):
/// random histories of conversations, calls and agent statuses for a few shops, delivered out of
/// order within the lateness; every emitted bot and crisis point must match.
/// </summary>
public sealed class BotAndCrisisOracleTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        SeriesTtl = TimeSpan.FromSeconds(150),
        AllowedLateness = TimeSpan.FromSeconds(20),
        Crisis = new CrisisOptions { StaticCapacityPerMinute = null },
    };

    private static readonly string[] Channels = ["chat", "email", "social"];
    private static readonly string[] AgentChannels = ["chat", "email", "social", "call"];

    [Property(MaxTest = 150)]
    public bool BotAndCrisisPoints_MatchTheOracle(int seed)
    {
        var random = new Random(seed);
        var events = History(random);
        var delivered = events.OrderBy(e => e.TimestampMs + random.Next(20_000)).ToArray();

        var points = OraclePoints.Run(Options, delivered);
        var actual = points.Where(p => p.Measurement is Measurements.Bot or Measurements.Crisis).ToArray();
        var first = events.Min(e => e.TimestampMs);
        var last = events.Max(e => e.TimestampMs);
        OraclePoints.AssertSame(Oracle(events, Floor(first) + Step, Floor(last) + Step), actual);
        return true;
    }

    private static long Step => (long)Options.Step.TotalMilliseconds;

    private static long Floor(long ms) => ms - (((ms % Step) + Step) % Step);

    private static List<MonitorEvent> History(Random random)
    {
        var events = new List<MonitorEvent>();
        var id = 0;
        string Id() => $"e{id++:D6}";
        foreach (var shop in new[] { "s1", "s2" }.Take(random.Next(1, 3)))
        {
            var conversations = random.Next(0, 25);
            for (var c = 0; c < conversations; c++)
            {
                var channel = (TextChannel)random.Next(3);
                var start = T0 + random.Next(0, 400_000);
                var known = random.NextDouble() < 0.85;
                if (known)
                {
                    events.Add(new MonitorEvent { Type = EventType.ConversationStarted, EventId = Id(), ShopId = shop, TimestampMs = start, ConversationId = $"c{c}", Channel = channel });
                }

                var at = start;
                if (random.NextDouble() < 0.4)
                {
                    at += random.Next(1, 30_000);
                    events.Add(new MonitorEvent { Type = EventType.ConversationTransferred, EventId = Id(), ShopId = shop, TimestampMs = at, ConversationId = $"c{c}", Channel = TextChannel.Chat });
                }

                if (random.NextDouble() < 0.8)
                {
                    at += random.Next(1, 90_000);
                    events.Add(new MonitorEvent
                    {
                        Type = EventType.ConversationClosed, EventId = Id(), ShopId = shop, TimestampMs = at, ConversationId = $"c{c}",
                        Channel = known ? TextChannel.Chat : channel, ResolvedBy = random.NextDouble() < 0.5 ? Sender.Bot : Sender.Agent,
                    });
                }
            }

            for (var k = random.Next(0, 15); k > 0; k--)
            {
                events.Add(new MonitorEvent { Type = EventType.CallQueued, EventId = Id(), ShopId = shop, TimestampMs = T0 + random.Next(0, 400_000), CallId = $"k{k}" });
            }

            var agents = random.Next(0, 4);
            for (var a = 0; a < agents; a++)
            {
                for (var n = random.Next(1, 5); n > 0; n--)
                {
                    events.Add(new MonitorEvent
                    {
                        Type = EventType.AgentStatus, EventId = Id(), ShopId = shop, TimestampMs = T0 + random.Next(0, 400_000), AgentId = $"ag{a}",
                        AgentState = (AgentState)random.Next(3), AgentChannel = random.NextDouble() < 0.2 ? null : AgentChannels[random.Next(4)],
                    });
                }
            }
        }

        if (events.Count == 0)
        {
            events.Add(new MonitorEvent { Type = EventType.CallQueued, EventId = Id(), ShopId = "s1", TimestampMs = T0, CallId = "k0" });
        }

        return events;
    }

    /// <summary>The rules of docs/metrics.md (bot, crisis), computed directly at every boundary.</summary>
    private static Dictionary<string, MetricPoint> Oracle(List<MonitorEvent> events, long firstBoundary, long lastBoundary)
    {
        var w = (long)Options.ConversationWindow.TotalMilliseconds;
        var ttl = (long)Options.SeriesTtl.TotalMilliseconds;
        var ordered = events.OrderBy(e => e.TimestampMs).ThenBy(e => Rank(e)).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
        var result = new Dictionary<string, MetricPoint>();
        for (var b = firstBoundary; b <= lastBoundary; b += Step)
        {
            foreach (var shop in ordered.Select(e => e.ShopId).Distinct())
            {
                var before = ordered.Where(e => e.ShopId == shop && e.TimestampMs < b).ToList();

                // Bot: a close or transfer counts under its conversation's channel while the conversation is
                // open (opened by its first non-close event, with that event's channel), else the event's own.
                var channelOf = new Dictionary<string, string>();
                var counted = new List<(string Channel, long Ts, bool Close, bool Bot)>();
                foreach (var e in before)
                {
                    var name = e.ConversationId is { } conv && channelOf.TryGetValue(conv, out var known) ? known : Channels[(int)e.Channel];
                    switch (e.Type)
                    {
                        case EventType.ConversationStarted:
                            channelOf[e.ConversationId!] = Channels[(int)e.Channel];
                            break;
                        case EventType.ConversationTransferred:
                            channelOf.TryAdd(e.ConversationId!, name);
                            counted.Add((name, e.TimestampMs, false, false));
                            break;
                        case EventType.ConversationClosed:
                            counted.Add((name, e.TimestampMs, true, e.ResolvedBy == Sender.Bot));
                            channelOf.Remove(e.ConversationId!);
                            break;
                    }
                }

                foreach (var channel in Channels)
                {
                    var mine = counted.Where(x => x.Channel == channel).ToList();
                    var inWindow = mine.Where(x => x.Ts >= b - w).ToList();
                    if (mine.Count == 0 || (mine.Max(x => x.Ts) < b - ttl && inWindow.Count == 0))
                    {
                        continue;
                    }

                    var closed = inWindow.Count(x => x.Close);
                    var bot = inWindow.Count(x => x.Close && x.Bot);
                    var fields = new List<MetricField>
                    {
                        MetricField.Int("closed", closed),
                        MetricField.Int("bot_resolved", bot),
                        MetricField.Int("transferred", inWindow.Count(x => !x.Close)),
                    };
                    if (closed > 0)
                    {
                        fields.Add(MetricField.Float("bot_resolved_ratio", (double)bot / closed));
                    }

                    Add(result, new MetricPoint(Measurements.Bot, [new("channel", channel), new("shop", shop)], fields, b));
                }

                // Crisis.
                var crisisEvents = before.Where(e => e.Type is EventType.ConversationStarted or EventType.CallQueued or EventType.AgentStatus).ToList();
                var arrivals = crisisEvents.Count(e => e.Type != EventType.AgentStatus && e.TimestampMs >= b - w);
                if (crisisEvents.Count == 0 || (crisisEvents.Max(e => e.TimestampMs) < b - ttl && arrivals == 0))
                {
                    continue;
                }

                var latest = crisisEvents.Where(e => e.Type == EventType.AgentStatus).GroupBy(e => e.AgentId).Select(g => g.Last()).ToList();
                if (latest.Count == 0)
                {
                    continue;
                }

                var perChannel = latest.Where(e => e.AgentState is AgentState.Online or AgentState.Busy)
                    .GroupBy(e => Options.Crisis.ThroughputPerAgentPerMinute[e.AgentChannel ?? "chat"])
                    .OrderBy(g => g.Key);
                // Decimal arithmetic, as configured (docs/metrics.md): 0.2 is 2/10, not the double nearest it.
                var capacity = 0m;
                foreach (var group in perChannel)
                {
                    capacity += (decimal)group.Key * group.Count();
                }

                var volume = arrivals / (decimal)Options.ConversationWindow.TotalMinutes;
                var crisisFields = new List<MetricField> { MetricField.Float("volume_per_min", (double)volume), MetricField.Float("capacity_per_min", (double)capacity) };
                int level;
                if (capacity > 0)
                {
                    // Both scaled to integers, exact as doubles: one IEEE division is the correctly rounded cq.
                    crisisFields.Add(MetricField.Float("cq", (double)(volume * 1000) / (double)(capacity * 1000)));
                    level = Options.Crisis.LevelThresholds.Count(t => volume >= (decimal)t * capacity);
                }
                else
                {
                    level = volume > 0 ? 4 : 0;
                }

                crisisFields.Add(MetricField.Int("level", level));
                Add(result, new MetricPoint(Measurements.Crisis, [new("shop", shop)], crisisFields, b));
            }
        }

        return result;
    }

    private static int Rank(MonitorEvent e) => e.Type switch
    {
        EventType.ConversationStarted or EventType.CallQueued or EventType.AgentStatus => 0,
        EventType.ConversationTransferred => 3,
        EventType.ConversationClosed => 4,
        _ => 2,
    };

    private static void Add(Dictionary<string, MetricPoint> result, MetricPoint point) => result.Add(OraclePoints.Key(point), point);
}
