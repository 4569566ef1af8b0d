using Monitor.Core.Alerts;

namespace Monitor.Core.Metrics;

/// <summary>
/// Sees the engine's state at each step boundary, after the boundary's points were emitted (the
/// alert evaluator's per-item timers). Called on the engine's thread; must not keep the views.
/// </summary>
public interface IBoundaryObserver
{
    void OnBoundary(long boundaryMs, IOpenItemSource items);

    /// <summary>Shops whose partition went to another instance: forget them without resolving anything.</summary>
    void OnShopsDropped(IReadOnlyCollection<string> shops);
}

/// <summary>Open items per shop at a boundary, for per-item timers.</summary>
public interface IOpenItemSource
{
    /// <summary>Visits every shop in state (ordinal order) with its open items of <paramref name="queue"/>, oldest first.</summary>
    void VisitOpenItems(TimerQueue queue, Action<string, IEnumerable<OpenItem>> visit);
}

/// <summary>A state with no open items (threshold-only evaluation, tests and benchmarks).</summary>
public sealed class NoOpenItems : IOpenItemSource
{
    public static readonly NoOpenItems Instance = new();

    private NoOpenItems()
    {
    }

    public void VisitOpenItems(TimerQueue queue, Action<string, IEnumerable<OpenItem>> visit)
    {
    }
}
