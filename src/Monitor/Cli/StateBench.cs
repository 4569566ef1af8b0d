using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Cli;

/// <summary>
/// Bytes of engine state per open item (issue target: at most 512 B at 1,000,000 open items):
/// opens N items of one kind in one shop, applies them, and divides the managed heap growth by N.
/// Counts everything the item costs: its object, id string, dictionary entry and index entries.
/// </summary>
internal static class StateBench
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 11, 14, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static void Run(int items)
    {
        Console.WriteLine($"bench: state bytes per open item, {items:N0} open items of each kind");
        Measure("waiting conversation", items, i => new MonitorEvent
        {
            Type = EventType.Message, EventId = $"m{i}", ShopId = "shop-001", TimestampMs = T0 + i,
            ConversationId = $"conv-{i:D9}", Sender = Sender.Customer, Channel = TextChannel.Chat,
        });
        Measure("queued call", items, i => new MonitorEvent
        {
            Type = EventType.CallQueued, EventId = $"c{i}", ShopId = "shop-001", TimestampMs = T0 + i, CallId = $"call-{i:D9}",
        });
        Measure("unshipped order", items, i => new MonitorEvent
        {
            Type = EventType.OrderPaid, EventId = $"o{i}", ShopId = "shop-001", TimestampMs = T0 + i, OrderId = $"ord-{i:D9}", Amount = 99.5,
        });
        Measure("open refund", items, i => new MonitorEvent
        {
            Type = EventType.RefundRequested, EventId = $"r{i}", ShopId = "shop-001", TimestampMs = T0 + i,
            OrderId = $"ord-{i:D9}", RefundId = $"rf-{i:D9}", Amount = 20,
        });

        // What pipeline.maxShops bounds: a shop with one waiting chat, its state and series included.
        var shops = Math.Min(items, 100_000);
        Measure("shop (one waiting chat)", shops, i => new MonitorEvent
        {
            Type = EventType.Message, EventId = $"s{i}", ShopId = $"shop-{i:D7}", TimestampMs = T0 + i,
            ConversationId = $"conv-{i:D9}", Sender = Sender.Customer, Channel = TextChannel.Chat,
        }, "shop");
    }

    private static void Measure(string kind, int items, Func<int, MonitorEvent> open, string unit = "open item")
    {
        // Zero lateness and one step per item keep the reorder buffer empty: only item state remains.
        var options = new EngineOptions { AllowedLateness = TimeSpan.Zero, Step = TimeSpan.FromSeconds(10), SeriesTtl = TimeSpan.FromHours(1) };
        var points = 0L;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var engine = new MetricEngine(options, _ => points++);
        for (var i = 0; i < items; i++)
        {
            engine.Accept(open(i));
        }

        engine.AdvanceTo(T0 + items + 1);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(engine);
        Console.WriteLine($"bench: {kind,-23} {(after - before) / (double)items,7:N0} bytes per {unit} ({engine.Pending} pending events, {points:N0} points)");
    }
}
