using Monitor.Core.Events;
using Monitor.Core.Metrics.Items;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Orders of one shop (DESIGN §4 "Ship on time", "Backlog"): ship on time, overdue and stalled
/// shipments (measurement shipping), paid/cancelled, refunds and damage (orders), and the refund
/// and shipment backlogs.
/// Two parts, one state. Ship-on-time is driven by deadlines, windows and stall timers that each
/// boundary moves, so its events (paid, shipped, tracking, delivered, cancelled) are applied in
/// event-time order at the watermark (<see cref="ApplyOrdered"/>); the engine holds them until
/// then. Everything else (the window counts, refunds, series activity) is applied on arrival
/// (<see cref="Apply(MonitorEvent, bool, long)"/>) and read as of each boundary.
/// A boundary costs O(items that changed or crossed a threshold since the last one · log n), never
/// a scan of the open orders: deadlines wait in a priority queue, overdue orders, shipments in
/// transit and open refunds sit in sorted sets, and the window's figures are kept as counters.
/// </summary>
internal sealed class OrderState : IShopFamily
{
    // Lanes of the window counts.
    private const int PaidLane = 0;
    private const int CancelledLane = 1;
    private const int DeliveredLane = 2;
    private const int DamagedLane = 3;

    private readonly string _shopId;
    private readonly Dictionary<string, OrderItem> _orders = new(StringComparer.Ordinal);

    // Orders whose deadline no boundary has passed yet; entries of forgotten orders are skipped when they surface.
    private readonly PriorityQueue<OrderItem, long> _deadlines = new();

    // Orders counted as due, until their deadline leaves the window.
    private readonly PriorityQueue<OrderItem, long> _dueWindow = new();
    private readonly SortedSet<TimedKey<OrderItem>> _overdue = [];

    // Shipped, not delivered, not cancelled and not yet stalled, by last tracking time.
    private readonly SortedSet<TimedKey<OrderItem>> _moving = [];

    private readonly WindowCounter _counts;
    private readonly RefundState _refunds;
    private readonly Activity _activity;

    private readonly long _windowMs;
    private readonly long _slaMs;
    private readonly long _stallMs;
    private readonly long _ttlMs;
    private readonly long _staleMs;

    private TimedKeyCursor<OrderItem>? _overdueCursor;
    private MetricPoint? _shippingPoint;
    private MetricPoint? _ordersPoint;
    private MetricPoint? _refundBacklogPoint;
    private MetricPoint? _shipmentBacklogPoint;
    private int _dueOnTime;
    private int _dueLate;
    private int _stalled;
    private long _nextSequence;

    public OrderState(string shopId, EngineOptions options)
    {
        _shopId = shopId;
        var stepMs = (long)options.Step.TotalMilliseconds;
        _windowMs = (long)options.OrdersWindow.TotalMilliseconds;
        _slaMs = (long)options.ShipSla.TotalMilliseconds;
        _stallMs = (long)options.StallLimit.TotalMilliseconds;
        _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
        _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
        _counts = new WindowCounter(new WindowSpec(options.Step, options.OrdersWindow));
        _activity = new Activity();
        _refunds = new RefundState(_activity, stepMs);
    }

    public string ShopId => _shopId;

    /// <summary>Orders held in state.</summary>
    public int OpenOrders => _orders.Count;

    /// <summary>Refunds requested and not yet completed or rejected (or with events still to settle).</summary>
    public int OpenRefunds => _refunds.ItemCount;

    /// <summary>True when an event of refund <paramref name="refundId"/> may enter (held, or fewer than <paramref name="max"/> are).</summary>
    public bool HasRoomForRefund(string refundId, int max) => _refunds.HasRoomFor(refundId, max);

    /// <summary>
    /// True when an order_paid of <paramref name="orderId"/> may enter: the order is held, or fewer
    /// than <paramref name="max"/> are held or waiting to be paid (<paramref name="waitingPaid"/>).
    /// </summary>
    public bool HasRoomForOrder(string orderId, int waitingPaid, int max) => _orders.Count + waitingPaid < max || _orders.ContainsKey(orderId);

    /// <summary>Refunds open at <paramref name="boundaryMs"/>, oldest request first.</summary>
    public OpenItemCursor RefundsOpen(long boundaryMs) => _refunds.Backlog.ItemsAt(boundaryMs);

    /// <summary>Refunds open now (the early view), oldest request first.</summary>
    public OpenItemCursor RefundsOpenNow() => _refunds.Backlog.OpenItems();

    public AsOfIntervals RefundBacklog => _refunds.Backlog;

