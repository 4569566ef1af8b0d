using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Metrics;

/// <summary>
/// Output back-pressure (<see cref="MetricEngine.HoldBoundaries"/>): while an output has no room the
/// engine emits no boundary and its watermark stays put, events go on being applied, none is made
/// late by the wait, and once room is back the held boundaries come out with the same points as a
/// run that never waited.
/// </summary>
public sealed class HoldBoundariesTests
{
    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.FromSeconds(30),
        SeriesTtl = TimeSpan.FromSeconds(120),
        ChatReplySla = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void HoldsOfAnyLength_GiveTheSamePoints_AsARunThatNeverWaited()
    {
        var lateness = (long)Options.AllowedLateness.TotalMilliseconds;
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var history = OutOfOrderTests.LongHistory(random, conversations: 60, spanSeconds: 600);
            var arrival = history
                .Select(e => (Event: e, Key: e.TimestampMs + random.NextInt64(0, lateness + 1)))
                .OrderBy(x => x.Key)
                .Select(x => x.Event)
                .ToArray();
            var expected = Run(arrival, hold: null);
            Assert.True(expected.Count > 300, $"only {expected.Count} points");

            // Holds of 0 to 11 asks at a time (it is asked when a boundary falls due, then at each event while it holds).
            var holding = false;
            var left = 0;
            var held = 0;
            var actual = Run(arrival, hold: () =>
            {
                if (left-- <= 0)
                {
                    holding = !holding;
                    left = random.Next(12);
                }

                held += holding ? 1 : 0;
                return holding;
            });

            Assert.True(held > 10, $"seed {seed}: held only {held} times");
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void WhileHeld_NoBoundaryIsEmitted_TheWatermarkStays_AndEventsAreStillApplied()
    {
        var chat = new ChatEvents();
        var run = new RecordingEngine(Options);
        var holding = false;
        run.Engine.HoldBoundaries = () => holding;
        run.Feed(chat.Customer("c1", ChatEvents.At(5)), chat.Customer("c2", ChatEvents.At(50)));
        var emitted = run.Points.Count;
        var watermark = run.Engine.Watermark;
        Assert.True(emitted > 0, "the boundaries up to 20 s were emitted");

        holding = true;
        run.Feed(chat.Agent("c1", ChatEvents.At(60)), chat.Customer("c3", ChatEvents.At(200)));
        Assert.Equal(emitted, run.Points.Count);
        Assert.Equal(watermark, run.Engine.Watermark);
        Assert.True(run.Engine.Accept(chat.Customer("c4", ChatEvents.At(40))), "an event after the last emitted boundary is not late while boundaries wait");

        holding = false;
        run.Engine.AdvanceTo(ChatEvents.At(200) - (long)Options.AllowedLateness.TotalMilliseconds);
        Assert.True(run.Points.Count > emitted, "the held boundaries come out once there is room");
        Assert.Contains(run.Points, p => p.Measurement == Measurements.ResponseTime && p.TimestampMs == ChatEvents.At(70));
    }

    private static List<string> Run(IEnumerable<MonitorEvent> arrival, Func<bool>? hold)
    {
        var run = new RecordingEngine(Options);
        run.Engine.HoldBoundaries = hold;
        foreach (var e in arrival)
        {
            Assert.True(run.Engine.Accept(e), $"{e} was late");
        }

        run.Engine.HoldBoundaries = null;
        run.Engine.Flush();
        return run.Points.Select(p => p.Describe()).ToList();
    }
}
