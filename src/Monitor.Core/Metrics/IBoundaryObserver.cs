using Monitor.Core.Alerts;

namespace Monitor.Core.Metrics;

/// <summary>
/// Sees the engine's state at each step boundary, after the boundary's points were emitted (the
/// alert evaluator's per-item timers). Called on the engine's thread; must not keep the views.
/// </summary>
public interface IBoundaryObserver
{
    /// <summary>The boundary <paramref name="boundaryMs"/> (epoch ms) was emitted; <paramref name="items"/> gives each shop's open items at it.</summary>
    void OnBoundary(long boundaryMs, IOpenItemSource items);

    /// <summary>Shops whose partition went to another instance: forget them without resolving anything.</summary>
    void OnShopsDropped(IReadOnlyCollection<string> shops);
}

/// <summary>Open items per shop at a boundary, for per-item timers.</summary>
public interface IOpenItemSource
{
    /// <summary>Visits every shop in state (ordinal order) with its open items of <paramref name="queue"/>, oldest first.</summary>
    void VisitOpenItems(TimerQueue queue, IOpenItemVisitor visitor);
}

/// <summary>Gets each shop's open items of a queue (a cursor valid during the call only).</summary>
public interface IOpenItemVisitor
{
    /// <summary>One shop's open items of the visited queue, oldest first.</summary>
    void Visit(string shop, OpenItemCursor items);
}

/// <summary>
/// Open items, oldest first, read one at a time: a backlog keeps one cursor and resets it for
/// each visit, so per-item timers allocate nothing per shop and boundary.
/// </summary>
public abstract class OpenItemCursor
{
    /// <summary>The next item; false at the end.</summary>
    public abstract bool Next(out OpenItem item);

    /// <summary>A cursor over no items.</summary>
    public static OpenItemCursor Empty { get; } = new ListCursor([]);

    /// <summary>A cursor over a list (tests, small sets).</summary>
    public static OpenItemCursor Over(IReadOnlyList<OpenItem> items) => new ListCursor(items);

    private sealed class ListCursor(IReadOnlyList<OpenItem> items) : OpenItemCursor
    {
        private int _next;

        public override bool Next(out OpenItem item)
        {
            if (_next < items.Count)
            {
                item = items[_next++];
                return true;
            }

            item = default;
            return false;
        }
    }
}

/// <summary>A state with no open items (threshold-only evaluation, tests and benchmarks).</summary>
public sealed class NoOpenItems : IOpenItemSource
{
    /// <summary>The one instance.</summary>
    public static readonly NoOpenItems Instance = new();

    private NoOpenItems()
    {
    }

    /// <summary>Visits no shop.</summary>
    public void VisitOpenItems(TimerQueue queue, IOpenItemVisitor visitor)
    {
    }
}
