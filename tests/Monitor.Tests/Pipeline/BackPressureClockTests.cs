using System.Reactive.Subjects;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Pipeline;
using Monitor.Hosting;

namespace Monitor.Tests.Pipeline;

public sealed class BackPressureClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 11, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LongPublish_SkipsTicksDuringTheWait_AndHoldsSourcesBeforeTheNextTick()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new BackPressureClock(time, TimeSpan.FromMilliseconds(250));
        var readings = new Subject<long>();
        var inputs = new List<PipelineInput>();
        using var subscription = clock.Ticks(readings).Subscribe(inputs.Add);

        readings.OnNext(T0.ToUnixTimeMilliseconds());
        clock.Publish(() =>
        {
            // InfluxDB is down and the buffer full: Publish waits; a tick arriving meanwhile is skipped.
            time.Advance(TimeSpan.FromSeconds(30));
            readings.OnNext(time.GetUtcNow().ToUnixTimeMilliseconds());
        });
        time.Advance(TimeSpan.FromMilliseconds(250));
        readings.OnNext(time.GetUtcNow().ToUnixTimeMilliseconds());
        readings.OnNext(time.GetUtcNow().ToUnixTimeMilliseconds() + 250);

        var after = T0.AddSeconds(30).ToUnixTimeMilliseconds();
        Assert.Equal(
            [
                PipelineInput.Clock(T0.ToUnixTimeMilliseconds()),
                PipelineInput.Held(after),
                PipelineInput.Clock(after + 250),
                PipelineInput.Clock(after + 500),
            ],
            inputs);
    }

    [Fact]
    public void QuickPublish_NeitherSkipsNorHolds()
    {
        var time = new FakeTimeProvider(T0);
        var clock = new BackPressureClock(time, TimeSpan.FromMilliseconds(250));
        var readings = new Subject<long>();
        var inputs = new List<PipelineInput>();
        using var subscription = clock.Ticks(readings).Subscribe(inputs.Add);

        clock.Publish(() => time.Advance(TimeSpan.FromMilliseconds(10)));
        readings.OnNext(1);

        Assert.Equal([PipelineInput.Clock(1)], inputs);
    }
}
