namespace Monitor.Hosting;

/// <summary>
/// The demo's event-time clock: starts at the scenario's start and runs <c>speed</c> times faster
/// than the wall clock, trailing by a little real time so events in flight are not late. Timers
/// still run in real time (the base TimeProvider's), which is what the pipeline's tick wants.
/// </summary>
public sealed class ScenarioClock(DateTimeOffset start, double speed, TimeSpan realTrail) : TimeProvider
{
    private readonly long _origin = System.GetTimestamp();

    /// <summary>The scenario start plus <c>speed</c> × the real time elapsed since this clock was made, less the trail (so just before the start during the first <c>realTrail</c>).</summary>
    public override DateTimeOffset GetUtcNow()
    {
        var elapsed = System.GetElapsedTime(_origin) - realTrail;
        return start + TimeSpan.FromTicks((long)(elapsed.Ticks * speed));
    }
}
