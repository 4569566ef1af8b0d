using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>
/// One order from payment to review: shipped mostly before its deadline (a share late, more under
/// the surge, a few never), sometimes cancelled first; tracked a few times (some shipments stall for
/// more than 48 h, a few are lost); delivered, rarely damaged; then perhaps a refund and a review.
/// </summary>
internal sealed class OrderProcess : SimProcess
{
    public const long Hour = 3_600_000;
    public const long DefaultShipWindowMs = 24 * Hour;
    public const double CancelChance = 0.04;
    public const double NeverShippedChance = 0.008;
    public const double LostChance = 0.004;
    public const double DamagedChance = 0.015;
    public const double ReviewChance = 0.3;

    private static readonly JsonEncodedText PaidType = JsonEncodedText.Encode("order_paid");
    private static readonly JsonEncodedText ShippedType = JsonEncodedText.Encode("order_shipped");
    private static readonly JsonEncodedText CancelledType = JsonEncodedText.Encode("order_cancelled");
    private static readonly JsonEncodedText TrackingType = JsonEncodedText.Encode("tracking_update");
    private static readonly JsonEncodedText DeliveredType = JsonEncodedText.Encode("order_delivered");
    private static readonly JsonEncodedText RefundRequestedType = JsonEncodedText.Encode("refund_requested");
    private static readonly JsonEncodedText RefundCompletedType = JsonEncodedText.Encode("refund_completed");
    private static readonly JsonEncodedText RefundRejectedType = JsonEncodedText.Encode("refund_rejected");
    private static readonly JsonEncodedText ReviewType = JsonEncodedText.Encode("review");
    private static readonly JsonEncodedText Collected = JsonEncodedText.Encode("collected");
    private static readonly JsonEncodedText InTransit = JsonEncodedText.Encode("in_transit");
    private static readonly JsonEncodedText OutForDelivery = JsonEncodedText.Encode("out_for_delivery");

    private readonly ShopState _shop;
    private readonly long _number;
    private readonly int _amountCents;
    private readonly int _destination;
    private Stage _stage;
    private bool _late;
    private bool _damaged;
    private bool _refundCompleted;
    private byte _carrier;
    private byte _trackingDone;
    private byte _trackingLeft;
    private int _refundCents;
    private long _refundNumber;

    public OrderProcess(Double11Simulation sim, ShopState shop)
    {
        _shop = shop;
        _number = ++sim.NextOrderNumber;
        _amountCents = Price(sim);
        _destination = Regions.PickDestination(sim.Random);
    }

    public enum Stage : byte
    {
        Paid,
        Cancel,
        Ship,
        Track,
        Deliver,
        RefundRequest,
        RefundResolve,
        Review,
    }

    /// <summary>An order paid before the simulation began, entering at <paramref name="stage"/> now.</summary>
    public static OrderProcess InFlight(Double11Simulation sim, Stage stage, bool late, int trackingDone, int trackingLeft)
    {
        var order = new OrderProcess(sim, sim.PickShop())
        {
            _stage = stage,
            _late = late,
            _carrier = (byte)Regions.PickCarrier(sim.Random),
            _trackingDone = (byte)trackingDone,
            _trackingLeft = (byte)trackingLeft,
        };
        if (stage is Stage.RefundRequest or Stage.RefundResolve)
        {
            order._damaged = sim.Chance(0.2);
            order._refundCents = RefundAmount(sim, order._amountCents, order._damaged);
            order._refundNumber = ++sim.NextRefundNumber;
            order._refundCompleted = sim.Chance(order._damaged ? 0.95 : 0.8);
        }

        return order;
    }

    public override void Step(Double11Simulation sim)
    {
        switch (_stage)
        {
            case Stage.Paid:
                Paid(sim);
                break;
            case Stage.Cancel:
                Emit(sim, CancelledType, TimestampStyle.ChinaTime);
                break;
            case Stage.Ship:
                Shipped(sim);
                break;
            case Stage.Track:
                Tracking(sim);
                break;
            case Stage.Deliver:
                Delivered(sim);
                break;
            case Stage.RefundRequest:
                RefundRequested(sim);
                break;
            case Stage.RefundResolve:
                RefundResolved(sim);
                break;
            default:
                Review(sim);
                break;
        }
    }

    public static long CancelDelayMs(Double11Simulation sim) => sim.LogNormalMs(40 * 60_000, 1.0, 60_000, 20 * Hour);

