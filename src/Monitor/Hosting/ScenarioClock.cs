namespace Monitor.Hosting;

/// <summary>
/// The demo's event-time clock: from <see cref="Begin"/> (when the simulator starts publishing) it
/// runs <c>speed</c> times faster than the wall clock from the scenario's start, trailing by a little
/// real time so events in flight are not late; before it, it stands just before the start. Timers
/// still run in real time (the base TimeProvider's), which is what the pipeline's tick wants.
/// </summary>
/// <remarks>
/// Started when it was made, the clock ran ahead of the simulator by the host's start-up time (a second
/// or two of broker and consumer set-up), times the speed: at 200× that is minutes of event time, and
/// most of the demo's events arrived late.
/// </remarks>
/// <param name="real">Source of the real time; <see cref="TimeProvider.System"/> when null (tests pass a fake one).</param>
public sealed class ScenarioClock(DateTimeOffset start, double speed, TimeSpan realTrail, TimeProvider? real = null) : TimeProvider
{
    private readonly TimeProvider _real = real ?? System;
    private long _origin = long.MinValue;

    /// <summary>The simulator starts now: the scenario's time starts to run. Later calls change nothing.</summary>
    public void Begin() => Interlocked.CompareExchange(ref _origin, _real.GetTimestamp(), long.MinValue);

    /// <summary>
    /// The scenario start plus <c>speed</c> × the real time since <see cref="Begin"/>, less the trail (so
    /// just before the start during the first <c>realTrail</c>); before <see cref="Begin"/>, start − trail × speed.
    /// </summary>
    public override DateTimeOffset GetUtcNow()
    {
        var origin = Interlocked.Read(ref _origin);
        var elapsed = (origin == long.MinValue ? TimeSpan.Zero : _real.GetElapsedTime(origin)) - realTrail;
        return start + TimeSpan.FromTicks((long)(elapsed.Ticks * speed));
    }
}
