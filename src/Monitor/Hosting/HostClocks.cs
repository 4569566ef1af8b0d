namespace Monitor.Hosting;

/// <summary>
/// The host's two clocks, named apart. <see cref="Events"/> is the clock event timestamps are read
/// against: it moves the watermark when streams are idle (clock ticks), bounds what is too far
/// ahead or behind (<c>pipeline.maxFuture</c>, <c>pipeline.maxAge</c>), dates the look-back
/// rebuild and the watermark-lag gauge. In <c>run</c> it is the wall clock; in the demo, the
/// scenario's clock (Double-11 evening, sped up); in tests, a fake one. <see cref="Processing"/>
/// is real elapsed time for input and output: write and delivery retries, back-offs and timeouts,
/// the consumer-lag refresh. Nothing in the host reads the system clock itself.
/// </summary>
public sealed record HostClocks(TimeProvider Events, TimeProvider Processing)
{
    /// <summary>Both clocks the system clock (<c>monitor run</c>).</summary>
    public static HostClocks System { get; } = new(TimeProvider.System, TimeProvider.System);

    /// <summary>Events read against <paramref name="events"/>; input and output in real time.</summary>
    public static HostClocks WithEvents(TimeProvider events) => new(events, TimeProvider.System);
}
