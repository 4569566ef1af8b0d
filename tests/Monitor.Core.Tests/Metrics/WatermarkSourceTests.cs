using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Metrics;

/// <summary>The event-driven watermark is the slowest source's newest event time minus the lateness.</summary>
public sealed class WatermarkSourceTests
{
    private static readonly EngineOptions Options = new() { AllowedLateness = TimeSpan.FromSeconds(5) };

    [Fact]
    public void SourceReadAhead_DoesNotMakeAnotherSourcesEventsLate()
    {
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });
        engine.OpenSource(1);
        engine.OpenSource(2);

        // Partition 1 is read far ahead (a consumer catching up), partition 2 comes afterwards.
        Assert.True(engine.Accept(events.Customer("a", At(100), shop: "s1"), source: 1));
        Assert.True(engine.Accept(events.Customer("b", At(2), shop: "s2"), source: 2));
        Assert.True(engine.Accept(events.Agent("b", At(3), shop: "s2"), source: 2));
        Assert.Equal(At(3) - 5000, engine.Watermark);
    }

    [Fact]
    public void UnopenedSource_DoesNotHoldTheWatermark()
    {
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });
        Assert.True(engine.Accept(events.Customer("a", At(100)), source: 1));
        Assert.False(engine.Accept(events.Customer("b", At(2)), source: 2));
    }

    [Fact]
    public void OpenedSource_HoldsTheWatermarkUntilItDelivers_AndClosingReleasesIt()
    {
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });
        engine.OpenSource(2);

        engine.Accept(events.Customer("a", At(100)), source: 1);
        Assert.Equal(long.MinValue, engine.Watermark);

        engine.CloseSource(2);
        Assert.Equal(At(95), engine.Watermark);

        // An event of an idle source that is older than the watermark is late.
        Assert.False(engine.Accept(events.Customer("b", At(10)), source: 2));
    }

    [Fact]
    public void PartitionTakenOverBehindTheWatermark_IsRebuiltOnTime_AndEmitsEveryBoundaryItsOwnerWould()
    {
        // What the previous owner would have emitted for shop s2: its events alone, up to 95 s.
        var history = new ChatEvents();
        List<Monitor.Core.Events.MonitorEvent> s2 = [history.Customer("x", At(2), shop: "s2"), history.Agent("x", At(12), shop: "s2"), history.Customer("y", At(30), shop: "s2")];
        var expected = new List<MetricPoint>();
        var alone = new MetricEngine(Options, expected.Add);
        s2.ForEach(e => alone.Accept(e));
        alone.AdvanceTo(At(95));

        var points = new List<MetricPoint>();
        var engine = new MetricEngine(Options, points.Add);
        var events = new ChatEvents();
        engine.OpenSource(1);
        engine.Accept(events.Customer("a", At(1), shop: "s1"), source: 1);
        engine.Accept(events.Customer("b", At(100), shop: "s1"), source: 1);
        Assert.Equal(At(95), engine.Watermark);

        // A rebalance hands this instance partition 2, whose look-back starts far behind 95 s.
        engine.OpenSource(2);
        Assert.All(s2, e => Assert.True(engine.Accept(e, source: 2), $"{e.EventId} taken for late"));
        engine.CloseSource(2);

        Assert.Equal(At(95), engine.Watermark);
        Assert.Equal(Lines(expected), Lines(points.Where(p => p.Tag("shop") == "s2")));

        // Joined: the shop goes on with the engine's boundaries.
        engine.Accept(events.Agent("y", At(101), shop: "s2"), source: 2);
        engine.AdvanceTo(At(105));
        Assert.Contains(points, p => p.Tag("shop") == "s2" && p.TimestampMs == At(100));
    }

    private static List<string> Lines(IEnumerable<MetricPoint> points) =>
        points.Select(p => $"{p.Measurement} {string.Join(",", p.Tags)} {string.Join(",", p.Fields)} {p.TimestampMs}").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void MovingAFasterSource_LeavesTheWatermarkAtTheSlowest()
    {
        var events = new ChatEvents();
        var points = new List<MetricPoint>();
        var engine = new MetricEngine(Options, points.Add);
        engine.Accept(events.Customer("a", At(20)), source: 1);
        engine.Accept(events.Customer("b", At(30)), source: 2);
        engine.Accept(events.Customer("c", At(90)), source: 2);
        Assert.Equal(At(15), engine.Watermark);

        engine.Accept(events.Customer("d", At(60)), source: 1);
        Assert.Equal(At(55), engine.Watermark);
        Assert.Equal(At(50), points.Max(p => p.TimestampMs));
    }

    [Fact]
    public void Clock_DoesNotOvertakeASourceThatIsStillDelivering()
    {
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });

        // A consumer catching up: the clock is an hour ahead of the backlog it is reading. Before
        // the first assignment the clock moves nothing.
        engine.AdvanceClock(At(3600));
        Assert.Equal(long.MinValue, engine.Watermark);
        engine.OpenSource(1);
        Assert.True(engine.Accept(events.Customer("a", At(10)), source: 1));
        engine.AdvanceClock(At(3601));
        Assert.True(engine.Accept(events.Customer("b", At(20)), source: 1));
        Assert.Equal(At(15), engine.Watermark);

        // Once the source has been quiet for SourceIdleAfter (5 s) of clock time, the clock moves event time.
        engine.AdvanceClock(At(3604));
        Assert.Equal(At(15), engine.Watermark);
        engine.AdvanceClock(At(3607));
        Assert.Equal(At(3602), engine.Watermark);
    }

    [Fact]
    public void WaitForOutputRoom_IsNotSilence_SoEventsStillInKafkaAreNotLate()
    {
        // The pipeline reads a partition in real time, then waits 60 s in Publish for room in a full
        // InfluxDB buffer while Kafka receives events stamped during the wait. After it, the clock is
        // 60 s on; the partition's next events are stamped 1 s after the last one read.
        static MetricEngine ReadThenWait(ChatEvents events, bool held)
        {
            var engine = new MetricEngine(Options, _ => { });
            engine.OpenSource(1);
            engine.AdvanceClock(At(100));
            Assert.True(engine.Accept(events.Customer("a", At(100)), source: 1));
            if (held)
            {
                engine.HoldSources(At(160));
            }

            engine.AdvanceClock(At(160.25));
            return engine;
        }

        var held = ReadThenWait(new ChatEvents(), held: true);
        Assert.Equal(At(95), held.Watermark);
        Assert.True(held.Accept(new ChatEvents().Customer("b", At(101)), source: 1));

        // Without the hold notice the wait looked like 60 s of silence: the clock moved event time to
        // now − lateness and every event written to Kafka during the wait became late.
        var unheld = ReadThenWait(new ChatEvents(), held: false);
        Assert.Equal(At(155.25), unheld.Watermark);
        Assert.False(unheld.Accept(new ChatEvents().Customer("b", At(101)), source: 1));
    }

    [Fact]
    public void HeldSource_StillGoesIdleOnceReallySilentAfterTheWait()
    {
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });
        engine.OpenSource(1);
        engine.AdvanceClock(At(100));
        Assert.True(engine.Accept(events.Customer("a", At(100)), source: 1));
        engine.HoldSources(At(160));

        engine.AdvanceClock(At(164));
        Assert.Equal(At(95), engine.Watermark);
        engine.AdvanceClock(At(166));
        Assert.Equal(At(161), engine.Watermark);
    }

    [Fact]
    public void LateFirstEvent_DoesNotEmitBoundariesBelowTheWatermark()
    {
        var events = new ChatEvents();
        var points = new List<MetricPoint>();
        var engine = new MetricEngine(Options, points.Add);
        engine.OpenSource(1);
        engine.CloseSource(1);
        engine.AdvanceClock(At(100));

        Assert.False(engine.Accept(events.Customer("a", At(10))));
        engine.AdvanceClock(At(130));

        Assert.NotEmpty(points);
        Assert.True(points.Min(p => p.TimestampMs) > At(95), $"first point at {points.Min(p => p.TimestampMs) - At(0)} ms");
    }

    [Fact]
    public void RevokedSource_DropsItsShopsAndTheirBufferedEvents()
    {
        var events = new ChatEvents();
        var points = new List<MetricPoint>();
        var engine = new MetricEngine(Options, points.Add);
        engine.OpenSource(1);
        engine.OpenSource(2);
        engine.Accept(events.Customer("a", At(1), shop: "moved"), source: 1);
        engine.Accept(events.Customer("b", At(2), shop: "kept"), source: 2);
        engine.Accept(events.Customer("c", At(30), shop: "moved"), source: 1);
        engine.Accept(events.Customer("d", At(31), shop: "kept"), source: 2);

        var before = points.Count;
        engine.DropSource(1);
        engine.AdvanceTo(At(60));

        var shops = points.Skip(before).Select(p => p.Tag("shop")!).Distinct().ToArray();
        Assert.Equal(["kept"], shops);
        Assert.Equal(1, engine.Shops);
    }
    [Fact]
    public void ShopsPassingThrough_LeaveNoBookkeepingBehind_OnceIdle()
    {
        // 2,000 distinct shop ids, each one conversation, over about half an hour: once their series
        // outlive the TTL (1 h) nothing of any of them stays, the shop-to-source map included.
        var events = new ChatEvents();
        var engine = new MetricEngine(Options, _ => { });
        engine.OpenSource(1);
        const int shops = 2_000;
        for (var i = 0; i < shops; i++)
        {
            var shop = $"passing-{i}";
            engine.Accept(events.Customer($"c{i}", At(i), shop: shop), source: 1);
            engine.Accept(events.Agent($"c{i}", At(i + 0.5), shop: shop), source: 1);
            engine.Accept(events.Closed($"c{i}", At(i + 0.8), shop: shop), source: 1);
        }

        Assert.True(engine.TrackedShopSources > 0, "the shops still live within the TTL");
        engine.Accept(events.Customer("last", At(shops + 3 * 3600), shop: "stays"), source: 1);
        engine.AdvanceTo(At(shops + 3 * 3600));

        Assert.Equal(1, engine.Shops);
        Assert.Equal(1, engine.TrackedShopSources);
    }
}
