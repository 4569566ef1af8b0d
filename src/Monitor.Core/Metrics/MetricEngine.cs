using System.Runtime.CompilerServices;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>What became of an event offered to the engine.</summary>
public enum EventVerdict : byte
{
    /// <summary>Applied; at or after the watermark.</summary>
    OnTime,

    /// <summary>Before the watermark: counted late, applied to state where still meaningful.</summary>
    Late,

    /// <summary>Not applied: it would add an item to a shop family at <see cref="EngineOptions.MaxItemsPerShop"/>.</summary>
    Refused,

    /// <summary>Not applied: it would add an item while the instance holds <see cref="EngineOptions.MaxItems"/>.</summary>
    RefusedInstanceFull,
}

/// <summary>
/// Turns events into metric points in event time (DESIGN §2, §4). Events are applied to state as
/// they arrive: every window keeps step-sized buckets and every backlog its items' start and end
/// times, and items whose events arrive out of order re-derive their own few recent events (see
/// <see cref="Items.ItemFamily{TState,TEvent,TOp}"/>), so the state is current at every moment
/// (early results read it) and boundary b, emitted once the watermark (newest event time minus the
/// allowed lateness, or a later clock reading in live mode) passes it, is exactly the state after
/// every event before b and none at or after it, in any arrival order within the lateness. Only
/// the ship-on-time events, whose deadlines and stall timers move with the boundaries, wait in a
/// reorder buffer and are applied in (time, causal rank, eventId) order. An event older than the
/// watermark is late: counted and applied to state where still meaningful, never to emitted points.
/// Single-threaded; time comes only from events and <see cref="AdvanceTo"/>.
/// </summary>
public sealed class MetricEngine : IOpenItemSource
{
    private const int StaleSweepEverySteps = 60;

    private readonly EngineOptions _options;
    private readonly Action<MetricPoint> _emit;
    private readonly IBoundaryObserver? _observer;
    private readonly ReorderQueue _pending = new();
    private readonly Dictionary<string, ShopState> _shops = new(StringComparer.Ordinal);

    // Shops in ordinal order for emission (deterministic output), rebuilt only when shops come or go.
    private ShopState[]? _emissionOrder;
    private readonly long _stepMs;
    private readonly long _latenessMs;
    private readonly long _ttlMs;
    private readonly Dictionary<int, long> _sourceMaxMs = [];

    // Clock reading (live mode) when each open source last delivered, and which source each shop's events come from.
    private readonly Dictionary<int, long> _sourceSeenClockMs = [];
    private readonly Dictionary<string, int> _shopSource = new(StringComparer.Ordinal);
    private long _clockMs = long.MinValue;
    private bool _anySource;
    private int _slowestSource;
    private long _nextBoundary = long.MinValue;
    private long _maxEventMs = long.MinValue;
    private long _lastAppliedEventMs = long.MinValue;
    private long _stepsSinceSweep;
    private long _visitBoundaryMs = long.MinValue;

    // Partitions assigned while the watermark is ahead of their events (taken over from another
    // instance) are rebuilt together in an engine of their own (a shop's topics are partitions
    // of one assignment), in their own event time, until it reaches this watermark and joins
    // (see OpenSource). A catch-up engine never passes its ceiling.
    private readonly HashSet<int> _catchUpSources = [];
    private MetricEngine? _catchUp;
    private long _ceiling = long.MaxValue;

    // Early results: shops with events applied since the last early read.
    private readonly List<ShopState> _changed = [];

    // Items held over all shops of this engine and its catch-up engine (which shares the count):
    // kept exact by adding each shop's change in item count around every call that can change it.
    private ItemTally _items = new();

