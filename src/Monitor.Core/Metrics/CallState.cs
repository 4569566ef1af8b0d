using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Calls of one shop: answer time, offered/answered/abandoned, service level, handle time (measurements call_answer, call_handle) and the call queue backlog (backlog queue=call).</summary>
internal sealed class CallState(string shopId, EngineOptions options) : IShopFamily
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
