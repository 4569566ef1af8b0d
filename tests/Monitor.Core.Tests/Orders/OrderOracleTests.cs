using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;

namespace Monitor.Core.Tests.Orders;

/// <summary>
/// The whole engine's shipping, orders and backlog(refund|shipment) points checked against a
/// brute-force oracle written from the rule text (DESIGN §4, docs/metrics.md), not from OrderState.
/// </summary>
public sealed class OrderOracleTests
{
    [Property(MaxTest = 120)]
    public Property Engine_MatchesBruteForceOracle_OnRandomOrderHistories() =>
        Prop.ForAll(Arb.From(OrderHistoryCase.Generator), history =>
        {
            var points = OraclePoints.Run(OrderHistoryCase.Options, history.Arrival());
            OraclePoints.AssertSame(new OrderOracle(OrderHistoryCase.Options).Points(history.Events), points.Where(IsOrderPoint));
        });

    private static bool IsOrderPoint(MetricPoint p) =>
        p.Measurement is Measurements.Shipping or Measurements.Orders
        || (p.Measurement == Measurements.Backlog && p.Tag("queue") is "refund" or "shipment");


    /// <summary>
    /// The rules, brute force. Each order is replayed alone in (ts, causal rank, eventId) order from
    /// its order_paid (events before it, or without one, belong to an order paid before a restart
    /// and count only as events). Ship time: the first order_shipped or order_delivered not after a
    /// cancel. Then every boundary b checks every order against the rule text.
    /// </summary>
    private sealed class OrderOracle(EngineOptions options)
    {
        private readonly long _step = (long)options.Step.TotalMilliseconds;
        private readonly long _window = (long)options.OrdersWindow.TotalMilliseconds;
        private readonly long _ttl = (long)options.SeriesTtl.TotalMilliseconds;
        private readonly long _stall = (long)options.StallLimit.TotalMilliseconds;
        private readonly long _sla = (long)options.ShipSla.TotalMilliseconds;

        private sealed record Order(string Shop, long Paid, long Deadline, long? Shipped, long? Cancelled, long? Delivered, List<long> Tracks);

        private sealed record Refund(string Shop, long Requested, long? Closed, decimal Amount);

        public Dictionary<string, MetricPoint> Points(IReadOnlyList<MonitorEvent> events)
        {
            var orders = new List<Order>();
            foreach (var group in events.Where(e => e.OrderId is not null && e.Type != EventType.RefundRequested).GroupBy(e => (e.ShopId, e.OrderId)))
            {
                var ordered = group.OrderBy(e => e.TimestampMs).ThenBy(Rank).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
                var paidAt = ordered.FindIndex(e => e.Type == EventType.OrderPaid);
                if (paidAt < 0)
                {
                    continue;
                }

                var paid = ordered[paidAt];
                long? shipped = null, cancelled = null, delivered = null;
                var tracks = new List<long>();
                foreach (var e in ordered.Skip(paidAt + 1))
                {
                    switch (e.Type)
                    {
                        case EventType.OrderCancelled:
                            cancelled ??= e.TimestampMs;
                            break;
                        case EventType.OrderShipped or EventType.OrderDelivered when cancelled is null:
                            shipped ??= e.TimestampMs;
                            if (e.Type == EventType.OrderDelivered)
                            {
                                delivered ??= e.TimestampMs;
                            }
                            else
                            {
                                tracks.Add(e.TimestampMs);
                            }

                            break;
                        case EventType.TrackingUpdate when shipped is not null:
                            tracks.Add(e.TimestampMs);
                            break;
                    }
                }

                orders.Add(new Order(paid.ShopId, paid.TimestampMs, paid.ShipByMs ?? paid.TimestampMs + _sla, shipped, cancelled, delivered, tracks));
            }

            var refunds = new List<Refund>();
            foreach (var group in events.Where(e => e.RefundId is not null).GroupBy(e => (e.ShopId, e.RefundId)))
            {
                var request = group.Where(e => e.Type == EventType.RefundRequested).MinBy(e => e.TimestampMs);
                if (request is null)
                {
                    continue;
                }

                var close = group.Where(e => e.Type is EventType.RefundCompleted or EventType.RefundRejected && e.TimestampMs >= request.TimestampMs)
                    .Select(e => (long?)e.TimestampMs).Min();
                refunds.Add(new Refund(request.ShopId, request.TimestampMs, close, (decimal)(request.Amount ?? 0)));
            }

            var result = new Dictionary<string, MetricPoint>();
            var first = events.Min(e => e.TimestampMs);
            var last = events.Max(e => e.TimestampMs);
            for (var b = first - Mod(first, _step) + _step; b <= last - Mod(last, _step) + _step; b += _step)
            {
                foreach (var shop in events.Select(e => e.ShopId).Distinct().Order(StringComparer.Ordinal))
                {
                    Boundary(result, shop, b, events.Where(e => e.ShopId == shop).ToList(), orders.Where(o => o.Shop == shop && o.Paid < b).ToList(), refunds.Where(r => r.Shop == shop).ToList());
                }
            }

            return result;
        }