    /// <param name="options">Timing, SLA and capacity settings.</param>
    /// <param name="emit">Gets each point. By default a copy it may keep.</param>
    /// <param name="observer">Sees the state at each boundary (per-item timers).</param>
    /// <param name="borrowPoints">
    /// Hand over the series points themselves (no allocation per point): each is valid until its
    /// series writes the next boundary, so <paramref name="emit"/> must read it at once (or clone
    /// it); <see cref="BoundaryDone"/> tells when a boundary's points are complete.
    /// </param>
    public MetricEngine(EngineOptions options, Action<MetricPoint> emit, IBoundaryObserver? observer = null, bool borrowPoints = false)
    {
        options.Validate();
        _options = options;
        _emit = borrowPoints ? emit : point => emit(point.Clone());
        _observer = observer;
        _stepMs = (long)options.Step.TotalMilliseconds;
        _latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    }

    /// <summary>Called after each boundary's points (and the observer's) are out: borrowed points can be handed on here.</summary>
    public Action<long>? BoundaryDone { get; set; }

    /// <summary>
    /// Output back-pressure (live mode): asked when a boundary falls due; while it answers true the
    /// boundary is not emitted and the watermark stays at the last boundary emitted. Events go on
    /// being applied (early reads see them), none is made late by the wait (late means older than
    /// an emitted boundary's window), and ship-on-time events wait in the reorder buffer. The first
    /// advance after it answers false emits every boundary due, with the same points as if there
    /// had been no wait.
    /// </summary>
    public Func<bool>? HoldBoundaries { get; set; }

    /// <summary>Event time up to which events have been applied (exclusive); <see cref="long.MinValue"/> before the first.</summary>
    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Newest event time seen.</summary>
    public long MaxEventTimeMs => _maxEventMs;

    /// <summary>Ship-on-time events waiting in the reorder buffer.</summary>
    public int Pending => _pending.Count;

    /// <summary>Shops currently held in state.</summary>
    public int Shops => _shops.Count;

    /// <summary>Items held over all shops and kinds, order_paid events waiting included (see <see cref="EngineOptions.MaxItems"/>).</summary>
    public long ItemsHeld => _items.Held;

    /// <summary>
    /// The items of every shop counted one by one, to check <see cref="ItemsHeld"/> against; without
    /// <paramref name="waiting"/>, only items held (an order_paid of an order already held waits
    /// and counts, so <see cref="ItemsHeld"/> may pass the budget by such duplicates; items never do).
    /// </summary>
    internal long CountItems(bool waiting = true)
    {
        long count = 0;
        foreach (var engine in new[] { this, _catchUp })
        {
            if (engine is null)
            {
                continue;
            }

            foreach (var shop in engine._shops.Values)
            {
                count += shop.CountHeldItems() + (waiting ? shop.WaitingPaid : 0);
            }
        }

        return count;
    }

    /// <summary>Shops whose owning source (partition) the engine remembers; none outlives its shop's state.</summary>
    internal int TrackedShopSources => _shopSource.Count;

    /// <summary>
    /// Accepts one event from <paramref name="source"/> (a Kafka partition; 0 for a single
    /// stream). Returns false when it is late (older than the watermark); it is then applied to
    /// state at once where still meaningful. True when on time, or refused (see <see cref="Offer"/>). The event-driven watermark is the minimum over
    /// sources of their newest event time, minus the lateness, so one partition read ahead of
    /// another (a consumer catching up) does not make the other's events late.
    /// </summary>
    public bool Accept(MonitorEvent e, int source = 0) => Offer(e, source) != EventVerdict.Late;

