using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// One metric family's state for one shop. The engine applies events in event-time order and asks
/// for points at each step boundary b; <see cref="Emit"/> must describe the state after every event
/// with ts &lt; b and before any with ts ≥ b, and windows [b − W, b).
/// </summary>
internal interface IShopFamily
{
    /// <summary>Applies one event routed to this family. Returns false when a late event was too old to apply meaningfully.</summary>
    bool Apply(MonitorEvent e, bool late);

    /// <summary>Emits this family's points for boundary <paramref name="boundaryMs"/>.</summary>
    void Emit(long boundaryMs, Action<MetricPoint> emit);

    /// <summary>True when nothing is open and no series is active: the family holds no state worth keeping.</summary>
    bool IsIdle(long boundaryMs);

    /// <summary>Drops items with no event for <see cref="EngineOptions.StaleItemAge"/>.</summary>
    void EvictStale(long boundaryMs);
}
