using Monitor.Core.Points;

namespace Monitor.Output;

/// <summary>Where metric points go: InfluxDB (<see cref="Influx.InfluxWriter"/>) or a file (<see cref="LineProtocolFileSink"/>).</summary>
public interface IPointSink : IAsyncDisposable
{
    /// <summary>
    /// Accepts points: the pipeline's series points and a list it reuses, so read (or format, or
    /// clone) them before returning and keep neither. The Influx writer buffers them (bounded): in <c>BufferFullMode.Wait</c> it applies
    /// back-pressure (replay: lose nothing); in <c>DropOldest</c> (live) it waits at most <c>MaxBlock</c>, then drops the oldest and counts them.
    /// </summary>
    ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default);

    /// <summary>Writes everything accepted so far; returns when done (or throws on cancellation).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A sink that would rather the pipeline held its next boundary than blocked in a write: live mode
/// asks it before each boundary (<see cref="PointRouter.ShouldHoldBoundary"/>), so a full buffer stops
/// emission while events are still read, applied and judged by the early alerts.
/// </summary>
public interface IBackPressureSink
{
    /// <summary>
    /// True while the next boundary's points should wait (the buffer is full, for at most a bounded time).
    /// A method, not a property: asking it may start the sink's own fallback (counting the time held,
    /// dropping the oldest points once the bound has passed).
    /// </summary>
    bool ShouldHoldBoundary();
}
