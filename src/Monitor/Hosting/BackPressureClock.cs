using System.Reactive.Linq;
using Monitor.Core.Pipeline;

namespace Monitor.Hosting;

/// <summary>
/// Live mode's clock readings, aware of output back-pressure. While the pipeline's thread waits in
/// <see cref="Output.PointRouter.Publish"/> for room in a full InfluxDB buffer, Kafka is not read
/// and the pipeline's gate is held. A clock tick then would only park a pool thread behind the gate
/// (one per tick, for as long as the wait lasts), so ticks are skipped; and the first tick after a
/// wait is preceded by <see cref="PipelineInput.Held"/>, so the engine does not take the wait for
/// silence of the partitions and move event time past events still waiting in Kafka.
/// </summary>
/// <param name="clock">The clock the engine's readings come from.</param>
/// <param name="longWait">A publish that takes at least this long counts as a wait (the live host uses its clock tick).</param>
public sealed class BackPressureClock(TimeProvider clock, TimeSpan longWait)
{
    private long _publishingSince = long.MinValue;
    private long _heldUntilMs = long.MinValue;

    /// <summary>Runs <paramref name="publish"/> (the router's Publish) and notes how long it waited.</summary>
    public void Publish(Action publish)
    {
        var started = clock.GetTimestamp();
        Volatile.Write(ref _publishingSince, started);
        try
        {
            publish();
        }
        finally
        {
            Volatile.Write(ref _publishingSince, long.MinValue);
            if (clock.GetElapsedTime(started) >= longWait)
            {
                Interlocked.Exchange(ref _heldUntilMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
            }
        }
    }

    /// <summary>Clock readings (epoch ms) as pipeline inputs: none during a long wait, a hold notice before the first one after it.</summary>
    public IObservable<PipelineInput> Ticks(IObservable<long> readings) =>
        readings
            .Where(_ => !Waiting)
            .SelectMany(nowMs =>
            {
                var held = Interlocked.Exchange(ref _heldUntilMs, long.MinValue);
                return held == long.MinValue
                    ? [PipelineInput.Clock(nowMs)]
                    : new[] { PipelineInput.Held(held), PipelineInput.Clock(nowMs) };
            });

    private bool Waiting
    {
        get
        {
            var since = Volatile.Read(ref _publishingSince);
            return since != long.MinValue && clock.GetElapsedTime(since) >= longWait;
        }
    }
}