    /// <summary>From payment to shipping: on time mostly well before the deadline, late by hours to days.</summary>
    public static long ShipDelayMs(Double11Simulation sim, long windowMs, bool late) => late
        ? windowMs + sim.LogNormalMs(8 * Hour, 0.8, 10 * 60_000, 72 * Hour)
        : Math.Min(windowMs - (5 * 60_000), sim.LogNormalMs(6 * Hour, 0.8, 10 * 60_000, 72 * Hour));

    /// <summary>Between carrier scans; a stalled shipment goes more than 48 h without one, more often under the surge.</summary>
    public static long TrackingGapMs(Double11Simulation sim) => sim.Chance(0.02 + (0.03 * SurgeProfile.Level(sim.Now)))
        ? sim.UniformMs(49 * Hour, 90 * Hour)
        : sim.LogNormalMs(9 * Hour, 0.5, Hour, 30 * Hour);

    public static long DeliveryGapMs(Double11Simulation sim) => sim.UniformMs(Hour, 8 * Hour);

    public static long RefundRequestDelayMs(Double11Simulation sim) => sim.LogNormalMs(10 * Hour, 0.9, 20 * 60_000, 96 * Hour);

    public static long RefundResolveDelayMs(Double11Simulation sim) => sim.LogNormalMs(5 * Hour, 0.8, 20 * 60_000, 48 * Hour);

    public static long ReviewDelayMs(Double11Simulation sim) => sim.LogNormalMs(18 * Hour, 0.9, 30 * 60_000, 120 * Hour);

    public static double RefundChance(bool damaged, bool late) => damaged ? 0.6 : late ? 0.07 : 0.035;