    /// <summary>
    /// <see cref="Accept"/>, saying what became of the event: applied on time, applied late, or
    /// refused because it would add an item to a shop family already at
    /// <see cref="EngineOptions.MaxItemsPerShop"/> (then nothing of it enters: neither state nor
    /// the watermark; the caller dead-letters it).
    /// </summary>
    public EventVerdict Offer(MonitorEvent e, int source = 0)
    {
        if (_catchUp is { } catchUp && _catchUpSources.Contains(source))
        {
            // The source still holds the watermark (and the clock) back while it catches up.
            _anySource = true;
            _sourceSeenClockMs[source] = _clockMs;
            catchUp._ceiling = Watermark;
            var verdict = catchUp.Offer(e, source);
            if (catchUp.Watermark >= Watermark)
            {
                JoinCatchUp();
            }

            return verdict;
        }

        var shopKnown = _shops.TryGetValue(e.ShopId, out var shop);
        if (shopKnown && !shop!.HasRoomFor(e, _options.MaxItemsPerShop, _items.Held < _options.MaxItems))
        {
            return shop.HasRoomFor(e, _options.MaxItemsPerShop) ? EventVerdict.RefusedInstanceFull : EventVerdict.Refused;
        }

        if (!shopKnown && _items.Held >= _options.MaxItems && ShopState.AddsItem(e))
        {
            return EventVerdict.RefusedInstanceFull;
        }

        if (!_shopSource.TryGetValue(e.ShopId, out var owner) || owner != source)
        {
            _shopSource[e.ShopId] = source;
        }

        if (Watermark != long.MinValue && e.TimestampMs < Watermark)
        {
            Apply(e, shop, source, late: true);
            return EventVerdict.Late;
        }

        Apply(e, shop, source, late: false);
        _maxEventMs = Math.Max(_maxEventMs, e.TimestampMs);

        _sourceSeenClockMs[source] = _clockMs;
        _anySource = true;

        var known = _sourceMaxMs.TryGetValue(source, out var sourceMax);
        if (!known || e.TimestampMs > sourceMax)
        {
            _sourceMaxMs[source] = e.TimestampMs;

            // The minimum over sources only moves when its holder moves or a source arrives.
            if (!known || source == _slowestSource)
            {
                AdvanceToSlowestSource();
            }
        }

        return EventVerdict.OnTime;
    }

    /// <summary>
    /// A source that will deliver events (a partition just assigned): until its first event it
    /// holds the event-driven watermark back, so its backlog is not late. When the watermark has
    /// already moved (the partition comes from another instance, whose committed offset and
    /// look-back lie behind it), the source's events first go through a catch-up engine of their
    /// own: its shops are rebuilt and emit every boundary up to the watermark in their own event
    /// time, exactly as a single owner would have, and join this engine there. Without it they
    /// would be late here: boundaries the previous owner had not written yet would be missing and
    /// windows would lose the late events.
    /// </summary>
    public void OpenSource(int source)
    {
        _anySource = true;
        if (_sourceMaxMs.TryAdd(source, long.MinValue))
        {
            _sourceSeenClockMs[source] = _clockMs;
            if (Watermark != long.MinValue && _ceiling == long.MaxValue)
            {
                _catchUp ??= new MetricEngine(_options, _emit, borrowPoints: true) { _ceiling = Watermark, BoundaryDone = BoundaryDone, _items = _items };
                _catchUp.OpenSource(source);
                _catchUpSources.Add(source);
            }

            AdvanceToSlowestSource();
        }
    }

    /// <summary>Partitions still catching up with the watermark (see <see cref="OpenSource"/>).</summary>
    public int CatchingUp => _catchUpSources.Count;

    /// <summary>Brings the catch-up engine to this watermark and takes its shops, sources and buffered events over.</summary>
    private void JoinCatchUp()
    {
        if (_catchUp is not { } catchUp)
        {
            return;
        }

        _catchUp = null;
        _catchUpSources.Clear();
        catchUp._ceiling = Watermark;
        catchUp.AdvanceTo(Watermark);
        foreach (var (id, shop) in catchUp._shops)
        {
            shop.Dirty = false;
            if (_shops.TryGetValue(id, out var replaced))
            {
                _items.Held -= replaced.ItemCount;
            }

            _shops[id] = shop;
        }

        foreach (var (shop, source) in catchUp._shopSource)
        {
            _shopSource[shop] = source;
        }

        foreach (var e in catchUp._pending.Items())
        {
            _pending.Enqueue(e);
        }

        _emissionOrder = null;
        _maxEventMs = Math.Max(_maxEventMs, catchUp._maxEventMs);
        _lastAppliedEventMs = Math.Max(_lastAppliedEventMs, catchUp._lastAppliedEventMs);
        if (_nextBoundary == long.MinValue)
        {
            _nextBoundary = catchUp._nextBoundary;
        }

        foreach (var (source, newest) in catchUp._sourceMaxMs)
        {
            if (_sourceMaxMs.TryGetValue(source, out var known))
            {
                _sourceMaxMs[source] = Math.Max(known, newest);
            }
        }

        AdvanceToSlowestSource();
    }

