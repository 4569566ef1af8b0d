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
        Assert.Equal(0.7, point.Value("capacity_per_min"), 12);
        Assert.Equal(3.0 / 0.7, point.Value("cq"), 12);
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

        Assert.Equal(0.2, CrisisAt(engine, At(10)).Value("capacity_per_min"), 12);
        Assert.Equal(0.5, CrisisAt(engine, At(20)).Value("capacity_per_min"), 12);
    }
}
