namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Which state a family reads: as of boundary b (final: every event before b, windows [b − W, b))
/// or now (early: every event applied, windows ending at the boundary after now), so one emission
/// code path serves both. Points are stamped <see cref="AtMs"/>.
/// </summary>
internal readonly record struct View(long AtMs, long WindowEndMs, bool Final)
{
    public static View At(long boundaryMs) => new(boundaryMs, boundaryMs, true);

    /// <summary>Now, <paramref name="atMs"/>: windows end at the first boundary after it (the open bucket included).</summary>
    public static View Now(long atMs, long stepMs) => new(atMs, atMs - (((atMs % stepMs) + stepMs) % stepMs) + stepMs, false);
}

/// <summary>Reads of a window of durations: the prepared window itself, or an early view of it.</summary>
internal interface ISampleRead
{
    long Count { get; }

    long Sum { get; }

    long Within { get; }

    long Max { get; }

    long Percentile(int percent);
}