    /// <summary>
    /// Live mode's clock reading (epoch ms). It moves event time to clock − lateness only while no
    /// open source delivered within <see cref="EngineOptions.SourceIdleAfter"/> of clock time: an
    /// idle stream keeps moving, but a consumer catching up on a backlog is not overtaken by the
    /// clock (which would make its whole backlog late).
    /// </summary>
    public void AdvanceClock(long nowMs)
    {
        _clockMs = Math.Max(_clockMs, nowMs);

        // Before any source is assigned the clock waits: the first assignment may bring a backlog.
        if (!_anySource)
        {
            return;
        }

        var busySince = _clockMs - (long)_options.SourceIdleAfter.TotalMilliseconds;
        foreach (var source in _sourceMaxMs.Keys)
        {
            if (_sourceSeenClockMs.GetValueOrDefault(source, long.MinValue) >= busySince)
            {
                return;
            }
        }

        AdvanceTo(_clockMs - _latenessMs);
    }

    /// <summary>
    /// Live mode: the pipeline could take no input until clock time <paramref name="untilMs"/>, because
    /// it waited for room in an output (back-pressure from a slow or stopped InfluxDB). Every open
    /// source counts as heard from at that time: while it could not be read it was not silent, so
    /// the clock must not take it for idle and move event time past events still waiting in Kafka
    /// (which would make them late). Does not move the watermark itself.
    /// </summary>
    public void HoldSources(long untilMs)
    {
        _clockMs = Math.Max(_clockMs, untilMs);
        foreach (var source in _sourceMaxMs.Keys)
        {
            _sourceSeenClockMs[source] = Math.Max(_sourceSeenClockMs.GetValueOrDefault(source, long.MinValue), _clockMs);
        }
    }

    /// <summary>
    /// A source that went to another instance (partition revoked or lost): its shops' state and
    /// buffered events are dropped, so this instance stops emitting them; the new owner rebuilds them.
    /// Returns the shops dropped.
    /// </summary>
    public IReadOnlyCollection<string> DropSource(int source)
    {
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        if (_catchUp is { } catchUp && _catchUpSources.Remove(source))
        {
            var before = catchUp._shopSource.Where(p => p.Value == source).Select(p => p.Key).ToList();
            catchUp.DropSource(source);
            dropped.UnionWith(before);
            if (_catchUpSources.Count == 0)
            {
                JoinCatchUp();
            }
        }

        foreach (var (shop, owner) in _shopSource)
        {
            if (owner == source)
            {
                dropped.Add(shop);
            }
        }

        foreach (var shop in dropped)
        {
            _shopSource.Remove(shop);
            if (_shops.Remove(shop, out var state))
            {
                state.Dirty = false;
                _items.Held -= state.ItemCount;
            }
        }

        if (dropped.Count > 0)
        {
            _emissionOrder = null;
            _pending.RemoveShops(dropped);
            _observer?.OnShopsDropped(dropped);
        }

        CloseSource(source);
        return dropped;
    }

