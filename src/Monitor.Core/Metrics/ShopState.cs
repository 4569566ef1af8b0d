using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>All state of one shop: one part per metric family, each fed the events it needs.</summary>
internal sealed class ShopState
{
    private readonly ChatState _chats;
    private readonly CallState _calls;
    private readonly OrderState _orders;
    private readonly KeywordState _keywords;
    private readonly CrisisState _crisis;
    private readonly IShopFamily[] _families;

    // Families with events applied since the last emission (bit i = _families[i]), for early results.
    private int _changed;

    public ShopState(string shopId, EngineOptions options)
    {
        ShopId = shopId;
        options = options.ForShop(shopId);
        _chats = new ChatState(shopId, options);
        _calls = new CallState(shopId, options);
        _orders = new OrderState(shopId, options);
        _keywords = new KeywordState(shopId, options);
        _crisis = new CrisisState(shopId, options);

        // Emission order is part of the output's determinism.
        _families = [_chats, _calls, _orders, _keywords, _crisis];
    }

    public string ShopId { get; }

    public void Apply(MonitorEvent e, bool late)
    {
        switch (e.Topic)
        {
            case Topic.Chats:
                _chats.Apply(e, late);
                _changed |= 1 << 0;
                break;
            case Topic.Calls:
                _calls.Apply(e, late);
                _changed |= 1 << 1;
                break;
            case Topic.Orders:
                _orders.Apply(e, late);
                _changed |= 1 << 2;
                break;
        }

        if (e.Text is not null)
        {
            _keywords.Apply(e, late);
            _changed |= 1 << 3;
        }

        if (e.Type is EventType.ConversationStarted or EventType.CallQueued or EventType.AgentStatus)
        {
            _crisis.Apply(e, late);
            _changed |= 1 << 4;
        }
    }

    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        foreach (var family in _families)
        {
            family.Emit(boundaryMs, emit);
        }

        _changed = 0;
    }

    /// <summary>Early results: emits only the families with events applied since the last emission.</summary>
    public void EmitChanged(long atMs, Action<MetricPoint> emit)
    {
        for (var i = 0; i < _families.Length; i++)
        {
            if ((_changed & (1 << i)) != 0)
            {
                _families[i].Emit(atMs, emit);
            }
        }

        _changed = 0;
    }

    public bool IsIdle(long boundaryMs)
    {
        foreach (var family in _families)
        {
            if (!family.IsIdle(boundaryMs))
            {
                return false;
            }
        }

        return true;
    }

    public void EvictStale(long boundaryMs)
    {
        foreach (var family in _families)
        {
            family.EvictStale(boundaryMs);
        }
    }

    /// <summary>This shop's open items of <paramref name="queue"/>, oldest first.</summary>
    public IEnumerable<OpenItem> OpenItems(TimerQueue queue) => queue switch
    {
        TimerQueue.Chat => _chats.Waiting(TextChannel.Chat),
        TimerQueue.Email => _chats.Waiting(TextChannel.Email),
        TimerQueue.Social => _chats.Waiting(TextChannel.Social),
        TimerQueue.Call => _calls.Waiting(),
        TimerQueue.Refund => _orders.RefundsOpen(),
        TimerQueue.Shipment => _orders.OverdueUnshipped(),
        _ => throw new ArgumentOutOfRangeException(nameof(queue), queue, "not a queue"),
    };
}
