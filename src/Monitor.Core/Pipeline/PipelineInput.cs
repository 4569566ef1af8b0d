using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;

namespace Monitor.Core.Pipeline;

/// <summary>What drives the pipeline: an event, or (live mode) a clock reading that moves an idle stream's watermark.</summary>
public readonly record struct PipelineInput
{
    private PipelineInput(MonitorEvent? e, long clockMs, int source, SourceChange change)
    {
        Event = e;
        ClockMs = clockMs;
        Source = source;
        Change = change;
    }

    /// <summary>The event to apply; null for a clock reading or a source notice.</summary>
    public MonitorEvent? Event { get; }

    /// <summary>Processing-time clock reading in epoch ms (live mode), when <see cref="Event"/> is null.</summary>
    public long ClockMs { get; }

    /// <summary>Where the event came from (a partition id; 0 for a single stream).</summary>
    public int Source { get; }

    /// <summary>For a source notice: whether <see cref="Source"/> opened or went idle/away.</summary>
    public SourceChange Change { get; }

    /// <summary>An event read from <paramref name="source"/> (a partition id; 0 for a single stream).</summary>
    public static PipelineInput Of(MonitorEvent e, int source = 0) => new(e, 0, source, SourceChange.None);

    /// <summary>Live mode: a processing-time clock reading (epoch ms) that advances an idle stream's watermark.</summary>
    public static PipelineInput Clock(long nowMs) => new(null, nowMs, 0, SourceChange.None);

    /// <summary>A partition was assigned: hold the watermark until it delivers.</summary>
    public static PipelineInput SourceOpened(int source) => new(null, 0, source, SourceChange.Opened);

    /// <summary>A partition reached its end: stop waiting for it.</summary>
    public static PipelineInput SourceIdle(int source) => new(null, 0, source, SourceChange.Idle);

    /// <summary>A partition went to another instance (revoked or lost): drop its shops' state.</summary>
    public static PipelineInput SourceRevoked(int source) => new(null, 0, source, SourceChange.Revoked);

    /// <summary>A partition is being read again from its look-back to rebuild state: alerts wait for it.</summary>
    public static PipelineInput SourceRebuilding(int source) => new(null, 0, source, SourceChange.Rebuilding);

    /// <summary>The re-read reached the committed offset: from here on the partition's events are new.</summary>
    public static PipelineInput SourceRebuilt(int source) => new(null, 0, source, SourceChange.Rebuilt);

    /// <summary>
    /// Live mode: the pipeline waited for room in an output until clock time <paramref name="untilMs"/>
    /// and read no source meanwhile; that wait is not silence (see <c>MetricEngine.HoldSources</c>).
    /// </summary>
    public static PipelineInput Held(long untilMs) => new(null, untilMs, 0, SourceChange.Held);
}

/// <summary>What a pipeline input says about its source (a partition), when it carries no event: see the <see cref="PipelineInput"/> factories.</summary>
public enum SourceChange : byte
{
    /// <summary>No notice: the input is an event or a clock reading.</summary>
    None,
    /// <summary>The partition was assigned (<see cref="PipelineInput.SourceOpened"/>).</summary>
    Opened,
    /// <summary>The partition reached its end (<see cref="PipelineInput.SourceIdle"/>).</summary>
    Idle,
    /// <summary>The partition went to another instance (<see cref="PipelineInput.SourceRevoked"/>).</summary>
    Revoked,
    /// <summary>The partition is re-read from its look-back (<see cref="PipelineInput.SourceRebuilding"/>).</summary>
    Rebuilding,
    /// <summary>The re-read reached the committed offset (<see cref="PipelineInput.SourceRebuilt"/>).</summary>
    Rebuilt,
    /// <summary>The pipeline waited for room in an output (<see cref="PipelineInput.Held"/>).</summary>
    Held,
}

/// <summary>Optional observers of pipeline internals, for counters and gauges at the edge.</summary>
public sealed class PipelineHooks
{
    /// <summary>Called for each late event (after it was applied where meaningful).</summary>
    public Action<MonitorEvent>? Late { get; init; }

    /// <summary>
    /// Called for each event the engine refused, with why (<see cref="EventVerdict.Refused"/>: it
    /// would add an item to a shop family at <c>MaxItemsPerShop</c>;
    /// <see cref="EventVerdict.RefusedInstanceFull"/>: to an instance at <c>MaxItems</c>), on the
    /// thread that pushed it, before the next input: nothing of it was applied, and the caller
    /// dead-letters it.
    /// </summary>
    public Action<MonitorEvent, EventVerdict>? Refused { get; init; }

    /// <summary>Called with the watermark (epoch ms) after each input that moved it.</summary>
    public Action<long>? WatermarkAdvanced { get; init; }

    /// <summary>
    /// Called with the shops and items the engine holds (see <c>MetricEngine.ItemsHeld</c>) once per
    /// step boundary the watermark passes, for the state gauges.
    /// </summary>
    public Action<int, long>? StateMeasured { get; init; }

    /// <summary>Called with each alert state change, in event-time order, on the pipeline's thread.</summary>
    public Action<AlertChange>? AlertChanged { get; init; }

    /// <summary>
    /// Live mode's output back-pressure (see <c>MetricEngine.HoldBoundaries</c>): true while the
    /// points of another boundary have no room (a full InfluxDB buffer), so boundaries wait in the
    /// engine while events are still read, applied and judged early.
    /// </summary>
    public Func<bool>? HoldBoundaries { get; init; }
}
