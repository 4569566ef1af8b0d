using Monitor.Core.Events;
using Monitor.Core.Metrics;

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
    private readonly MetricEngine _engine;
    private readonly AlertEvaluator _evaluator;
    private readonly AlertReconciler _reconciler;

    public EarlyAlerts(AlertRuleSet rules, EngineOptions final, Action<AlertChange> deliver)
    {
        _reconciler = new AlertReconciler((long)final.Step.TotalMilliseconds, deliver);
        _evaluator = new AlertEvaluator(rules, _reconciler.OnEarly);
        var step = final.Step < TimeSpan.FromSeconds(1) ? final.Step : TimeSpan.FromSeconds(1);
        _engine = new MetricEngine(final with { Step = step, AllowedLateness = TimeSpan.Zero, EarlyResults = true }, _evaluator.Observe, new Observer(this));
    }

    public void Accept(MonitorEvent e, int source) => _engine.Accept(e, source);

    /// <summary>A partition went to another instance: its shops leave the early view too.</summary>
    public void Drop(int source) => _engine.DropSource(source);

    /// <summary>
    /// A clock reading: apply what arrived, emit what changed, judge it. Only a stream near real
    /// time (<paramref name="caughtUp"/>) moves to the clock; a consumer catching up on a backlog
    /// moves with its newest event instead, or the jump to now would make the rest of the backlog
    /// late and judge hours of history at once.
    /// </summary>
    public void Tick(long nowMs, bool caughtUp)
    {
        var to = caughtUp ? nowMs : _engine.MaxEventTimeMs;
        if (to == long.MinValue)
        {
            return;
        }

        _engine.AdvanceTo(to);
        _engine.EmitChanged(to);
        _evaluator.JudgePending();
    }

    public void OnFinal(AlertChange change) => _reconciler.OnFinal(change);

    public void OnFinalWatermark(long watermarkMs) => _reconciler.OnFinalWatermark(watermarkMs);

    /// <summary>The early evaluator sees the boundaries; a hand-over also clears what the reconciler still holds.</summary>
    private sealed class Observer(EarlyAlerts owner) : IBoundaryObserver
    {
        public void OnBoundary(long boundaryMs, IOpenItemSource items) => owner._evaluator.OnBoundary(boundaryMs, items);

        public void OnShopsDropped(IReadOnlyCollection<string> shops)
        {
            owner._evaluator.OnShopsDropped(shops);
            owner._reconciler.HandOver(shops, owner._engine.Watermark);
        }
    }
}