    /// <summary>Orders past their deadline neither shipped nor cancelled, earliest deadline first (since = deadline).</summary>
    public OpenItemCursor OverdueUnshipped() => (_overdueCursor ??= new TimedKeyCursor<OrderItem>(_overdue, o => o.Id)).Reset();

    /// <summary>True for the events that go through <see cref="ApplyOrdered"/> (in event-time order, at the watermark).</summary>
    public static bool IsOrdered(EventType type) =>
        type is EventType.OrderPaid or EventType.OrderShipped or EventType.TrackingUpdate or EventType.OrderDelivered or EventType.OrderCancelled
        or EventType.Review; // a review touches its order's last event (stale eviction, late checks)

    /// <summary>Applies one orders event at once: both parts (family tests; a replay in order).</summary>
    public bool Apply(MonitorEvent e, bool late)
    {
        var applied = Apply(e, late, long.MinValue);
        if (IsOrdered(e.Type) && !late)
        {
            applied = ApplyOrdered(OrderedEvent.Of(e), late: false);
        }

        return applied;
    }

    /// <summary>
    /// The on-arrival part of one orders event. A late ship-on-time event is applied to that part
    /// too, at once (and not counted when it is dropped there); an on-time one is the engine's to
    /// hand to <see cref="ApplyOrdered"/> when the watermark passes it.
    /// </summary>
    public bool Apply(MonitorEvent e, bool late, long watermarkMs)
    {
        switch (e.Type)
        {
            case EventType.RefundRequested or EventType.RefundCompleted or EventType.RefundRejected:
                return _refunds.Apply(e.RefundId!, new RefundState.RefundEvent(e), late, watermarkMs);
        }

        if (late && !ApplyOrdered(OrderedEvent.Of(e), late: true))
        {
            return false;
        }

        var ts = e.TimestampMs;
        _activity.Touch(ts);
        switch (e.Type)
        {
            case EventType.OrderPaid:
                _counts.Add(ts, PaidLane, 1);
                break;
            case EventType.OrderDelivered:
                _counts.Add(ts, DeliveredLane, 1);
                if (e.Damaged == true)
                {
                    _counts.Add(ts, DamagedLane, 1);
                }

                break;
            case EventType.OrderCancelled:
                _counts.Add(ts, CancelledLane, 1);
                break;
        }

        return true;
    }

    /// <summary>
    /// The ship-on-time part of one event, in event-time order. Returns false when a late event was
    /// older than its order's last applied event.
    /// </summary>
    public bool ApplyOrdered(in OrderedEvent e, bool late)
    {
        OrderItem? order = null;
        if (e.OrderId is { } orderId && _orders.TryGetValue(orderId, out order))
        {
            if (late && e.TimestampMs < order.LastEventMs)
            {
                return false;
            }

            order.LastEventMs = Math.Max(order.LastEventMs, e.TimestampMs);
        }

        switch (e.Type)
        {
            case EventType.OrderPaid:
                if (order is null && e.OrderId is { } id)
                {
                    Pay(id, e);
                }

                break;
            case EventType.OrderShipped when order is not null:
                Ship(order, e.TimestampMs);
                break;
            case EventType.TrackingUpdate when order is not null:
                Track(order, e.TimestampMs);
                break;
            case EventType.OrderDelivered when order is not null:
                Deliver(order, e.TimestampMs);
                break;
            case EventType.OrderCancelled when order is not null:
                Cancel(order, e.TimestampMs);
                break;
        }

        return true;
    }

    /// <summary>Emits shipping, orders and backlog (queue=refund, queue=shipment) for boundary <paramref name="boundaryMs"/>.</summary>
    public void Emit(long boundaryMs, Action<MetricPoint> emit) => Emit(View.At(boundaryMs), emit);