    /// <summary>
    /// A source that went idle (caught up with its partition's end) or away (revoked): it no
    /// longer holds the watermark back. Its next event re-opens it.
    /// </summary>
    public void CloseSource(int source)
    {
        // Caught up with its partition's end: it no longer holds the catch-up back; once none
        // does, what the catch-up buffers is not late here either.
        if (_catchUp is { } catchUp && _catchUpSources.Contains(source))
        {
            catchUp.CloseSource(source);
            if (catchUp._sourceMaxMs.Count == 0)
            {
                JoinCatchUp();
            }
        }

        _sourceSeenClockMs.Remove(source);
        if (_sourceMaxMs.Remove(source))
        {
            AdvanceToSlowestSource();
        }
    }

    private void AdvanceToSlowestSource()
    {
        if (_sourceMaxMs.Count == 0)
        {
            return;
        }

        var slowest = long.MaxValue;
        foreach (var (source, max) in _sourceMaxMs)
        {
            if (max < slowest)
            {
                slowest = max;
                _slowestSource = source;
            }
        }

        if (slowest != long.MinValue)
        {
            AdvanceTo(slowest - _latenessMs);
        }
    }

    /// <summary>
    /// Moves the watermark forward to <paramref name="watermarkMs"/> (never back): applies buffered
    /// events before it and emits every boundary it passes. Live mode calls this with clock −
    /// lateness so an idle stream still moves.
    /// </summary>
    public void AdvanceTo(long watermarkMs)
    {
        watermarkMs = Math.Min(watermarkMs, _ceiling);
        if (watermarkMs <= Watermark)
        {
            return;
        }

        if (HoldBoundaries is not null && _nextBoundary != long.MinValue && watermarkMs >= _nextBoundary)
        {
            watermarkMs = HeldWatermark(watermarkMs);
            if (watermarkMs <= Watermark)
            {
                return;
            }
        }

        Watermark = watermarkMs;
        while (_pending.Count > 0 && _pending.Peek().TimestampMs < watermarkMs)
        {
            EmitBoundariesThrough(_pending.Peek().TimestampMs);
            var next = _pending.Dequeue();
            if (_shops.TryGetValue(next.ShopId, out var shop))
            {
                var held = shop.ItemCount;
                shop.ApplyOrdered(next);
                _items.Held += shop.ItemCount - held;
            }
        }

        EmitBoundariesThrough(watermarkMs);
    }

    /// <summary>
    /// The watermark to move to when a boundary is due: <paramref name="watermarkMs"/>, or, while
    /// the output holds boundaries, the last boundary emitted (an event after it still counts).
    /// Kept out of <see cref="AdvanceTo"/> so the per-event path stays small.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long HeldWatermark(long watermarkMs) =>
        HoldBoundaries!() ? _nextBoundary - _stepMs : watermarkMs;

    /// <summary>End of input (replay): applies everything buffered and emits up to the first boundary after the newest event.</summary>
    public void Flush()
    {
        JoinCatchUp();

        if (_maxEventMs == long.MinValue)
        {
            return;
        }

        AdvanceTo(FloorToStep(_maxEventMs) + _stepMs);
    }

    /// <param name="shop">The event's shop when held (null: a new shop).</param>
    private void Apply(MonitorEvent e, ShopState? shop, int source, bool late)
    {
        var firstBoundary = FloorToStep(late ? Math.Max(e.TimestampMs, Watermark) : e.TimestampMs) + _stepMs;
        if (_nextBoundary == long.MinValue)
        {
            // A late first event (the clock moved the watermark before any event) must not start
            // below the watermark: those boundaries passed with no state to report.
            _nextBoundary = firstBoundary;
        }
        else if (!late && firstBoundary < _nextBoundary)
        {
            // An on-time event before the first one applied, before any boundary was emitted: the
            // output starts at its boundary, as if events had been applied in time order.
            _nextBoundary = firstBoundary;
        }

        if (shop is null)
        {
            shop = new ShopState(e.ShopId, _options);
            _shops.Add(e.ShopId, shop);
            _emissionOrder = null;
        }

        shop.Source = source;

        var held = shop.ItemCount;
        if (shop.Apply(e, late, Watermark))
        {
            _pending.Enqueue(OrderedEvent.Of(e));
        }

        _items.Held += shop.ItemCount - held;

        _lastAppliedEventMs = Math.Max(_lastAppliedEventMs, e.TimestampMs);
        if (TrackChanges && !shop.Dirty)
        {
            shop.Dirty = true;
            _changed.Add(shop);
        }
    }

