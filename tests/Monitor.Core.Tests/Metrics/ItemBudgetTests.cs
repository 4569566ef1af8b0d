using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Tests.Calls;
using Monitor.Core.Tests.Orders;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Metrics;

/// <summary>
/// Issue 13, item 5: the instance-wide item budget (<see cref="EngineOptions.MaxItems"/>). Many
/// shops, each under its own cap, cannot together hold more than the budget; an event that would
/// add one more item is refused with <see cref="EventVerdict.RefusedInstanceFull"/>, items held go
/// on, and room comes back as items leave. The count the budget reads is kept by the engine around
/// every call that changes items, and must equal the items counted one by one at every moment.
/// </summary>
public sealed class ItemBudgetTests
{
    private static readonly EngineOptions Budget4 = new() { MaxItems = 4, AllowedLateness = TimeSpan.FromSeconds(30) };

    [Fact]
    public void AFifthItem_AnywhereInTheInstance_IsRefused_HeldItemsGoOn()
    {
        var chats = new ChatEvents();
        var calls = new CallEvents();
        var orders = new OrderEvents();
        var engine = new MetricEngine(Budget4, _ => { });
        Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Customer("c1", At(1), shop: "s1")));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(calls.Queued("k1", At(1), shop: "s2")));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.RefundRequested("o1", "r1", At(2), shop: "s3")));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.Paid("o2", At(2), shop: "s3")));
        Assert.Equal(4, engine.ItemsHeld);

        // A new item of a held shop, and a new shop with an item, are refused; per shop all are far below the cap.
        Assert.Equal(EventVerdict.RefusedInstanceFull, engine.Offer(chats.Customer("c2", At(3), shop: "s1")));
        Assert.Equal(EventVerdict.RefusedInstanceFull, engine.Offer(calls.Queued("k9", At(3), shop: "s9")));
        Assert.Equal(EventVerdict.RefusedInstanceFull, engine.Offer(Agent("a1", At(3), "s2")));
        Assert.Equal(3, engine.Shops);

        // Events of the items held go on.
        Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Agent("c1", At(4), shop: "s1")));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(calls.Answered("k1", At(4), shop: "s2")));
        Assert.Equal(EventVerdict.OnTime, engine.Offer(orders.RefundCompleted("r1", At(4), shop: "s3")));
        Assert.Equal(4, engine.ItemsHeld);
    }

    [Fact]
    public void RoomComesBack_OnceAClosedItemHasLeft()
    {
        var chats = new ChatEvents();
        var engine = new MetricEngine(Budget4, _ => { });
        foreach (var (id, shop) in new[] { ("c1", "s1"), ("c2", "s1"), ("c3", "s2"), ("c4", "s3") })
        {
            Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Customer(id, At(1), shop: shop)));
        }

        Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Closed("c3", At(2), shop: "s2")));
        Assert.Equal(EventVerdict.RefusedInstanceFull, engine.Offer(chats.Customer("c5", At(3), shop: "s4")));

        // The closed conversation leaves once the watermark passes its last event.
        engine.AdvanceTo(At(40));
        Assert.Equal(3, engine.ItemsHeld);
        Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Customer("c5", At(41), shop: "s4")));
        Assert.Equal(4, engine.ItemsHeld);
    }

    [Fact]
    public void ThePerShopCap_IsStillNamedWhenItIsTheOneReached()
    {
        var chats = new ChatEvents();
        var engine = new MetricEngine(new EngineOptions { MaxItems = 100, MaxItemsPerShop = 2 }, _ => { });
        engine.Offer(chats.Customer("c1", At(1)));
        engine.Offer(chats.Customer("c2", At(1)));
        Assert.Equal(EventVerdict.Refused, engine.Offer(chats.Customer("c3", At(2))));
    }

    [Fact]
    public void ADroppedPartition_GivesItsShopsItemsBack()
    {
        var chats = new ChatEvents();
        var engine = new MetricEngine(Budget4, _ => { });
        engine.OpenSource(1);
        engine.OpenSource(2);
        engine.Offer(chats.Customer("c1", At(1), shop: "s1"), source: 1);
        engine.Offer(chats.Customer("c2", At(1), shop: "s1"), source: 1);
        engine.Offer(chats.Customer("c3", At(1), shop: "s2"), source: 2);
        engine.Offer(chats.Customer("c4", At(1), shop: "s2"), source: 2);
        Assert.Equal(EventVerdict.RefusedInstanceFull, engine.Offer(chats.Customer("c5", At(2), shop: "s2"), source: 2));

        engine.DropSource(1);
        Assert.Equal(2, engine.ItemsHeld);
        Assert.Equal(EventVerdict.OnTime, engine.Offer(chats.Customer("c5", At(2), shop: "s2"), source: 2));
    }

    /// <summary>
    /// Random streams of every item kind over a few shops and partitions, out of order within and
    /// beyond the lateness, with boundaries, stale evictions, partitions dropped and re-opened: after
    /// every step the engine's count equals the items counted shop by shop, and the items held never
    /// exceed the budget (the count, which includes order_paid events waiting for the watermark, may
    /// pass it by order_paid duplicates of orders already held).
    /// </summary>
    [Property(MaxTest = 150)]
    public Property TheCount_EqualsTheItemsCountedOneByOne_AfterEveryStep() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var options = new EngineOptions
            {
                MaxItems = random.Next(3, 40),
                MaxItemsPerShop = random.Next(2, 20),
                AllowedLateness = TimeSpan.FromSeconds(30),
                StaleItemAge = TimeSpan.FromMinutes(random.Next(2, 10)),
            };
            var engine = new MetricEngine(options, _ => { });
            var chats = new ChatEvents();
            var calls = new CallEvents();
            var orders = new OrderEvents();
            var now = 0.0;
            for (var step = 0; step < 400; step++)
            {
                now += random.NextDouble() * 3;
                var ts = At(now - (random.Next(4) == 0 ? random.NextDouble() * 60 : 0));
                // A shop's events all come from one partition (key = shop id).
                var shopIndex = random.Next(4);
                var shop = $"s{shopIndex}";
                var source = (shopIndex % 2) + 1;
                var id = random.Next(12);
                var op = random.Next(14);
                var before = engine.ItemsHeld;
                switch (op)
                {
                    case 0: engine.Offer(chats.Customer($"c{id}", ts, shop: shop), source); break;
                    case 1: engine.Offer(chats.Agent($"c{id}", ts, shop: shop), source); break;
                    case 2: engine.Offer(chats.Closed($"c{id}", ts, shop: shop), source); break;
                    case 3: engine.Offer(calls.Queued($"k{id}", ts, shop: shop), source); break;
                    case 4: engine.Offer(calls.Ended($"k{id}", ts, shop: shop), source); break;
                    case 5: engine.Offer(orders.Paid($"o{id}", ts, shop: shop), source); break;
                    case 6: engine.Offer(orders.Shipped($"o{id}", ts, shop: shop), source); break;
                    case 7: engine.Offer(orders.Cancelled($"o{id}", ts, shop: shop), source); break;
                    case 8: engine.Offer(orders.RefundRequested($"o{id}", $"r{id}", ts, shop: shop), source); break;
                    case 9: engine.Offer(orders.RefundCompleted($"r{id}", ts, shop: shop), source); break;
                    case 10: engine.Offer(Agent($"a{id}", ts, shop), source); break;
                    case 11: engine.AdvanceTo(At(now - 30)); break;
                    case 12 when random.Next(5) == 0: engine.DropSource(source); engine.OpenSource(source); break;
                    default: now += random.Next(60); break;
                }

                var counted = engine.CountItems();
                var held = engine.CountItems(waiting: false);
                if (engine.ItemsHeld != counted || held > options.MaxItems)
                {
                    return false.Label($"step {step} (op {op}, {shop}, id {id}, from {before}): count {engine.ItemsHeld}, counted {counted}, held {held}, budget {options.MaxItems}");
                }
            }

            engine.Flush();
            return (engine.ItemsHeld == engine.CountItems()).Label($"after the flush: count {engine.ItemsHeld}, counted {engine.CountItems()}");
        });

    private static int _agentEvents;

    private static MonitorEvent Agent(string agent, long ts, string shop) => new()
    {
        Type = EventType.AgentStatus,
        EventId = $"budget-ag{Interlocked.Increment(ref _agentEvents)}",
        ShopId = shop,
        TimestampMs = ts,
        AgentId = agent,
        AgentState = AgentState.Online,
        AgentChannel = "chat",
    };
}
