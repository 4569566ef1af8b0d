using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>Complaint keyword hits of one shop from customer chat messages, customer call transcripts and review texts (complaint_keywords).</summary>
internal sealed class KeywordState(string shopId, EngineOptions options) : IShopFamily
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