        private void Boundary(Dictionary<string, MetricPoint> result, string shop, long b, List<MonitorEvent> events, List<Order> orders, List<Refund> refunds)
        {
            var active = events.Any(e => e.TimestampMs >= b - _ttl && e.TimestampMs < b);
            bool InWindow(long t) => t >= b - _window && t < b;
            static bool Before(long? t, long limit) => t is { } v && v < limit;

            var due = orders.Where(o => InWindow(o.Deadline) && !Before(o.Cancelled, o.Deadline)).ToList();
            var onTime = due.Count(o => o.Shipped is { } s && s <= o.Deadline);
            var overdue = orders.Where(o => o.Deadline < b && !Before(o.Shipped, b) && !Before(o.Cancelled, b)).ToList();
            var stalled = orders.Count(o =>
                Before(o.Shipped, b) && !Before(o.Delivered, b) && !Before(o.Cancelled, b)
                && b - o.Tracks.Where(t => t < b).Max() > _stall);
            if (active || due.Count > 0 || overdue.Count > 0 || stalled > 0)
            {
                var fields = new List<MetricField>
                {
                    MetricField.Int("due", due.Count),
                    MetricField.Int("on_time", onTime),
                    MetricField.Int("late", due.Count - onTime),
                    MetricField.Int("overdue_unshipped", overdue.Count),
                    MetricField.Int("stalled", stalled),
                };
                if (due.Count > 0)
                {
                    fields.Add(MetricField.Float("on_time_ratio", onTime / (double)due.Count));
                }

                Add(result, new MetricPoint(Measurements.Shipping, [new("shop", shop)], fields, b));
            }

            var windowed = events.Where(e => InWindow(e.TimestampMs)).ToList();
            var paid = windowed.Count(e => e.Type == EventType.OrderPaid);
            var cancelled = windowed.Count(e => e.Type == EventType.OrderCancelled);
            var delivered = windowed.Count(e => e.Type == EventType.OrderDelivered);
            var damaged = windowed.Count(e => e.Type == EventType.OrderDelivered && e.Damaged == true);
            var open = refunds.Where(r => r.Requested < b && !Before(r.Closed, b)).ToList();
            if (active || paid + cancelled + delivered + open.Count > 0)
            {
                var fields = new List<MetricField> { MetricField.Int("paid", paid), MetricField.Int("cancelled", cancelled) };
                if (paid > 0)
                {
                    fields.Add(MetricField.Float("cancel_ratio", cancelled / (double)paid));
                }

                fields.Add(MetricField.Int("refund_open", open.Count));
                fields.Add(MetricField.Float("refund_open_amount", (double)open.Sum(r => r.Amount)));
                fields.Add(MetricField.Int("delivered", delivered));
                fields.Add(MetricField.Int("damaged", damaged));
                if (delivered > 0)
                {
                    fields.Add(MetricField.Float("damage_ratio", damaged / (double)delivered));
                }

                Add(result, new MetricPoint(Measurements.Orders, [new("shop", shop)], fields, b));
            }

            if (active || open.Count > 0)
            {
                Add(result, Backlog("refund", shop, b, open.Count, open.Count == 0 ? b : open.Min(r => r.Requested)));
            }

            if (active || overdue.Count > 0)
            {
                Add(result, Backlog("shipment", shop, b, overdue.Count, overdue.Count == 0 ? b : overdue.Min(o => o.Deadline)));
            }
        }

        private static MetricPoint Backlog(string queue, string shop, long b, int waiting, long oldest) =>
            new(Measurements.Backlog, [new("queue", queue), new("shop", shop)], [MetricField.Int("waiting", waiting), MetricField.Float("oldest_wait_seconds", (b - oldest) / 1000.0)], b);

        private static void Add(Dictionary<string, MetricPoint> result, MetricPoint point) => result.Add(OraclePoints.Key(point), point);

        private static long Mod(long value, long step) => ((value % step) + step) % step;

        /// <summary>Within one millisecond: order_paid first, refund completion or rejection last (DESIGN §2 causal order).</summary>
        private static int Rank(MonitorEvent e) => e.Type switch
        {
            EventType.OrderPaid => 0,
            EventType.RefundCompleted or EventType.RefundRejected => 4,
            _ => 2,
        };
    }
}

