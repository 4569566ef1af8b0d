using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Crisis Quotient of one shop: incoming volume per minute against agent capacity per minute (crisis).</summary>
internal sealed class CrisisState(string shopId, EngineOptions options) : IShopFamily
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
