using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Alerts;

/// <summary>
/// Live mode's fast alert path (DESIGN §5) as a read of the one engine's state: events are
/// applied on arrival, so on each clock tick the shops whose inputs changed since the last tick
/// are read as they are now (open windows, backlogs now) and a second evaluator judges them at
/// once. A quiet shop costs nothing: what changes without events (an age crossing a threshold, a
/// <c>for</c> that will have held, a timer due) is scheduled in a deadline queue from the
/// evaluator's hints, and only those shops are read when their time comes. Its changes and the
/// final evaluator's are merged by an <see cref="AlertReconciler"/>; it only notifies, history
/// and InfluxDB come from final values.
/// </summary>
public sealed class EarlyAlerts
{
    // A shop whose partition's newest event is this far behind the clock, and that has not
    // reached its end, is lagging: the early view would judge it at other partitions' time.
    private const long LagLimitMs = 10_000;

    private readonly MetricEngine _engine;
    private readonly AlertEvaluator _evaluator;
    private readonly AlertReconciler _reconciler;
    private readonly long _stepMs;
    private readonly Dictionary<int, long> _sourceNewestMs = [];
    private readonly HashSet<int> _idleSources = [];
    private readonly PriorityQueue<string, long> _wakes = new();
    private readonly Dictionary<string, long> _wakeAt = new(StringComparer.Ordinal);
    private readonly List<ShopState> _changed = [];
    private readonly HashSet<string> _woken = new(StringComparer.Ordinal);
    private readonly List<(ShopState Shop, bool All)> _reads = [];
    private readonly Action<MetricPoint> _observe;
    private readonly EarlyFields _fields;
    private long _nowMs = long.MinValue;
    private long _lastSweepMs = long.MinValue;

    /// <summary>An early view of <paramref name="rules"/> on <paramref name="engine"/>'s state (it turns on the engine's change tracking); the merged notifications go to <paramref name="deliver"/>.</summary>
    public EarlyAlerts(AlertRuleSet rules, MetricEngine engine, Action<AlertChange> deliver)
    {
        _engine = engine;
        _stepMs = engine.StepMs;
        _reconciler = new AlertReconciler(_stepMs, deliver);
        _evaluator = new AlertEvaluator(rules, _reconciler.OnEarly) { WakeHint = Schedule };
        _observe = _evaluator.Observe;
        _fields = new EarlyFields(
            rules.Thresholds.SelectMany(rule => new[] { (rule.Measurement, rule.Field) }
                .Concat(rule.MinSamples is { } min ? [(rule.Measurement, min.Field)] : [])
                .Concat(rule.Measurement == Measurements.Backlog ? [(rule.Measurement, "waiting")] : [])),
            MetricSchemas.All,
            _evaluator.Feeds);
        engine.TrackChanges = true;
    }

    /// <summary>Shops scheduled for a read without events (ages, <c>for</c>, timers).</summary>
    public int Scheduled => _wakeAt.Count;

    /// <summary>An event the engine has applied, from partition <paramref name="source"/>: keeps the partition's newest event time, which tells whether it lags.</summary>
    public void Accept(MonitorEvent e, int source)
    {
        if (!_sourceNewestMs.TryGetValue(source, out var newest) || e.TimestampMs > newest)
        {
            _sourceNewestMs[source] = e.TimestampMs;
        }

        if (_idleSources.Count > 0)
        {
            _idleSources.Remove(source);
        }
    }

    /// <summary>A partition reached its end: it is caught up, however old its newest event.</summary>
    public void SourceIdle(int source) => _idleSources.Add(source);

    /// <summary>A partition went to another instance: its shops leave the early view too.</summary>
    public void Drop(int source, IReadOnlyCollection<string> shops)
    {
        _sourceNewestMs.Remove(source);
        _idleSources.Remove(source);
        if (shops.Count > 0)
        {
            _evaluator.OnShopsDropped(shops);
            _reconciler.HandOver(shops, _engine.Watermark);
        }
    }

    /// <summary>
    /// A clock reading: read what changed (and what is due), judge it. Only a stream near real
    /// time (<paramref name="caughtUp"/>) is read at the clock; a consumer catching up on a
    /// backlog is read at its newest event instead, and history (older than 10 s) is never judged
    /// early, so a restart's rebuild never pages for an hour-old blip.
    /// </summary>
    public void Tick(long nowMs, bool caughtUp)
    {
        _nowMs = Math.Max(_nowMs, nowMs);
        _changed.Clear();
        _engine.TakeChanged(_changed);
        if (!caughtUp && _engine.MaxEventTimeMs == long.MinValue)
        {
            return;
        }

        // Just past the newest event, so it is in the read.
        var atMs = caughtUp ? nowMs : _engine.MaxEventTimeMs + 1;
        if (IsHistory(atMs))
        {
            return;
        }

        _woken.Clear();
        while (_wakes.TryPeek(out var shop, out var wakeMs) && wakeMs <= atMs)
        {
            _wakes.Dequeue();
            if (_wakeAt.TryGetValue(shop, out var scheduled) && scheduled == wakeMs)
            {
                _wakeAt.Remove(shop);
                _woken.Add(shop);
            }
        }

        _reads.Clear();
        foreach (var shop in _changed)
        {
            _reads.Add((shop, _woken.Remove(shop.ShopId)));
        }

        foreach (var id in _woken)
        {
            if (_engine.Shop(id) is { } shop)
            {
                _reads.Add((shop, true));
            }
        }

        // Judged in shop order: the same inputs give the same notifications in the same order.
        _reads.Sort((a, b) => string.CompareOrdinal(a.Shop.ShopId, b.Shop.ShopId));
        var view = View.Now(atMs, _stepMs, _fields);
        foreach (var (shop, all) in _reads)
        {
            if (IsLagging(shop))
            {
                continue;
            }

            shop.EmitNow(atMs, _stepMs, all, _observe, _fields);
            _evaluator.CheckTimers(shop, view);
        }

        _evaluator.JudgePending();
        if (atMs - _lastSweepMs >= _stepMs)
        {
            _lastSweepMs = atMs;
            _evaluator.SweepNoData(atMs);
        }
    }

    /// <summary>A change of the final evaluator, merged with the early view's (<see cref="AlertReconciler.OnFinal"/>).</summary>
    public void OnFinal(AlertChange change) => _reconciler.OnFinal(change);

    /// <summary>The final view has judged every boundary up to <paramref name="watermarkMs"/> (<see cref="AlertReconciler.OnFinalWatermark"/>).</summary>
    public void OnFinalWatermark(long watermarkMs) => _reconciler.OnFinalWatermark(watermarkMs);

    private void Schedule(string shop, long wakeMs)
    {
        if (_wakeAt.TryGetValue(shop, out var scheduled) && scheduled <= wakeMs)
        {
            return;
        }

        _wakeAt[shop] = wakeMs;
        _wakes.Enqueue(shop, wakeMs);
    }

    /// <summary>Times well before now (a backlog read at its own pace) are the final view's to judge.</summary>
    private bool IsHistory(long atMs) => _nowMs != long.MinValue && atMs < _nowMs - LagLimitMs;

    /// <summary>
    /// Points of a lagging partition's shops are left to the final view: judged at the leading
    /// partitions' time, their ages would be inflated by the lag and replies still unread would
    /// look missing.
    /// </summary>
    private bool IsLagging(ShopState shop) =>
        !_idleSources.Contains(shop.Source)
        && _sourceNewestMs.TryGetValue(shop.Source, out var newest)
        && newest < _nowMs - LagLimitMs;
}
