using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Crisis;

public sealed class CrisisQuotientTests
{
    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromMinutes(1),
        AllowedLateness = TimeSpan.Zero,
        SeriesTtl = TimeSpan.FromMinutes(5),
    };

    private static int _next;

    private static MonitorEvent AgentStatus(string agent, long ts, AgentState state, string? channel = null, string shop = "s1") => new()
    {
        Type = EventType.AgentStatus,
        EventId = $"a{Interlocked.Increment(ref _next)}",
        ShopId = shop,
        TimestampMs = ts,
        AgentId = agent,
        AgentState = state,
        AgentChannel = channel,
    };

    private static MonitorEvent CallQueued(string call, long ts, string shop = "s1") => new()
    {
        Type = EventType.CallQueued,
        EventId = $"q{Interlocked.Increment(ref _next)}",
        ShopId = shop,
        TimestampMs = ts,
        CallId = call,
    };

    private static MetricPoint CrisisAt(RecordingEngine engine, long boundary, string shop = "s1") =>
        Assert.Single(engine.Points, p => p.Measurement == Measurements.Crisis && p.Tag("shop") == shop && p.TimestampMs == boundary);

    [Fact]
    public void Cq_IsVolumePerMinuteOverCapacityOfOnlineAndBusyAgents()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            AgentStatus("ag1", At(0), AgentState.Online, "chat"),   // 0.5/min
            AgentStatus("ag2", At(0.5), AgentState.Busy, "call"),   // 0.2/min
            AgentStatus("ag3", At(0.7), AgentState.Offline, "chat"),
            chats.Started("c1", At(1)),
            chats.Started("c2", At(2)),
            CallQueued("k1", At(3)),
            chats.Customer("c1", At(4)));   // a message is not new volume
        engine.Engine.AdvanceTo(At(11));

        var point = CrisisAt(engine, At(10));
        Assert.Equal(3.0, point.Value("volume_per_min"));
        Assert.Equal(0.7, point.Value("capacity_per_min"));
        Assert.Equal(30.0 / 7.0, point.Value("cq"));
        Assert.Equal(4, point.Value("level"));
        Assert.Equal(FieldKind.Integer, point.Field("level")!.Value.Kind);
    }

    [Theory]
    [InlineData(0.79, 0)]
    [InlineData(0.8, 1)]
    [InlineData(1.0, 2)]
    [InlineData(1.2, 3)]
    [InlineData(1.49, 3)]
    [InlineData(1.5, 4)]
    public void Level_CountsTheThresholdsReached(double cq, int level)
    {
        // Capacity 100 per minute from static capacity; volume = cq × 100 arrivals over a 1-minute window.
        var options = Options with { Crisis = new CrisisOptions { StaticCapacityPerMinute = 100 } };
        var chats = new ChatEvents();
        var arrivals = (int)Math.Round(cq * 100);
        var engine = new RecordingEngine(options).Feed(
            Enumerable.Range(0, arrivals).Select(i => chats.Started($"c{i}", At(1 + (i * 0.05)))).ToArray());
        engine.Engine.AdvanceTo(At(21));

        Assert.Equal(level, CrisisAt(engine, At(20)).Value("level"));
    }

    [Fact]
    public void NoAgentsAndNoStaticCapacity_GivesNoCrisisPoint()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(chats.Started("c1", At(1)));
        engine.Engine.AdvanceTo(At(30));
        Assert.DoesNotContain(engine.Points, p => p.Measurement == Measurements.Crisis);
    }

    [Fact]
    public void AllAgentsOffline_GivesNoCq_AndTheTopLevelWhileWorkArrives()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            AgentStatus("ag1", At(0), AgentState.Online),
            AgentStatus("ag1", At(2), AgentState.Offline),
            chats.Started("c1", At(3)));
        engine.Engine.AdvanceTo(At(80));

        var point = CrisisAt(engine, At(10));
        Assert.Equal(0, point.Value("capacity_per_min"));
        Assert.Null(point.Field("cq"));
        Assert.Equal(4, point.Value("level"));

        // The arrival leaves the 1-minute window: nothing arrives, level 0.
        Assert.Equal(0, CrisisAt(engine, At(70)).Value("level"));
    }

    [Fact]
    public void LatestStatusPerAgent_DecidesCapacity()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            AgentStatus("ag1", At(0), AgentState.Online, "email"),  // 0.2
            chats.Started("c1", At(1)),
            AgentStatus("ag1", At(12), AgentState.Busy, "chat"));   // 0.5 from 12 s
        engine.Engine.AdvanceTo(At(21));

        Assert.Equal(0.2, CrisisAt(engine, At(10)).Value("capacity_per_min"));
        Assert.Equal(0.5, CrisisAt(engine, At(20)).Value("capacity_per_min"));
    }

    [Fact]
    public void Cq_OfExactly08_IsLevel1_NotOneUlpBelow()
    {
        // The reported case: 14 arrivals in 5 minutes (2.8/min), 7 chat agents at 0.5/min (3.5/min).
        // 2.8 / 3.5 in doubles is 0.7999999999999999, which read as level 0.
        var options = Options with { ConversationWindow = TimeSpan.FromMinutes(5), SeriesTtl = TimeSpan.FromMinutes(10) };
        var chats = new ChatEvents();
        var events = Enumerable.Range(0, 7).Select(i => AgentStatus($"ag{i}", At(0), AgentState.Online, "chat"))
            .Concat(Enumerable.Range(0, 14).Select(i => chats.Started($"c{i}", At(1 + i))))
            .ToArray();
        var engine = new RecordingEngine(options).Feed(events);
        engine.Engine.AdvanceTo(At(21));

        var point = CrisisAt(engine, At(20));
        Assert.Equal(2.8, point.Value("volume_per_min"));
        Assert.Equal(3.5, point.Value("capacity_per_min"));
        Assert.Equal(0.8, point.Value("cq"));
        Assert.Equal(1, point.Value("level"));
    }

    [Fact]
    public void Capacity_IsTheExactSumOfDecimalThroughputs()
    {
        // Three call agents at 0.2/min: 0.6, where summing doubles gives 0.6000000000000001.
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Options).Feed(
            AgentStatus("ag1", At(0), AgentState.Online, "call"),
            AgentStatus("ag2", At(0), AgentState.Online, "call"),
            AgentStatus("ag3", At(0), AgentState.Busy, "call"),
            chats.Started("c1", At(1)));
        engine.Engine.AdvanceTo(At(11));

        var point = CrisisAt(engine, At(10));
        Assert.Equal(0.6, point.Value("capacity_per_min"));
        Assert.Equal(10.0 / 6.0, point.Value("cq"));
    }

    /// <summary>
    /// For any arrival count and agent mix the level is the number of thresholds t with
    /// arrivals / W ≥ t × capacity, decided in decimal arithmetic (the thresholds of the default
    /// settings and per-agent throughputs are decimals, so binary rounding must not decide).
    /// </summary>
    [Fact]
    public void Level_EqualsTheDecimalCount_ForRandomArrivalsAndAgentMixes()
    {
        var random = new Random(20261111);
        var options = Options with { ConversationWindow = TimeSpan.FromMinutes(5), SeriesTtl = TimeSpan.FromMinutes(10) };
        var throughputs = options.Crisis.ThroughputPerAgentPerMinute;
        var channels = throughputs.Keys.ToArray();
        var onThreshold = 0;
        for (var run = 0; run < 400; run++)
        {
            var chats = new ChatEvents();
            var agents = Enumerable.Range(0, random.Next(1, 30)).Select(i => (Id: $"ag{i}", Channel: channels[random.Next(channels.Length)])).ToList();
            var capacityTenths = agents.Sum(a => (int)Math.Round(throughputs[a.Channel] * 10));
            var arrivals = random.Next(0, 120);
            if (random.Next(2) == 0)
            {
                // Aim at a threshold t: arrivals = t × capacity × 5 when that is a whole number.
                var t = (int)Math.Round(options.Crisis.LevelThresholds[random.Next(options.Crisis.LevelThresholds.Count)] * 10);
                if (t * capacityTenths * 5 % 100 == 0)
                {
                    arrivals = t * capacityTenths * 5 / 100;
                }
            }

            var events = agents.Select(a => AgentStatus(a.Id, At(0), AgentState.Online, a.Channel))
                .Concat(Enumerable.Range(0, arrivals).Select(i => chats.Started($"c{i}", At(1 + (i * 0.1)))))
                .ToArray();
            var engine = new RecordingEngine(options).Feed(events);
            engine.Engine.AdvanceTo(At(21));

            var capacity = agents.Sum(a => (decimal)throughputs[a.Channel]);
            var volume = arrivals / 5m;
            var expected = options.Crisis.LevelThresholds.Count(t => volume >= (decimal)t * capacity);
            onThreshold += options.Crisis.LevelThresholds.Count(t => volume == (decimal)t * capacity);
            var point = CrisisAt(engine, At(20));
            Assert.Equal(expected, point.Value("level"));
            Assert.Equal((double)(volume * 10) / (double)(capacity * 10), point.Value("cq"));
        }

        Assert.True(onThreshold > 5, $"only {onThreshold} runs landed exactly on a threshold: the property would not test the edge");
    }
}
