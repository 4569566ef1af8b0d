using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Orders of one shop: ship on time, overdue and stalled shipments (shipping), paid/cancelled and refunds (orders), damage, and the refund and shipment backlogs.</summary>
internal sealed class OrderState(string shopId, EngineOptions options) : IShopFamily
{
    public string ShopId => shopId;

    public EngineOptions Options => options;

    public bool Apply(MonitorEvent e, bool late) => true;

    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
    }

    public bool IsIdle(long boundaryMs) => true;

    public void EvictStale(long boundaryMs)
    {
    }
}
