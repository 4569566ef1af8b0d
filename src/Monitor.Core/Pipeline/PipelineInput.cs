using Monitor.Core.Events;

namespace Monitor.Core.Pipeline;

/// <summary>What drives the pipeline: an event, or (live mode) a clock reading that moves an idle stream's watermark.</summary>
public readonly record struct PipelineInput
{
    private PipelineInput(MonitorEvent? e, long clockMs)
    {
        Event = e;
        ClockMs = clockMs;
    }

    public MonitorEvent? Event { get; }

    /// <summary>Processing-time clock reading in epoch ms (live mode), when <see cref="Event"/> is null.</summary>
    public long ClockMs { get; }

    public static PipelineInput Of(MonitorEvent e) => new(e, 0);

    public static PipelineInput Clock(long nowMs) => new(null, nowMs);
}

/// <summary>Optional observers of pipeline internals, for counters and gauges at the edge.</summary>
public sealed class PipelineHooks
{
    /// <summary>Called for each late event (after it was applied where meaningful).</summary>
    public Action<MonitorEvent>? Late { get; init; }

    /// <summary>Called with the watermark (epoch ms) after each input that moved it.</summary>
    public Action<long>? WatermarkAdvanced { get; init; }
}
