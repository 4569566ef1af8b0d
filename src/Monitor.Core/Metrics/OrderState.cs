using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Orders of one shop (DESIGN §4 "Ship on time", "Backlog"): ship on time, overdue and stalled
/// shipments (measurement shipping), paid/cancelled, refunds and damage (orders), and the refund
/// and shipment backlogs. Events must be applied in event-time order; the engine guarantees it.
/// A boundary costs O(items that changed or crossed a threshold since the last one · log n), never
/// a scan of the open orders: deadlines wait in a priority queue, overdue orders, shipments in
/// transit and open refunds sit in sorted sets, and the window's figures are kept as counters.
/// </summary>
internal sealed class OrderState(string shopId, EngineOptions options) : IShopFamily
{
    /// <summary>Refund amounts above this are clamped, so the exact decimal sum can never overflow.</summary>
    private const double MaxRefundAmount = 1e15;

    private readonly Dictionary<string, OrderItem> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefundItem> _refunds = new(StringComparer.Ordinal);

    // Orders whose deadline no boundary has passed yet; entries of forgotten orders are skipped when they surface.
    private readonly PriorityQueue<OrderItem, long> _deadlines = new();

    // Orders counted as due, until their deadline leaves the window.
    private readonly PriorityQueue<OrderItem, long> _dueWindow = new();
    private readonly SortedSet<TimedKey<OrderItem>> _overdue = [];

    // Shipped, not delivered, not cancelled and not yet stalled, by last tracking time.
    private readonly SortedSet<TimedKey<OrderItem>> _moving = [];
    private readonly SortedSet<TimedKey<RefundItem>> _openRefunds = [];

    private readonly SampleWindow _paid = new();
    private readonly SampleWindow _cancelled = new();
    private readonly SampleWindow _delivered = new();
    private readonly SampleWindow _damaged = new();

    private readonly long _windowMs = (long)options.OrdersWindow.TotalMilliseconds;
    private readonly long _slaMs = (long)options.ShipSla.TotalMilliseconds;
    private readonly long _stallMs = (long)options.StallLimit.TotalMilliseconds;
    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    private readonly long _staleMs = (long)options.StaleItemAge.TotalMilliseconds;

    private decimal _refundOpenAmount;
    private int _dueOnTime;
    private int _dueLate;
    private int _stalled;
    private long _nextSequence;
    private long _lastEventMs = long.MinValue;

    public string ShopId => shopId;

    /// <summary>Orders held in state.</summary>
    public int OpenOrders => _orders.Count;

    /// <summary>Refunds requested and not yet completed or rejected.</summary>
    public int OpenRefunds => _refunds.Count;

    /// <summary>Refunds requested and not completed or rejected, oldest request first.</summary>
    public IEnumerable<OpenItem> RefundsOpen() => OpenItem.Of(_openRefunds, r => r.Id);

    /// <summary>Orders past their deadline neither shipped nor cancelled, earliest deadline first (since = deadline).</summary>
    public IEnumerable<OpenItem> OverdueUnshipped() => OpenItem.Of(_overdue, o => o.Id);

    /// <summary>Applies one orders event. Returns false when a late event was older than its order's (or refund's) last applied event.</summary>
    public bool Apply(MonitorEvent e, bool late)
    {
        switch (e.Type)
        {
            case EventType.RefundRequested:
                return RequestRefund(e, late);
            case EventType.RefundCompleted or EventType.RefundRejected:
                return CloseRefund(e, late);
        }

        OrderItem? order = null;
        if (e.OrderId is { } orderId && _orders.TryGetValue(orderId, out order))
        {
            if (late && e.TimestampMs < order.LastEventMs)
            {
                return false;
            }

            order.LastEventMs = Math.Max(order.LastEventMs, e.TimestampMs);
        }

        Touch(e.TimestampMs);
        switch (e.Type)
        {
            case EventType.OrderPaid:
                _paid.Add(e.TimestampMs, 0);
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
            case EventType.OrderDelivered:
                _delivered.Add(e.TimestampMs, 0);
                if (e.Damaged == true)
                {
                    _damaged.Add(e.TimestampMs, 0);
                }

                if (order is not null)
                {
                    Deliver(order, e.TimestampMs);
                }

                break;
            case EventType.OrderCancelled:
                _cancelled.Add(e.TimestampMs, 0);
                if (order is not null)
                {
                    Cancel(order, e.TimestampMs);
                }

                break;
        }

        return true;
    }

    /// <summary>Emits shipping, orders and backlog (queue=refund, queue=shipment) for boundary <paramref name="boundaryMs"/>.</summary>
    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        Advance(boundaryMs);
        var active = _lastEventMs != long.MinValue && _lastEventMs >= boundaryMs - _ttlMs;

