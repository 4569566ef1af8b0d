using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Core.Alerts;

/// <summary>
/// Live mode's fast alert path (DESIGN §5): a second engine with no lateness and a 1 s step
/// applies events as they arrive; on each clock tick it emits the shops that changed (their open
/// windows up to now) and, every step, all shops (ages keep growing), and a second evaluator
/// judges them at once. Its changes and the final evaluator's are merged by an
/// <see cref="AlertReconciler"/>. It only notifies: history and InfluxDB come from final values.
/// Costs a second copy of the engine state.
/// </summary>
public sealed class EarlyAlerts
{
    // A shop whose partition's newest event is this far behind the clock, and that has not
    // reached its end, is lagging: the early view would judge it at other partitions' time.
    private const long LagLimitMs = 10_000;

    private readonly MetricEngine _engine;
    private readonly AlertEvaluator _evaluator;
    private readonly AlertReconciler _reconciler;
    private readonly Dictionary<string, int> _shopSource = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _sourceNewestMs = [];
    private readonly HashSet<int> _idleSources = [];
    private long _nowMs = long.MinValue;

    public EarlyAlerts(AlertRuleSet rules, EngineOptions final, Action<AlertChange> deliver)
    {
        _reconciler = new AlertReconciler((long)final.Step.TotalMilliseconds, deliver);
        _evaluator = new AlertEvaluator(rules, _reconciler.OnEarly);
        var step = final.Step < TimeSpan.FromSeconds(1) ? final.Step : TimeSpan.FromSeconds(1);
        _engine = new MetricEngine(final with { Step = step, AllowedLateness = TimeSpan.Zero, EarlyResults = true }, Observe, new Observer(this));
    }

    public void Accept(MonitorEvent e, int source)
    {
        _shopSource[e.ShopId] = source;
        _sourceNewestMs[source] = Math.Max(_sourceNewestMs.GetValueOrDefault(source, long.MinValue), e.TimestampMs);
        _idleSources.Remove(source);
        _engine.Accept(e, source);
    }

    /// <summary>A partition reached its end: it is caught up, however old its newest event.</summary>
    public void SourceIdle(int source) => _idleSources.Add(source);

    /// <summary>A partition went to another instance: its shops leave the early view too.</summary>
    public void Drop(int source)
    {
        _engine.DropSource(source);
        _sourceNewestMs.Remove(source);
        _idleSources.Remove(source);
        foreach (var shop in _shopSource.Where(pair => pair.Value == source).Select(pair => pair.Key).ToList())
        {
            _shopSource.Remove(shop);
        }
    }

    /// <summary>
    /// A clock reading: apply what arrived, emit what changed, judge it. Only a stream near real
    /// time (<paramref name="caughtUp"/>) moves to the clock; a consumer catching up on a backlog
    /// moves with its newest event instead, or the jump to now would make the rest of the backlog
    /// late and judge hours of history at once.
    /// </summary>
    public void Tick(long nowMs, bool caughtUp)
    {
        _nowMs = Math.Max(_nowMs, nowMs);
        if (!caughtUp && _engine.MaxEventTimeMs == long.MinValue)
        {
            return;
        }

        // Just past the newest event, so it is applied too.
        var to = caughtUp ? nowMs : _engine.MaxEventTimeMs + 1;
        _engine.AdvanceTo(to);
        _engine.EmitChanged(to);
        _evaluator.JudgePending();
    }

    public void OnFinal(AlertChange change) => _reconciler.OnFinal(change);

    public void OnFinalWatermark(long watermarkMs) => _reconciler.OnFinalWatermark(watermarkMs);

    /// <summary>
    /// Points of a lagging partition's shops are left to the final view: judged at the leading
    /// partitions' time, their ages would be inflated by the lag and replies still unread would
    /// look missing.
    /// </summary>
    private void Observe(MetricPoint point)
    {
        if (IsHistory(point.TimestampMs) || (point.Tag("shop") is { } shop && IsLagging(shop)))
        {
            return;
        }

        _evaluator.Observe(point);
    }

    /// <summary>Boundaries well before now (a backlog the engine walks through at once) are the final view's to judge.</summary>
    private bool IsHistory(long atMs) => _nowMs != long.MinValue && atMs < _nowMs - LagLimitMs;

    private bool IsLagging(string shop) =>
        _shopSource.TryGetValue(shop, out var source)
        && !_idleSources.Contains(source)
        && _sourceNewestMs.TryGetValue(source, out var newest)
        && newest < _nowMs - LagLimitMs;

    /// <summary>
    /// The early evaluator sees the boundaries, with a lagging partition's open items left out
    /// like its points; a hand-over also clears what the reconciler still holds.
    /// </summary>
    private sealed class Observer(EarlyAlerts owner) : IBoundaryObserver, IOpenItemSource
    {
        private IOpenItemSource? _items;

        public void OnBoundary(long boundaryMs, IOpenItemSource items)
        {
            if (owner.IsHistory(boundaryMs))
            {
                return;
            }

            _items = items;
            owner._evaluator.OnBoundary(boundaryMs, this);
            _items = null;
        }

        public void VisitOpenItems(TimerQueue queue, Action<string, IEnumerable<OpenItem>> visit) =>
            _items?.VisitOpenItems(queue, (shop, open) =>
            {
                if (!owner.IsLagging(shop))
                {
                    visit(shop, open);
                }
            });

        public void OnShopsDropped(IReadOnlyCollection<string> shops)
        {
            owner._evaluator.OnShopsDropped(shops);
            owner._reconciler.HandOver(shops, owner._engine.Watermark);
        }
    }
}
