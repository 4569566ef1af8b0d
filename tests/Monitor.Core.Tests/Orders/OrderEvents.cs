using Monitor.Core.Events;

namespace Monitor.Core.Tests.Orders;

/// <summary>Builds orders events for engine tests; ids come from a per-instance counter, so a history keeps its ids however it is reordered.</summary>
internal sealed class OrderEvents(string shopId = "s1")
{
    private int _next;

    public MonitorEvent Paid(string order, long ts, long? shipBy = null, string? shop = null) =>
        Make(EventType.OrderPaid, ts, shop, order) with { ShipByMs = shipBy };

    public MonitorEvent Shipped(string order, long ts, string? shop = null) => Make(EventType.OrderShipped, ts, shop, order);

    public MonitorEvent Cancelled(string order, long ts, string? shop = null) => Make(EventType.OrderCancelled, ts, shop, order);

    public MonitorEvent Tracking(string order, long ts, string? shop = null) => Make(EventType.TrackingUpdate, ts, shop, order);

    public MonitorEvent Delivered(string order, long ts, bool? damaged = null, string? shop = null) =>
        Make(EventType.OrderDelivered, ts, shop, order) with { Damaged = damaged };

    public MonitorEvent RefundRequested(string order, string refund, long ts, double? amount = null, string? shop = null) =>
        Make(EventType.RefundRequested, ts, shop, order) with { RefundId = refund, Amount = amount };

    public MonitorEvent RefundCompleted(string refund, long ts, string? shop = null) =>
        Make(EventType.RefundCompleted, ts, shop, null) with { RefundId = refund };

    public MonitorEvent RefundRejected(string refund, long ts, string? shop = null) =>
        Make(EventType.RefundRejected, ts, shop, null) with { RefundId = refund };

    private Draft Make(EventType type, long ts, string? shop, string? order) => new(type, $"o{_next++:D6}", shop ?? shopId, ts, order);

    /// <summary>An event under construction, so optional fields read as <c>with</c> expressions.</summary>
    internal sealed record Draft(EventType Type, string EventId, string ShopId, long TimestampMs, string? OrderId)
    {
        public long? ShipByMs { get; init; }
        public bool? Damaged { get; init; }
        public string? RefundId { get; init; }
        public double? Amount { get; init; }

        public static implicit operator MonitorEvent(Draft d) => new()
        {
            Type = d.Type,
            EventId = d.EventId,
            ShopId = d.ShopId,
            TimestampMs = d.TimestampMs,
            OrderId = d.OrderId,
            ShipByMs = d.ShipByMs,
            Damaged = d.Damaged,
            RefundId = d.RefundId,
            Amount = d.Amount,
        };
    }
}