/// <summary>A random order history of a few shops and the order it arrives in (each event at most the lateness after its time).</summary>
public sealed record OrderHistoryCase(MonitorEvent[] Events, long[] ArrivalKeys)
{
    /// <summary>Short SLAs so a few hours of event time cross every edge: step 1 min, W 30 min, SLA 10 min, stall 20 min, TTL 15 min.</summary>
    internal static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromMinutes(1),
        OrdersWindow = TimeSpan.FromMinutes(30),
        ShipSla = TimeSpan.FromMinutes(10),
        StallLimit = TimeSpan.FromMinutes(20),
        SeriesTtl = TimeSpan.FromMinutes(15),
        AllowedLateness = TimeSpan.FromSeconds(30),
    };

    private const long Minute = 60_000;

    private sealed record RefundScript(long RequestGap, double? Amount, long? CloseGap, bool Rejected);

    private sealed record Script(
        string Shop, bool Paid, long PaidAt, long? ShipByGap, long? ShipGap, long[] TrackGaps, long? DeliverGap, bool? Damaged,
        long? CancelGap, RefundScript[] Refunds);

    /// <summary>Gaps in whole minutes (to hit deadlines and boundaries exactly), in milliseconds, or the SLA itself.</summary>
    private static readonly Gen<long> Gap = Gen.OneOf(
        Gen.Choose(0, 40).Select(m => m * Minute),
        Gen.Choose(0, 40 * 60_000).Select(ms => (long)ms),
        Gen.Elements(10 * Minute, (10 * Minute) - 1, (10 * Minute) + 1, 0L));

    private static Gen<long?> Maybe(Gen<long> gen) => Gen.OneOf(Gen.Constant<long?>(null), gen.Select(g => (long?)g));

    private static readonly Gen<RefundScript> Refund =
        from request in Gap
        from amount in Gen.OneOf(Gen.Constant<double?>(null), Gen.Choose(0, 100_000).Select(c => (double?)(c / 100.0)))
        from close in Maybe(Gap)
        from rejected in Gen.Elements(true, false)
        select new RefundScript(request, amount, close, rejected);

    private static readonly Gen<Script> Order =
        from shop in Gen.Elements("s1", "s2", "s3")
        from paid in Gen.Frequency((9, Gen.Constant(true)), (1, Gen.Constant(false)))
        from paidAt in Gen.OneOf(Gen.Choose(0, 180).Select(m => m * Minute), Gen.Choose(0, 180 * 60_000).Select(ms => (long)ms))
        from shipBy in Gen.Frequency((3, Gen.Constant<long?>(null)), (1, Gen.Choose(-2, 20).Select(m => (long?)(m * Minute))))
        from ship in Maybe(Gap)
        from trackCount in Gen.Choose(0, 3)
        from tracks in Gen.ArrayOf(Gap, trackCount)
        from deliver in Gen.Frequency((2, Gen.Constant<long?>(null)), (1, Gap.Select(g => (long?)g)))
        from damaged in Gen.Elements<bool?>(null, true, false)
        from cancel in Gen.Frequency((3, Gen.Constant<long?>(null)), (1, Gap.Select(g => (long?)g)))
        from refundCount in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 2)))
        from refunds in Gen.ArrayOf(Refund, refundCount)
        select new Script(shop, paid, paidAt, shipBy, ship, tracks, deliver, damaged, cancel, refunds);

    public static readonly Gen<OrderHistoryCase> Generator =
        from count in Gen.Choose(1, 40)
        from scripts in Gen.ArrayOf(Order, count)
        let events = Build(scripts)
        from delays in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 30_000), Gen.Elements(0, 30_000)), events.Length)
        select new OrderHistoryCase(events, events.Select((e, i) => e.TimestampMs + delays[i]).ToArray());

    public IEnumerable<MonitorEvent> Arrival() => OraclePoints.InArrivalOrder(Events, ArrivalKeys);

    public override string ToString() =>
        string.Join(Environment.NewLine, Events.OrderBy(e => e.TimestampMs).Select(e =>
            $"{e.ShopId} {e.Type} {e.OrderId} {e.RefundId} +{(e.TimestampMs - ChatEvents.T0) / 1000.0}s{(e.ShipByMs is { } s ? $" shipBy +{(s - ChatEvents.T0) / 1000.0}s" : "")}"));

    /// <summary>Every order event is at or after its payment; ship, track, deliver and cancel gaps count from it (so any order of them can occur).</summary>
    private static MonitorEvent[] Build(Script[] scripts)
    {
        var factory = new OrderEvents();
        var events = new List<MonitorEvent>();
        var refundNumber = 0;
        for (var i = 0; i < scripts.Length; i++)
        {
            var s = scripts[i];
            var id = $"order-{i}";
            var paid = ChatEvents.T0 + s.PaidAt;
            if (s.Paid)
            {
                events.Add(factory.Paid(id, paid, s.ShipByGap is { } by ? paid + by : null, s.Shop));
            }

            var shipAt = paid + (s.ShipGap ?? 0);
            if (s.ShipGap is not null)
            {
                events.Add(factory.Shipped(id, shipAt, s.Shop));
            }

            foreach (var track in s.TrackGaps)
            {
                events.Add(factory.Tracking(id, shipAt + track, s.Shop));
            }

            if (s.DeliverGap is { } deliver)
            {
                events.Add(factory.Delivered(id, paid + deliver, s.Damaged, s.Shop));
            }

            if (s.CancelGap is { } cancel)
            {
                events.Add(factory.Cancelled(id, paid + cancel, s.Shop));
            }

            foreach (var refund in s.Refunds)
            {
                var refundId = $"r{refundNumber++}";
                var requested = paid + refund.RequestGap;
                events.Add(factory.RefundRequested(id, refundId, requested, refund.Amount, s.Shop));
                if (refund.CloseGap is { } close)
                {
                    events.Add(refund.Rejected ? factory.RefundRejected(refundId, requested + close, s.Shop) : factory.RefundCompleted(refundId, requested + close, s.Shop));
                }
            }
        }

        return [.. events];
    }
}