    /// <summary>
    /// Emits shipping, orders and backlog (queue=refund, queue=shipment) for <paramref name="view"/>.
    /// Early (now), only the on-arrival part: ship-on-time and the shipment backlog move with the
    /// boundaries and have no value between them.
    /// </summary>
    public void Emit(in View view, Action<MetricPoint> emit)
    {
        var active = _activity.Active(view, _ttlMs);
        if (view.Final)
        {
            Advance(view.AtMs);
            _refunds.Purge(view.AtMs);
            EmitShipping(view.AtMs, active, emit);
        }

        var paid = _counts.Read(view, PaidLane);
        var cancelled = _counts.Read(view, CancelledLane);
        var delivered = _counts.Read(view, DeliveredLane);
        var damaged = _counts.Read(view, DamagedLane);
        var refundsOpen = _refunds.Backlog.Count(view);
        if ((active || paid > 0 || cancelled > 0 || delivered > 0 || refundsOpen > 0) && view.Wants(MetricSchemas.Orders))
        {
            var point = (_ordersPoint ??= MetricSchemas.Series(MetricSchemas.Orders, _shopId)).Begin(view.AtMs);
            point.Set(0, paid).Set(1, cancelled);
            if (paid > 0)
            {
                point.Set(2, (double)cancelled / paid);
            }

            // Decimal subtraction can leave a negative zero; the sum of open amounts is never below 0.
            var amount = _refunds.OpenAmount(view);
            point.Set(3, refundsOpen).Set(4, amount == 0 ? 0.0 : (double)amount).Set(5, delivered).Set(6, damaged);
            if (delivered > 0)
            {
                point.Set(7, (double)damaged / delivered);
            }

            emit(point);
        }

        if ((active || refundsOpen > 0) && view.Wants(MetricSchemas.Backlog))
        {
            var point = _refundBacklogPoint ??= PointBuilder.BacklogSeries(_shopId, "refund");
            emit(PointBuilder.Backlog(point, refundsOpen, refundsOpen > 0 ? _refunds.Backlog.Oldest(view) : view.AtMs, view.AtMs));
        }

        if (view.Final && (active || _overdue.Count > 0))
        {
            var point = _shipmentBacklogPoint ??= PointBuilder.BacklogSeries(_shopId, "shipment");
            emit(PointBuilder.Backlog(point, _overdue.Count, _overdue.Count > 0 ? _overdue.Min.TimeMs : view.AtMs, view.AtMs));
        }
    }

    private void EmitShipping(long boundaryMs, bool active, Action<MetricPoint> emit)
    {
        var due = _dueOnTime + _dueLate;
        if (active || due > 0 || _overdue.Count > 0 || _stalled > 0)
        {
            var point = (_shippingPoint ??= MetricSchemas.Series(MetricSchemas.Shipping, _shopId)).Begin(boundaryMs);
            point.Set(0, due).Set(1, _dueOnTime).Set(2, _dueLate).Set(3, _overdue.Count).Set(4, _stalled);
            if (due > 0)
            {
                point.Set(5, (double)_dueOnTime / due);
            }

            emit(point);
        }
    }

    /// <summary>True when no order or refund is held, nothing is counted in the window and no series is active or has events ahead.</summary>
    public bool IsIdle(long boundaryMs)
    {
        _counts.Prepare(boundaryMs);
        return _orders.Count == 0 && _refunds.ItemCount == 0 && _refunds.Backlog.IsEmpty && _dueOnTime + _dueLate == 0 && _stalled == 0
            && _counts.IsEmpty && !_activity.ActiveAt(boundaryMs, _ttlMs) && !_activity.HasAhead;
    }

    /// <summary>Drops orders and refunds with no event for <see cref="EngineOptions.StaleItemAge"/>.</summary>
    public void EvictStale(long boundaryMs)
    {
        var staleBefore = boundaryMs - _staleMs;
        StaleItems.Evict(_orders, o => o.LastEventMs, staleBefore, (_, order) => Forget(order));
        _refunds.EvictStale(boundaryMs, staleBefore);
    }

    /// <summary>Moves deadlines, the window and stall timers up to boundary <paramref name="boundaryMs"/>.</summary>
    private void Advance(long boundaryMs)
    {
        while (_deadlines.TryPeek(out var order, out var deadline) && deadline < boundaryMs)
        {
            _deadlines.Dequeue();
            if (order.Forgotten)
            {
                continue;
            }

            order.Stage = OrderStage.Due;
            order.CountedOnTime = order.ShippedOnTime;
            Count(order, +1);
            _dueWindow.Enqueue(order, deadline);
            if (order.ShippedMs == long.MinValue && order.CancelledMs == long.MinValue)
            {
                order.Overdue = true;
                _overdue.Add(new TimedKey<OrderItem>(deadline, order.Sequence, order));
            }
        }

        var windowStart = boundaryMs - _windowMs;
        while (_dueWindow.TryPeek(out var order, out var deadline) && deadline < windowStart)
        {
            _dueWindow.Dequeue();
            if (order.Stage != OrderStage.Due)
            {
                continue;
            }

            Count(order, -1);
            order.Stage = OrderStage.Gone;
            if (order.CancelledMs != long.MinValue || order.DeliveredMs != long.MinValue)
            {
                Forget(order);
            }
        }

        var stalledBefore = boundaryMs - _stallMs;
        while (_moving.Count > 0 && _moving.Min.TimeMs < stalledBefore)
        {
            var key = _moving.Min;
            _moving.Remove(key);
            key.Item.Stalled = true;
            _stalled++;
        }

    }

