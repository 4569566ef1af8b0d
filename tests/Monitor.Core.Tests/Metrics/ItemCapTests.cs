using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Tests.Calls;
using Monitor.Core.Tests.Orders;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Metrics;

/// <summary>
/// Issue 13, item 5: one shop id flooded with new conversation, call, order, refund or agent ids
/// cannot grow without bound. Beyond <see cref="EngineOptions.MaxItemsPerShop"/> of one kind an
/// event that would add one more is refused (nothing of it applied); the shop's items already
/// held, and other shops, go on.
/// </summary>
public sealed class ItemCapTests
{
    private static readonly EngineOptions Capped = new() { MaxItemsPerShop = 3, AllowedLateness = TimeSpan.FromSeconds(30) };

    [Fact]
    public void AFourthConversation_IsRefused_TheThreeHeldGoOn_AndAnotherShopIsNotTouched()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Capped);
        engine.Feed(chats.Customer("c1", At(1)), chats.Customer("c2", At(2)), chats.Customer("c3", At(3)));

        Assert.Equal(EventVerdict.Refused, engine.Engine.Offer(chats.Customer("c4", At(4))));
        Assert.Equal(EventVerdict.Refused, engine.Engine.Offer(chats.Started("c5", At(4))));
        Assert.Equal(EventVerdict.OnTime, engine.Engine.Offer(chats.Agent("c1", At(5))));
        Assert.Equal(EventVerdict.OnTime, engine.Engine.Offer(chats.Customer("x1", At(5), shop: "s2")));

        // Nothing of the refused ones entered: at the first boundary s1 has c2 and c3 waiting (c1 answered).
        engine.Engine.AdvanceTo(At(60));
        Assert.Equal(2, engine.BacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, engine.BacklogAt(At(10), shop: "s2").Value("waiting"));
    }

    [Fact]
    public void AClosedConversation_MakesRoom_OnceItHasLeft()
    {
        var chats = new ChatEvents();
        var engine = new RecordingEngine(Capped);
        engine.Feed(chats.Customer("c1", At(1)), chats.Customer("c2", At(2)), chats.Customer("c3", At(3)), chats.Closed("c1", At(4)));
        Assert.Equal(EventVerdict.Refused, engine.Engine.Offer(chats.Customer("c4", At(5))));

        // The closed conversation leaves once the watermark passes its last event.
        engine.Engine.AdvanceTo(At(40));
        Assert.Equal(EventVerdict.OnTime, engine.Engine.Offer(chats.Customer("c4", At(41))));
    }

    [Fact]
    public void Calls_Refunds_AndAgents_AreCappedPerKind()
    {
        var calls = new CallEvents();
        var orders = new OrderEvents();
        var engine = new MetricEngine(Capped, _ => { });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(EventVerdict.OnTime, engine.Offer(calls.Queued($"k{i}", At(i))));
            Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.RefundRequested($"o{i}", $"r{i}", At(i))));
            Assert.Equal(EventVerdict.OnTime, engine.Offer(Agent($"a{i}", At(i))));
        }

        Assert.Equal(EventVerdict.Refused, engine.Offer(calls.Queued("k9", At(5))));
        Assert.Equal(EventVerdict.Refused, engine.Offer(orders.RefundRequested("o9", "r9", At(5))));
        Assert.Equal(EventVerdict.Refused, engine.Offer(Agent("a9", At(5))));

        // Each kind has its own cap, and events of held items go on.
        Assert.Equal(EventVerdict.OnTime, engine.Offer(calls.Answered("k0", At(6))));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.RefundCompleted("r0", At(6))));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(Agent("a0", At(6))));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(new ChatEvents().Customer("c1", At(6))));
    }

    [Fact]
    public void OrdersStillWaitingToBePaid_CountTowardsTheCap()
    {
        // order_paid waits in the reorder buffer until the watermark passes it: the cap must see it already.
        var orders = new OrderEvents();
        var engine = new MetricEngine(Capped, _ => { });
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.Paid("o1", At(1))));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.Paid("o2", At(2))));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.Paid("o3", At(3))));
        Assert.Equal(1, engine.Shops);
        Assert.Equal(3, engine.Pending);

        Assert.Equal(EventVerdict.Refused, engine.Offer(orders.Paid("o4", At(4))));
        Assert.Equal(3, engine.Pending);
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.Shipped("o1", At(5))));
    }

    private static int _agentEvents;

    private static MonitorEvent Agent(string agent, long ts) => new()
    {
        Type = EventType.AgentStatus,
        EventId = $"ag{Interlocked.Increment(ref _agentEvents)}",
        ShopId = "s1",
        TimestampMs = ts,
        AgentId = agent,
        AgentState = AgentState.Online,
        AgentChannel = "chat",
    };
}
