using Microsoft.Extensions.Time.Testing;
using Monitor.Hosting;

namespace Monitor.Tests.Hosting;

/// <summary>The demo's event-time clock runs from the simulator's first event, not from the host's start-up.</summary>
public sealed class ScenarioClockTests
{
    private static readonly DateTimeOffset Start = new(2025, 11, 11, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void BeforeBegin_ItStandsJustBeforeTheStart_HoweverLongTheHostTakesToStart()
    {
        var real = new FakeTimeProvider();
        var clock = new ScenarioClock(Start, speed: 200, realTrail: TimeSpan.FromSeconds(2), real);

        real.Advance(TimeSpan.FromSeconds(3)); // broker and consumer set-up

        Assert.Equal(Start - TimeSpan.FromSeconds(400), clock.GetUtcNow()); // before, 200 s of event time ahead already
    }

    [Fact]
    public void FromBegin_ItRunsSpeedTimesTheRealTime_TrailingByTheTrail_AndASecondBeginChangesNothing()
    {
        var real = new FakeTimeProvider();
        var clock = new ScenarioClock(Start, speed: 200, realTrail: TimeSpan.FromSeconds(2), real);
        real.Advance(TimeSpan.FromSeconds(3));

        clock.Begin();
        real.Advance(TimeSpan.FromSeconds(5));
        clock.Begin();
        real.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Start + TimeSpan.FromSeconds(200 * (6 - 2)), clock.GetUtcNow());
    }
}