    /// <summary>Early results (DESIGN §5): keep the shops with events applied since the last <see cref="TakeChanged"/>.</summary>
    internal bool TrackChanges { get; set; }

    /// <summary>Moves the shops changed since the last call into <paramref name="into"/> (each once; dropped shops left out).</summary>
    internal void TakeChanged(List<ShopState> into)
    {
        foreach (var shop in _changed)
        {
            if (shop.Dirty)
            {
                shop.Dirty = false;
                into.Add(shop);
            }
        }

        _changed.Clear();
    }

    /// <summary>The shop's state, for an early read; null when it is not held (or still catching up).</summary>
    internal ShopState? Shop(string shopId) => _shops.GetValueOrDefault(shopId);

    /// <summary>The step in milliseconds.</summary>
    internal long StepMs => _stepMs;

    /// <summary>Emits every boundary b ≤ <paramref name="limitMs"/> that is still due.</summary>
    private void EmitBoundariesThrough(long limitMs)
    {
        if (_nextBoundary == long.MinValue)
        {
            return;
        }

        while (_nextBoundary <= limitMs)
        {
            if (_shops.Count == 0)
            {
                // Nothing to emit until the next event: jump instead of walking empty boundaries.
                _nextBoundary = Math.Max(_nextBoundary, FloorToStep(limitMs) + _stepMs);
                return;
            }

            EmitBoundary(_nextBoundary);
            _nextBoundary += _stepMs;
        }
    }

    private void EmitBoundary(long boundaryMs)
    {
        var sweep = ++_stepsSinceSweep >= StaleSweepEverySteps;
        if (sweep)
        {
            _stepsSinceSweep = 0;
        }

        _emissionOrder ??= _shops.Values.OrderBy(s => s.ShopId, StringComparer.Ordinal).ToArray();
        var removed = false;
        foreach (var shop in _emissionOrder)
        {
            // A boundary settles items: closed ones leave, stale ones are evicted.
            var held = shop.ItemCount;
            if (sweep)
            {
                shop.EvictStale(boundaryMs);
            }

            shop.Emit(boundaryMs, _emit);
            _items.Held += shop.ItemCount - held;
            if (shop.IsIdle(boundaryMs))
            {
                // The shop leaves with every trace of it: with a million shop ids passing through,
                // an entry kept per id would be a leak.
                _items.Held -= shop.ItemCount;
                _shops.Remove(shop.ShopId);
                _shopSource.Remove(shop.ShopId);
                removed = true;
            }
        }

        if (removed)
        {
            _emissionOrder = null;
        }

        _visitBoundaryMs = boundaryMs;
        _observer?.OnBoundary(boundaryMs, this);
        BoundaryDone?.Invoke(boundaryMs);
    }

    /// <inheritdoc />
    public void VisitOpenItems(TimerQueue queue, IOpenItemVisitor visitor)
    {
        _emissionOrder ??= _shops.Values.OrderBy(s => s.ShopId, StringComparer.Ordinal).ToArray();
        foreach (var shop in _emissionOrder)
        {
            visitor.Visit(shop.ShopId, shop.OpenItems(queue, _visitBoundaryMs));
        }
    }

    private long FloorToStep(long ms) => ms - (((ms % _stepMs) + _stepMs) % _stepMs);
}

/// <summary>A count of items one engine and its catch-up engine share.</summary>
internal sealed class ItemTally
{
    public long Held;
}
