using Monitor.Core.Events;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// One metric family's state for one shop. The engine applies events as they arrive and asks for
/// points at each step boundary b once the watermark has passed it; <see cref="Emit"/> must
/// describe the state after every event with ts &lt; b and before any with ts ≥ b (events at or
/// after b may already be applied), and windows [b − W, b).
/// </summary>
internal interface IShopFamily
{
    /// <summary>
    /// Applies one event routed to this family, on arrival. <paramref name="late"/>: its time is
    /// before <paramref name="watermarkMs"/>. Returns false when a late event was too old to apply meaningfully.
    /// </summary>
    bool Apply(MonitorEvent e, bool late, long watermarkMs);

    /// <summary>Emits this family's points for <paramref name="view"/>: as of boundary b, or now (early results, stamped now).</summary>
    void Emit(in View view, Action<MetricPoint> emit);

    /// <summary>True when nothing is open and no series is active: the family holds no state worth keeping.</summary>
    bool IsIdle(long boundaryMs);

    /// <summary>Drops items with no event for <see cref="EngineOptions.StaleItemAge"/>.</summary>
    void EvictStale(long boundaryMs);
}
