using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>All state of one shop; each metric family adds its part here.</summary>
internal sealed class ShopState(string shopId, EngineOptions options)
{
    private readonly ChatState _chats = new(shopId, options);

    public string ShopId => shopId;

    public void Apply(MonitorEvent e, bool late)
    {
        switch (e.Topic)
        {
            case Topic.Chats:
                _chats.Apply(e, late);
                break;
        }
    }

    public void Emit(long boundaryMs, Action<MetricPoint> emit) => _chats.Emit(boundaryMs, emit);

    public bool IsIdle(long boundaryMs) => _chats.IsIdle(boundaryMs);

    public void EvictStale(long boundaryMs) => _chats.EvictStale(boundaryMs);
}
