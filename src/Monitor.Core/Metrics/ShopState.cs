using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics.Windows;
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

    // order_paid events waiting in the engine's reorder buffer: orders about to be held.
    private int _waitingPaid;

    // Items held over the families, kept by each call that can change them from the family it
    // touches (reading the others would cost a cache miss each per event).
    private int _held;

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

    /// <summary>
    /// Items this shop holds, of every kind (conversations, calls, orders, refunds, agents), and
    /// order_paid events waiting in the reorder buffer (orders about to be held): what the
    /// instance-wide <see cref="EngineOptions.MaxItems"/> counts.
    /// </summary>
    public int ItemCount => _held + _waitingPaid;

    /// <summary>Items this shop holds, without the order_paid events waiting to add orders.</summary>
    public int HeldItems => _held;

    /// <summary>Order_paid events of this shop waiting in the reorder buffer.</summary>
    public int WaitingPaid => _waitingPaid;

    /// <summary>The items of every family counted afresh (what <see cref="HeldItems"/> keeps).</summary>
    public int CountHeldItems() => _chats.OpenConversations + _calls.OpenCalls + _orders.OpenOrders + _orders.OpenRefunds + _crisis.HeldAgents;

    /// <summary>
    /// False when <paramref name="e"/> would add an item (conversation, call, order, refund, agent)
    /// to a family of this shop that already holds <paramref name="max"/> (<see cref="EngineOptions.MaxItemsPerShop"/>),
    /// or would add one at all when <paramref name="instanceRoom"/> is false (the instance is at <see cref="EngineOptions.MaxItems"/>).
    /// </summary>
    public bool HasRoomFor(MonitorEvent e, int max, bool instanceRoom = true)
    {
        // A family at its cap only takes events of items it holds: a cap of 0 says "none new".
        var cap = instanceRoom ? max : 0;
        return e.Type switch
        {
            EventType.AgentStatus => e.AgentId is not { } agent || _crisis.HasRoomForAgent(agent, cap),
            EventType.OrderPaid => e.OrderId is not { } order || _orders.HasRoomForOrder(order, _waitingPaid, cap),
            EventType.RefundRequested or EventType.RefundCompleted or EventType.RefundRejected => e.RefundId is not { } refund || _orders.HasRoomForRefund(refund, cap),
            EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned or EventType.CallEnded => e.CallId is not { } call || _calls.HasRoomFor(call, cap),
            _ => e.Topic != Topic.Chats || e.ConversationId is not { } conversation || _chats.HasRoomFor(conversation, cap),
        };
    }

    /// <summary>True when <paramref name="e"/>, the first event of a shop, would make it hold an item.</summary>
    public static bool AddsItem(MonitorEvent e) => e.Type switch
    {
        EventType.AgentStatus => e.AgentId is not null,
        EventType.OrderPaid => e.OrderId is not null,
        EventType.RefundRequested or EventType.RefundCompleted or EventType.RefundRejected => e.RefundId is not null,
        EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned or EventType.CallEnded => e.CallId is not null,
        _ => e.Topic == Topic.Chats && e.ConversationId is not null,
    };

    /// <summary>
    /// Applies one event on arrival. Returns true when it also has a part that must be applied in
    /// event-time order at the watermark (<see cref="ApplyOrdered"/>): an on-time ship-on-time event.
    /// </summary>
    public bool Apply(MonitorEvent e, bool late, long watermarkMs)
    {
        var ordered = false;
        switch (e.Topic)
        {
            case Topic.Chats:
                var conversations = _chats.OpenConversations;
                _chats.Apply(e, late, watermarkMs);
                _held += _chats.OpenConversations - conversations;
                _changed |= 1 << 0;
                break;
            case Topic.Calls:
                var calls = _calls.OpenCalls;
                _calls.Apply(e, late, watermarkMs);
                _held += _calls.OpenCalls - calls;
                _changed |= 1 << 1;
                break;
            case Topic.Orders:
                var orders = _orders.OpenOrders + _orders.OpenRefunds;
                _orders.Apply(e, late, watermarkMs);
                _held += _orders.OpenOrders + _orders.OpenRefunds - orders;
                ordered = !late && OrderState.IsOrdered(e.Type);
                if (ordered && e.Type == EventType.OrderPaid)
                {
                    _waitingPaid++;
                }

                _changed |= 1 << 2;
                break;
        }

        if (e.HasText)
        {
            _keywords.Apply(e, late, watermarkMs);
            _changed |= 1 << 3;
        }

        if (e.Type is EventType.ConversationStarted or EventType.CallQueued or EventType.AgentStatus)
        {
            var agents = _crisis.HeldAgents;
            _crisis.Apply(e, late, watermarkMs);
            _held += _crisis.HeldAgents - agents;
            _changed |= 1 << 4;
        }

        return ordered;
    }

    /// <summary>The ship-on-time part of an on-time orders event, once the watermark has passed it.</summary>
    public void ApplyOrdered(in OrderedEvent e)
    {
        if (e.Type == EventType.OrderPaid)
        {
            _waitingPaid--;
        }

        var orders = _orders.OpenOrders + _orders.OpenRefunds;
        _orders.ApplyOrdered(e, late: false);
        _held += _orders.OpenOrders + _orders.OpenRefunds - orders;
        _changed |= 1 << 2;
    }

    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        var view = View.At(boundaryMs);
        foreach (var family in _families)
        {
            family.Emit(view, emit);
        }

        // A boundary settles items: closed ones leave.
        _held = CountHeldItems();
    }

    /// <summary>
    /// Early results: the state now of the families with events applied since the last early
    /// read (all families with <paramref name="all"/>), stamped <paramref name="atMs"/>.
    /// </summary>
    public void EmitNow(long atMs, long stepMs, bool all, Action<MetricPoint> emit, EarlyFields? fields = null)
    {
        var view = View.Now(atMs, stepMs, fields) with { ChangedOnly = !all };
        for (var i = 0; i < _families.Length; i++)
        {
            if (all || (_changed & (1 << i)) != 0)
            {
                _families[i].Emit(view, emit);
            }
        }

        _changed = 0;
    }

    /// <summary>True while the shop is in its engine's list of shops changed since the last early read.</summary>
    public bool Dirty { get; set; }

    /// <summary>The source (partition) the shop's events come from.</summary>
    public int Source { get; set; }

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

        _held = CountHeldItems();
    }

    /// <summary>This shop's items of <paramref name="queue"/> open at <paramref name="boundaryMs"/>, oldest first.</summary>
    public OpenItemCursor OpenItems(TimerQueue queue, long boundaryMs) => OpenItems(queue, View.At(boundaryMs));

    /// <summary>This shop's items of <paramref name="queue"/> open in <paramref name="view"/>, oldest first (shipments: as of the last boundary).</summary>
    public OpenItemCursor OpenItems(TimerQueue queue, in View view) => queue switch
    {
        TimerQueue.Chat => _chats.Backlog(TextChannel.Chat).Items(view),
        TimerQueue.Email => _chats.Backlog(TextChannel.Email).Items(view),
        TimerQueue.Social => _chats.Backlog(TextChannel.Social).Items(view),
        TimerQueue.Call => _calls.Backlog.Items(view),
        TimerQueue.Refund => _orders.RefundBacklog.Items(view),
        TimerQueue.Shipment => _orders.OverdueUnshipped(),
        _ => throw new ArgumentOutOfRangeException(nameof(queue), queue, "not a queue"),
    };
}