        var due = _dueOnTime + _dueLate;
        if (active || due > 0 || _overdue.Count > 0 || _stalled > 0)
        {
            var fields = new List<MetricField>(6)
            {
                MetricField.Int("due", due),
                MetricField.Int("on_time", _dueOnTime),
                MetricField.Int("late", _dueLate),
                MetricField.Int("overdue_unshipped", _overdue.Count),
                MetricField.Int("stalled", _stalled),
            };
            if (due > 0)
            {
                fields.Add(MetricField.Float("on_time_ratio", (double)_dueOnTime / due));
            }

            emit(new MetricPoint(Measurements.Shipping, [PointBuilder.Tag("shop", shopId)], fields, boundaryMs));
        }

        var (paid, cancelled, delivered, damaged) = (_paid.Count, _cancelled.Count, _delivered.Count, _damaged.Count);
        if (active || paid > 0 || cancelled > 0 || delivered > 0 || _refunds.Count > 0)
        {
            var fields = new List<MetricField>(8) { MetricField.Int("paid", paid), MetricField.Int("cancelled", cancelled) };
            if (paid > 0)
            {
                fields.Add(MetricField.Float("cancel_ratio", (double)cancelled / paid));
            }

            fields.Add(MetricField.Int("refund_open", _refunds.Count));
            // Decimal subtraction can leave a negative zero; the sum of open amounts is never below 0.
            fields.Add(MetricField.Float("refund_open_amount", _refundOpenAmount == 0 ? 0.0 : (double)_refundOpenAmount));
            fields.Add(MetricField.Int("delivered", delivered));
            fields.Add(MetricField.Int("damaged", damaged));
            if (delivered > 0)
            {
                fields.Add(MetricField.Float("damage_ratio", (double)damaged / delivered));
            }

            emit(new MetricPoint(Measurements.Orders, [PointBuilder.Tag("shop", shopId)], fields, boundaryMs));
        }

        if (active || _openRefunds.Count > 0)
        {
            emit(PointBuilder.Backlog(shopId, "refund", _openRefunds.Count, _openRefunds.Count > 0 ? _openRefunds.Min.TimeMs : boundaryMs, boundaryMs));
        }

        if (active || _overdue.Count > 0)
        {
            emit(PointBuilder.Backlog(shopId, "shipment", _overdue.Count, _overdue.Count > 0 ? _overdue.Min.TimeMs : boundaryMs, boundaryMs));
        }
    }

    /// <summary>True when no order or refund is held, nothing is counted in the window and no series is active.</summary>
    public bool IsIdle(long boundaryMs) =>
        _orders.Count == 0 && _refunds.Count == 0 && _dueOnTime + _dueLate == 0 && _stalled == 0
        && _paid.Count == 0 && _cancelled.Count == 0 && _delivered.Count == 0
        && (_lastEventMs == long.MinValue || _lastEventMs < boundaryMs - _ttlMs);

    /// <summary>Drops orders and refunds with no event for <see cref="EngineOptions.StaleItemAge"/>.</summary>
    public void EvictStale(long boundaryMs)
    {
        var staleBefore = boundaryMs - _staleMs;
        StaleItems.Evict(_orders, o => o.LastEventMs, staleBefore, (_, order) => Forget(order));
        StaleItems.Evict(_refunds, r => r.RequestedMs, staleBefore, (_, refund) => RemoveRefund(refund));
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

        _paid.EvictBefore(windowStart);
        _cancelled.EvictBefore(windowStart);
        _delivered.EvictBefore(windowStart);
        _damaged.EvictBefore(windowStart);
    }

    private void Pay(string id, MonitorEvent e)
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

    /// <summary>Opens a refund, also for an order not in state (paid before a restart); a repeated request is ignored.</summary>
    private bool RequestRefund(MonitorEvent e, bool late)
    {
        var refundId = e.RefundId!;
        if (_refunds.TryGetValue(refundId, out var known) && late && e.TimestampMs < known.RequestedMs)
        {
            return false;
        }

        Touch(e.TimestampMs);
        if (known is null)
        {
            var amount = Math.Min(e.Amount ?? 0, MaxRefundAmount);
            var refund = new RefundItem(refundId, _nextSequence++, e.TimestampMs, amount);
            _refunds.Add(refundId, refund);
            _openRefunds.Add(new TimedKey<RefundItem>(refund.RequestedMs, refund.Sequence, refund));
            _refundOpenAmount += (decimal)amount;
        }

        return true;
    }

    private bool CloseRefund(MonitorEvent e, bool late)
    {
        if (e.RefundId is { } refundId && _refunds.TryGetValue(refundId, out var refund))
        {
            if (late && e.TimestampMs < refund.RequestedMs)
            {
                return false;
            }

            RemoveRefund(refund);
        }

        Touch(e.TimestampMs);
        return true;
    }

    private void RemoveRefund(RefundItem refund)
    {
        _refunds.Remove(refund.Id);
        _openRefunds.Remove(new TimedKey<RefundItem>(refund.RequestedMs, refund.Sequence, refund));
        _refundOpenAmount -= (decimal)refund.Amount;
    }

    private void Touch(long timestampMs) => _lastEventMs = Math.Max(_lastEventMs, timestampMs);
}