    private void Pay(string id, in OrderedEvent e)
    {
        var order = new OrderItem(id, _nextSequence++, e.ShipByMs ?? e.TimestampMs + _slaMs) { LastEventMs = e.TimestampMs };
        _orders.Add(id, order);
        _deadlines.Enqueue(order, order.DeadlineMs);
    }

    private void Ship(OrderItem order, long timestampMs)
    {
        if (order.CancelledMs != long.MinValue || order.DeliveredMs != long.MinValue)
        {
            return;
        }

        if (order.ShippedMs != long.MinValue)
        {
            // A repeated ship event is fresh news from the carrier.
            Track(order, timestampMs);
            return;
        }

        MarkShipped(order, timestampMs);
        order.InTransit = true;
        order.LastTrackMs = timestampMs;
        _moving.Add(new TimedKey<OrderItem>(timestampMs, order.Sequence, order));
    }

    private void Track(OrderItem order, long timestampMs)
    {
        if (!order.InTransit)
        {
            return;
        }

        StopMoving(order);
        order.LastTrackMs = Math.Max(order.LastTrackMs, timestampMs);
        _moving.Add(new TimedKey<OrderItem>(order.LastTrackMs, order.Sequence, order));
    }

    private void Deliver(OrderItem order, long timestampMs)
    {
        if (order.CancelledMs != long.MinValue || order.DeliveredMs != long.MinValue)
        {
            return;
        }

        if (order.ShippedMs == long.MinValue)
        {
            // Delivered without a ship event seen: it shipped at the latest when it arrived.
            MarkShipped(order, timestampMs);
        }

        EndTransit(order);
        order.DeliveredMs = timestampMs;
        if (order.Stage == OrderStage.Gone)
        {
            Forget(order);
        }
    }

    private void Cancel(OrderItem order, long timestampMs)
    {
        if (order.CancelledMs != long.MinValue)
        {
            return;
        }

        order.CancelledMs = timestampMs;
        EndTransit(order);
        LeaveOverdue(order);

        // Cancelled before the deadline: excluded from due (a late cancel also leaves the count).
        // Deadline already out of the window: nothing left to show.
        if (order.CancelledBeforeDeadline || order.Stage == OrderStage.Gone)
        {
            Forget(order);
        }
    }

    private void MarkShipped(OrderItem order, long timestampMs)
    {
        order.ShippedMs = timestampMs;
        LeaveOverdue(order);
        if (order.Stage == OrderStage.Due && order.CountedOnTime != order.ShippedOnTime)
        {
            // A late ship event at or before the deadline of an order already counted late.
            Count(order, -1);
            order.CountedOnTime = order.ShippedOnTime;
            Count(order, +1);
        }
    }

    private void StopMoving(OrderItem order)
    {
        if (order.Stalled)
        {
            order.Stalled = false;
            _stalled--;
        }
        else
        {
            _moving.Remove(new TimedKey<OrderItem>(order.LastTrackMs, order.Sequence, order));
        }
    }

    private void EndTransit(OrderItem order)
    {
        if (order.InTransit)
        {
            StopMoving(order);
            order.InTransit = false;
        }
    }

    private void LeaveOverdue(OrderItem order)
    {
        if (order.Overdue)
        {
            _overdue.Remove(new TimedKey<OrderItem>(order.DeadlineMs, order.Sequence, order));
            order.Overdue = false;
        }
    }

    /// <summary>Removes an order from state and from every figure it is part of.</summary>
    private void Forget(OrderItem order)
    {
        if (order.Forgotten)
        {
            return;
        }

        EndTransit(order);
        LeaveOverdue(order);
        if (order.Stage == OrderStage.Due)
        {
            Count(order, -1);
        }

        order.Stage = OrderStage.Gone;
        order.Forgotten = true;
        _orders.Remove(order.Id);
    }

    private void Count(OrderItem order, int delta)
    {
        if (order.CountedOnTime)
        {
            _dueOnTime += delta;
        }
        else
        {
            _dueLate += delta;
        }
    }
}

/// <summary>
/// What the ship-on-time part needs of an orders event, kept by value while it waits for the
/// watermark (the decoder refills one event object per message, so the engine keeps none).
/// </summary>
internal readonly record struct OrderedEvent(EventType Type, long TimestampMs, string EventId, string ShopId, string? OrderId, long? ShipByMs)
{
    public static OrderedEvent Of(MonitorEvent e) => new(e.Type, e.TimestampMs, e.EventId, e.ShopId, e.OrderId, e.ShipByMs);

    public int Rank => EventRank.Of(Type, Sender.Customer);
}
