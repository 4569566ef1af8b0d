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
