using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Tests.Support;
using Xunit.Abstractions;

namespace Monitor.Core.Tests.Orders;

/// <summary>
/// Per-item memory of open orders and refunds, measured with GC.GetTotalMemory around filling an
/// OrderState: the object, its dictionary entry, its id string and its queue or set entries.
/// Target ≤ 512 bytes per item (1,000,000 open items in 512 MB).
/// </summary>
public sealed class OrderMemoryTests(ITestOutputHelper output)
{
    private const int Items = 200_000;

    [Fact]
    public void OpenOrder_CostsLessThan512BytesIncludingIdAndIndexes()
    {
        var perOrder = Measure(state =>
        {
            for (var i = 0; i < Items; i++)
            {
                state.Apply(Event(EventType.OrderPaid, $"order-{i:D10}", ChatEvents.T0 + i), late: false);
            }

            state.Emit(ChatEvents.T0 + Items + 1, _ => { });
        });

        output.WriteLine($"open order (paid, deadline pending): {perOrder:F0} bytes");
        Assert.InRange(perOrder, 40, 512);
    }

    [Fact]
    public void OrderInTransit_AndOpenRefund_CostLessThan512BytesEach()
    {
        var perShipped = Measure(state =>
        {
            for (var i = 0; i < Items; i++)
            {
                var id = $"order-{i:D10}";
                state.Apply(Event(EventType.OrderPaid, id, ChatEvents.T0 + i), late: false);
                state.Apply(Event(EventType.OrderShipped, id, ChatEvents.T0 + i), late: false);
            }
        });
        var perRefund = Measure(state =>
        {
            for (var i = 0; i < Items; i++)
            {
                state.Apply(Event(EventType.RefundRequested, $"order-{i:D10}", ChatEvents.T0 + i), late: false);
            }

            // Steady state: a boundary after the requests (the engine emits one every step).
            state.Emit(ChatEvents.T0 + Items + 1, _ => { });
        });

        output.WriteLine($"shipped order in transit: {perShipped:F0} bytes; open refund: {perRefund:F0} bytes");
        Assert.InRange(perShipped, 40, 512);
        Assert.InRange(perRefund, 40, 512);
    }

    private static double Measure(Action<OrderState> fill)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var state = new OrderState("s1", new EngineOptions());
        fill(state);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(state.OpenOrders + state.OpenRefunds >= Items);
        GC.KeepAlive(state);
        return (after - before) / (double)Items;
    }

    private static MonitorEvent Event(EventType type, string orderId, long ts) => new()
    {
        Type = type,
        EventId = $"e{ts}",
        ShopId = "s1",
        TimestampMs = ts,
        OrderId = orderId,
        RefundId = type == EventType.RefundRequested ? "refund-" + orderId : null,
        Amount = type == EventType.RefundRequested ? 12.5 : null,
    };
}
