using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Orders;

/// <summary>Hand-computed shipping, orders and backlog(refund|shipment) values, edges included (DESIGN §4, docs/metrics.md).</summary>
public sealed class OrderStateTests
{
    /// <summary>Short durations so edges are easy to compute: W 30 min, SLA 10 min, stall 20 min, TTL 60 min.</summary>
    internal static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromMinutes(1),
        OrdersWindow = TimeSpan.FromMinutes(30),
        ShipSla = TimeSpan.FromMinutes(10),
        StallLimit = TimeSpan.FromMinutes(20),
        SeriesTtl = TimeSpan.FromMinutes(60),
        StaleItemAge = TimeSpan.FromHours(5),
    };

    private readonly OrderEvents _events = new();
    private readonly OrderState _state = new("s1", Options);

    private static long M(double minutes) => ChatEvents.At(minutes * 60);

    private void Apply(params MonitorEvent[] events)
    {
        foreach (var e in events)
        {
            Assert.True(_state.Apply(e, late: false));
        }
    }

    private List<MetricPoint> At(long boundaryMs)
    {
        var points = new List<MetricPoint>();
        _state.Emit(boundaryMs, points.Add);
        return points;
    }

    private MetricPoint Shipping(long b) => Assert.Single(At(b), p => p.Measurement == Measurements.Shipping);

    private MetricPoint OrdersPoint(long b) => Assert.Single(At(b), p => p.Measurement == Measurements.Orders);

    private static MetricPoint Backlog(List<MetricPoint> points, string queue) =>
        Assert.Single(points, p => p.Measurement == Measurements.Backlog && p.Tag("queue") == queue);

    [Fact]
    public void Due_StartsWhenDeadlineIsBeforeB_AndEndsWhenItFallsBeforeWindowStart()
    {
        Apply(_events.Paid("a", M(0))); // deadline M(10)

        Assert.Equal(0, Shipping(M(10)).Value("due"));
        var justPast = Shipping(M(11));
        Assert.Equal(1, justPast.Value("due"));
        Assert.Equal(1, justPast.Value("late"));
        Assert.Equal(0, justPast.Value("on_time_ratio"));
        Assert.Equal(1, Shipping(M(40)).Value("due")); // deadline == b − W: still inside [b − W, b)
        var gone = Shipping(M(41));
        Assert.Equal(0, gone.Value("due"));
        Assert.Null(gone.Field("on_time_ratio"));
    }

    [Fact]
    public void ShippedExactlyAtDeadline_IsOnTime_AndOneMillisecondAfter_IsLate()
    {
        Apply(
            _events.Paid("on", M(0), shipBy: M(5)),
            _events.Paid("off", M(0), shipBy: M(5)),
            _events.Shipped("on", M(5)),
            _events.Shipped("off", M(5) + 1));

        var point = Shipping(M(6));
        Assert.Equal(2, point.Value("due"));
        Assert.Equal(1, point.Value("on_time"));
        Assert.Equal(1, point.Value("late"));
        Assert.Equal(0.5, point.Value("on_time_ratio"));
        Assert.Equal(0, point.Value("overdue_unshipped"));
    }

    [Fact]
    public void CancelledBeforeDeadline_IsExcluded_CancelledAtDeadline_CountsLate()
    {
        Apply(
            _events.Paid("before", M(0)),
            _events.Paid("at", M(0)),
            _events.Cancelled("before", M(10) - 1),
            _events.Cancelled("at", M(10)));

        var point = Shipping(M(11));
        Assert.Equal(1, point.Value("due"));
        Assert.Equal(0, point.Value("on_time"));
        Assert.Equal(1, point.Value("late"));
        Assert.Equal(0, point.Value("overdue_unshipped")); // cancelled before b
    }

    [Fact]
    public void ShipmentBacklog_AgesFromTheDeadline_AndEmptiesWhenShipped()
    {
        Apply(_events.Paid("a", M(0)), _events.Paid("b", M(2)));

        var points = At(M(10));
        Assert.Equal(0, Shipping(M(10)).Value("overdue_unshipped"));
        Assert.Equal(0, Backlog(points, "shipment").Value("waiting"));
        Assert.Equal(0, Backlog(points, "shipment").Value("oldest_wait_seconds"));

        points = At(M(15));
        Assert.Equal(2, Backlog(points, "shipment").Value("waiting"));
        Assert.Equal(300, Backlog(points, "shipment").Value("oldest_wait_seconds")); // b − deadline M(10)

        Apply(_events.Shipped("a", M(15)));
        points = At(M(16));
        Assert.Equal(1, Backlog(points, "shipment").Value("waiting"));
        Assert.Equal(240, Backlog(points, "shipment").Value("oldest_wait_seconds")); // b − deadline M(12)
        var shipping = Assert.Single(points, p => p.Measurement == Measurements.Shipping);
        Assert.Equal(1, shipping.Value("overdue_unshipped"));
        Assert.Equal(2, shipping.Value("late"));
    }

    [Fact]
    public void Stalled_WhenLastTrackingIsOlderThanTheLimit_AndClearedByTrackingOrDelivery()
    {
        Apply(_events.Paid("a", M(0)), _events.Shipped("a", M(1)));

        Assert.Equal(0, Shipping(M(21)).Value("stalled")); // exactly 20 min old: not older than the limit
        Assert.Equal(1, Shipping(M(22)).Value("stalled"));

        Apply(_events.Tracking("a", M(22)));
        Assert.Equal(0, Shipping(M(42)).Value("stalled"));
        Assert.Equal(1, Shipping(M(43)).Value("stalled"));

        Apply(_events.Delivered("a", M(43)));
        Assert.Equal(0, Shipping(M(44)).Value("stalled"));
    }

    [Fact]
    public void CancelledShipment_IsNotStalled()
    {
        Apply(_events.Paid("a", M(0)), _events.Shipped("a", M(1)), _events.Cancelled("a", M(2)));

        Assert.Equal(0, Shipping(M(30)).Value("stalled"));
    }

    [Fact]
    public void Orders_CountsPaidAndCancelledEventsInTheWindow_WithCancelRatio()
    {
        Apply(_events.Cancelled("unknown", M(0)));
        var first = OrdersPoint(M(1));
        Assert.Equal(0, first.Value("paid"));
        Assert.Equal(1, first.Value("cancelled")); // an event for an order paid before a restart still counts
        Assert.Null(first.Field("cancel_ratio"));

        Apply(
            _events.Paid("a", M(1)),
            _events.Paid("b", M(2)),
            _events.Paid("c", M(3)),
            _events.Cancelled("a", M(4)));
        var later = OrdersPoint(M(5));
        Assert.Equal(3, later.Value("paid"));
        Assert.Equal(2, later.Value("cancelled"));
        Assert.Equal(2.0 / 3, later.Value("cancel_ratio"));

        var slid = OrdersPoint(M(32)); // window [M(2), M(32)): paid at M(1) and cancel at M(0) left
        Assert.Equal(2, slid.Value("paid"));
        Assert.Equal(1, slid.Value("cancelled"));
    }

    [Fact]
    public void Refunds_OpenUntilCompletedOrRejected_WithAmountsAndOldestAge()
    {
        Apply(
            _events.RefundRequested("a", "r1", M(0), amount: 10.25),
            _events.RefundRequested("never-paid-here", "r2", M(1)),
            _events.RefundRequested("b", "r3", M(2), amount: 5.5));

        var points = At(M(3));
        var orders = Assert.Single(points, p => p.Measurement == Measurements.Orders);
        Assert.Equal(3, orders.Value("refund_open"));
        Assert.Equal(15.75, orders.Value("refund_open_amount"));
        Assert.Equal(3, Backlog(points, "refund").Value("waiting"));
        Assert.Equal(180, Backlog(points, "refund").Value("oldest_wait_seconds"));

        Apply(_events.RefundCompleted("r1", M(3)), _events.RefundRejected("r2", M(3)), _events.RefundCompleted("unknown", M(3)));
        points = At(M(4));
        orders = Assert.Single(points, p => p.Measurement == Measurements.Orders);
        Assert.Equal(1, orders.Value("refund_open"));
        Assert.Equal(5.5, orders.Value("refund_open_amount"));
        Assert.Equal(120, Backlog(points, "refund").Value("oldest_wait_seconds"));
        Assert.Equal(1, _state.OpenRefunds);
    }

    [Fact]
    public void Damage_CountsDeliveredAndDamagedInTheWindow()
    {
        Apply(
            _events.Paid("a", M(0)),
            _events.Delivered("a", M(1), damaged: true),
            _events.Delivered("unknown", M(2), damaged: false),
            _events.Delivered("other", M(3)));

        var point = OrdersPoint(M(4));
        Assert.Equal(3, point.Value("delivered"));
        Assert.Equal(1, point.Value("damaged"));
        Assert.Equal(1.0 / 3, point.Value("damage_ratio"));

        var empty = OrdersPoint(M(40));
        Assert.Equal(0, empty.Value("delivered"));
        Assert.Null(empty.Field("damage_ratio"));
    }

    [Fact]
    public void DeliveredWithoutShipEvent_CountsAsShippedAtDelivery()
    {
        Apply(_events.Paid("a", M(0)), _events.Delivered("a", M(9)));

        var point = Shipping(M(11));
        Assert.Equal(1, point.Value("on_time"));
        Assert.Equal(0, point.Value("overdue_unshipped"));
        Assert.Equal(0, point.Value("stalled"));
    }

    [Fact]
    public void EventsForUnknownOrders_DoNotCountForShipping()
    {
        Apply(_events.Shipped("x", M(0)), _events.Tracking("x", M(1)));

        var point = Shipping(M(30));
        Assert.Equal(0, point.Value("due"));
        Assert.Equal(0, point.Value("stalled"));
        Assert.Equal(0, _state.OpenOrders);
    }

    [Fact]
    public void Series_StopAfterTtl_UnlessSomethingIsOpenOrOverdue()
    {
        Apply(_events.Paid("a", M(0)), _events.Shipped("a", M(1)), _events.Delivered("a", M(2)));
        Assert.Equal(4, At(M(3)).Count);
        Assert.Empty(At(M(63))); // last event M(2) is older than b − TTL; nothing due, open or stalled

        var overdue = new OrderState("s2", Options);
        overdue.Apply(_events.Paid("b", M(0), shop: "s2"), late: false);
        var points = new List<MetricPoint>();
        overdue.Emit(M(120), points.Add);
        Assert.Equal(
            [Measurements.Shipping, Measurements.Backlog],
            points.Select(p => p.Measurement));
        Assert.Equal("shipment", points[1].Tag("queue"));
        Assert.False(overdue.IsIdle(M(120)));
    }

    [Fact]
    public void Orders_LeaveState_WhenTheyCanNoLongerChangeAnyOutput()
    {
        Apply(
            _events.Paid("cancelled-early", M(0)),
            _events.Paid("delivered", M(0)),
            _events.Paid("open", M(0)),
            _events.Cancelled("cancelled-early", M(1)),
            _events.Shipped("delivered", M(1)),
            _events.Delivered("delivered", M(2)));

        At(M(3));
        Assert.Equal(2, _state.OpenOrders); // cancelled before its deadline: excluded from everything
        At(M(40));
        Assert.Equal(2, _state.OpenOrders); // deadline M(10) still in [b − W, b)
        At(M(41));
        Assert.Equal(1, _state.OpenOrders); // only the unshipped order: it is overdue
        Assert.Equal(1, Shipping(M(42)).Value("overdue_unshipped"));
    }

    [Fact]
    public void StaleOrdersAndRefunds_AreEvicted()
    {
        Apply(_events.Paid("a", M(0)), _events.RefundRequested("a", "r1", M(0), amount: 3));

        _state.EvictStale(M(300)); // exactly StaleItemAge: kept
        Assert.Equal(1, _state.OpenOrders);
        _state.EvictStale(M(300) + 1);
        Assert.Equal(0, _state.OpenOrders);
        Assert.Equal(0, _state.OpenRefunds);

        var points = At(M(301));
        Assert.Empty(points);
        Assert.True(_state.IsIdle(M(301)));
    }

    [Fact]
    public void LateShipAtOrBeforeDeadline_TurnsALateOrderOnTime()
    {
        Apply(_events.Paid("a", M(0)));
        Assert.Equal(1, Shipping(M(11)).Value("late"));

        Assert.True(_state.Apply(_events.Shipped("a", M(10)), late: true));
        var point = Shipping(M(12));
        Assert.Equal(1, point.Value("on_time"));
        Assert.Equal(0, point.Value("late"));
        Assert.Equal(0, point.Value("overdue_unshipped"));
    }

    [Fact]
    public void LateEventOlderThanTheOrdersLastEvent_IsNotApplied()
    {
        Apply(_events.Paid("a", M(0)), _events.Shipped("a", M(1)), _events.Delivered("a", M(3)));

        Assert.False(_state.Apply(_events.Cancelled("a", M(2)), late: true));
        Assert.True(_state.Apply(_events.RefundCompleted("r0", M(2)), late: true)); // unknown refund: nothing to compare with
        Assert.Equal(1, Shipping(M(11)).Value("on_time"));
    }

    [Fact]
    public void LateCancelBeforeDeadline_RemovesTheOrderFromDue()
    {
        Apply(_events.Paid("a", M(0)));
        Assert.Equal(1, Shipping(M(11)).Value("due"));

        Assert.True(_state.Apply(_events.Cancelled("a", M(9)), late: true));
        var point = Shipping(M(12));
        Assert.Equal(0, point.Value("due"));
        Assert.Equal(0, point.Value("overdue_unshipped"));
        Assert.Equal(0, _state.OpenOrders);
    }
}