    private void Paid(Double11Simulation sim)
    {
        var windowMs = DefaultShipWindowMs;
        var explicitDeadline = sim.Chance(0.3);
        if (explicitDeadline && sim.Chance(0.4))
        {
            windowMs = 48 * Hour;
        }

        if (sim.Emitting)
        {
            var w = Begin(sim, PaidType, TimestampStyle.ChinaTime);
            if (sim.Chance(0.98))
            {
                w.WriteNumber(EventJsonWriter.Amount, new decimal(_amountCents, 0, 0, false, 2));
            }

            if (sim.Chance(0.95))
            {
                w.WriteString(EventJsonWriter.Region, Regions.Names[_destination]);
            }

            if (explicitDeadline)
            {
                sim.Json.WriteTimestamp(EventJsonWriter.ShipBy, sim.Now + windowMs, chinaTime: true);
            }

            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        var outcome = sim.Random.NextDouble();
        if (outcome < CancelChance)
        {
            Next(sim, Stage.Cancel, CancelDelayMs(sim));
        }
        else if (outcome >= CancelChance + NeverShippedChance)
        {
            _late = sim.Chance(Math.Min(0.9, _shop.LateShipChance + (0.25 * SurgeProfile.Level(sim.Now))));
            Next(sim, Stage.Ship, ShipDelayMs(sim, windowMs, _late));
        }
    }

    private void Shipped(Double11Simulation sim)
    {
        _carrier = (byte)Regions.PickCarrier(sim.Random);
        if (sim.Emitting)
        {
            var w = Begin(sim, ShippedType, TimestampStyle.ChinaTime);
            if (sim.Chance(0.97))
            {
                w.WriteString(EventJsonWriter.Carrier, Regions.Carriers[_carrier]);
            }

            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        _trackingDone = 0;
        _trackingLeft = (byte)(1 + sim.Random.Next(4));
        Next(sim, Stage.Track, TrackingGapMs(sim));
    }

    private void Tracking(Double11Simulation sim)
    {
        _trackingDone++;
        _trackingLeft--;
        if (sim.Emitting)
        {
            // Carrier feeds send epoch milliseconds.
            var w = Begin(sim, TrackingType, TimestampStyle.EpochMilliseconds);
            var (status, region) = _trackingDone == 1 ? (Collected, _shop.WarehouseRegion)
                : _trackingLeft == 0 ? (OutForDelivery, _destination)
                : (InTransit, sim.Chance(0.5) ? _destination : Regions.PickDestination(sim.Random));
            w.WriteString(EventJsonWriter.Status, status);
            if (sim.Chance(0.9))
            {
                w.WriteString(EventJsonWriter.Region, Regions.Names[region]);
            }

            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        if (_trackingLeft > 0)
        {
            Next(sim, Stage.Track, TrackingGapMs(sim));
        }
        else if (!sim.Chance(LostChance))
        {
            Next(sim, Stage.Deliver, DeliveryGapMs(sim));
        }
    }

    private void Delivered(Double11Simulation sim)
    {
        _damaged = sim.Chance(DamagedChance);
        if (sim.Emitting)
        {
            var w = Begin(sim, DeliveredType, TimestampStyle.ChinaTime);
            w.WriteBoolean(EventJsonWriter.Damaged, _damaged);
            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        if (sim.Chance(RefundChance(_damaged, _late)))
        {
            _refundCents = RefundAmount(sim, _amountCents, _damaged);
            Next(sim, Stage.RefundRequest, RefundRequestDelayMs(sim));
        }
        else if (sim.Chance(ReviewChance))
        {
            Next(sim, Stage.Review, ReviewDelayMs(sim));
        }
    }

    private void RefundRequested(Double11Simulation sim)
    {
        if (_refundNumber == 0)
        {
            _refundNumber = ++sim.NextRefundNumber;
            _refundCompleted = sim.Chance(_damaged ? 0.95 : 0.8);
        }

        if (sim.Emitting)
        {
            var w = Begin(sim, RefundRequestedType, TimestampStyle.ChinaTime);
            sim.Json.WriteId(EventJsonWriter.RefundId, sim.RefundIdPrefix, _refundNumber);
            w.WriteNumber(EventJsonWriter.Amount, new decimal(_refundCents, 0, 0, false, 2));
            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        Next(sim, Stage.RefundResolve, RefundResolveDelayMs(sim));
    }

    private void RefundResolved(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            sim.Begin(_refundCompleted ? RefundCompletedType : RefundRejectedType, _shop, TimestampStyle.ChinaTime);
            sim.Json.WriteId(EventJsonWriter.RefundId, sim.RefundIdPrefix, _refundNumber);
            sim.End(Double11Scenario.OrdersTopic, _shop);
        }

        if (sim.Chance(_refundCompleted ? 0.25 : 0.5))
        {
            Next(sim, Stage.Review, sim.LogNormalMs(6 * Hour, 0.8, 10 * 60_000, 72 * Hour));
        }
    }

    private void Review(Double11Simulation sim)
    {
        if (!sim.Emitting)
        {
            return;
        }

        var unhappy = _damaged || (_refundNumber != 0 && !_refundCompleted);
        var rating = unhappy ? 1 + sim.Random.Next(2) : Rating(sim.Random.NextDouble() + (_late ? 0.15 : 0));
        var w = Begin(sim, ReviewType, TimestampStyle.ChinaTime);
        w.WriteNumber(EventJsonWriter.Rating, rating);
        if (sim.Chance(rating <= 2 ? 0.85 : 0.5))
        {
            var pool = rating >= 4 ? TextCatalog.ReviewPositive : rating == 3 ? TextCatalog.ReviewNeutral : TextCatalog.ReviewNegative;
            var emoji = sim.Chance(0.15) ? TextCatalog.Emoji[sim.Random.Next(TextCatalog.Emoji.Length)] : [];
            sim.Json.WriteText(pool.Pick(sim.Random, 0.05), emoji);
        }

        sim.End(Double11Scenario.OrdersTopic, _shop);
    }

    /// <summary>Most reviews are five stars; a long tail of one-star ones. Larger <paramref name="u"/> is worse.</summary>
    private static int Rating(double u) => u switch
    {
        < 0.62 => 5,
        < 0.84 => 4,
        < 0.91 => 3,
        < 0.94 => 2,
        _ => 1,
    };

    private static int Price(Double11Simulation sim)
    {
        var yuan = sim.LogNormalMs(129, 0.9, 5, 20_000);
        var ending = sim.Random.NextDouble();
        var cents = ending < 0.4 ? 0 : ending < 0.75 ? 90 : 99;
        return (int)(yuan * 100) + cents;
    }

    private static int RefundAmount(Double11Simulation sim, int amountCents, bool damaged) =>
        damaged || sim.Chance(0.6) ? amountCents : Math.Max(100, (int)(amountCents * (0.2 + (0.6 * sim.Random.NextDouble()))));

    private Utf8JsonWriter Begin(Double11Simulation sim, JsonEncodedText type, TimestampStyle style)
    {
        var w = sim.Begin(type, _shop, style);
        sim.Json.WriteId(EventJsonWriter.OrderId, sim.OrderIdPrefix, _number);
        return w;
    }

    private void Emit(Double11Simulation sim, JsonEncodedText type, TimestampStyle style)
    {
        if (sim.Emitting)
        {
            Begin(sim, type, style);
            sim.End(Double11Scenario.OrdersTopic, _shop);
        }
    }

    private void Next(Double11Simulation sim, Stage stage, long delayMs)
    {
        _stage = stage;
        sim.Schedule(this, sim.Now + delayMs);
    }
}
