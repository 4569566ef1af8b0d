namespace Monitor.Simulation;

/// <summary>
/// Orders paid before the simulation began still ship, move, arrive, get refunded and reviewed
/// after it. Rather than simulating days of history, each kind of pending step is a Poisson stream
/// whose rate decays as that step's delay distribution says (renewal theory: the residual wait of
/// an item in flight at the origin exceeds r with rate λ·P(D &gt; r)); it is drawn by thinning:
/// a candidate r is kept when a fresh delay D exceeds it. Items are created only when they act, so
/// a warm start costs no memory up front.
/// </summary>
internal sealed class WarmOrderSource : SimProcess
{
    private const long Hour = OrderProcess.Hour;

    private readonly Kind _kind;
    private readonly double _ratePerSecond;
    private readonly long _horizonMs;
    private readonly long _originMs;
    private double _ageMs;
    private bool _late;
    private int _trackingDone;
    private int _trackingLeft;
    private OrderProcess.Stage _stage;

    private WarmOrderSource(Kind kind, double ratePerSecond, long horizonMs, long originMs)
    {
        _kind = kind;
        _ratePerSecond = ratePerSecond;
        _horizonMs = horizonMs;
        _originMs = originMs;
    }

    private enum Kind : byte
    {
        Cancel,
        Ship,
        Transit,
        RefundRequest,
        RefundResolve,
        Review,
    }

    public static void BeginAll(Double11Simulation sim)
    {
        var orders = sim.OrdersPerSecond;
        var shipped = orders * (1 - OrderProcess.CancelChance - OrderProcess.NeverShippedChance);
        var delivered = shipped * (1 - OrderProcess.LostChance);
        var refunds = delivered * ((OrderProcess.DamagedChance * OrderProcess.RefundChance(true, false)) + ((1 - OrderProcess.DamagedChance) * OrderProcess.RefundChance(false, true) * 0.1) + ((1 - OrderProcess.DamagedChance) * OrderProcess.RefundChance(false, false) * 0.9));
        var reviews = (delivered - refunds) * OrderProcess.ReviewChance + (refunds * 0.3);

        // Each shipment has 1..4 scans (2.5 on average) and then one delivery gap.
        Start(sim, Kind.Cancel, orders * OrderProcess.CancelChance, 20 * Hour);
        Start(sim, Kind.Ship, shipped, 48 * Hour + 72 * Hour);
        Start(sim, Kind.Transit, (shipped * 2.5) + delivered, 90 * Hour);
        Start(sim, Kind.RefundRequest, refunds, 96 * Hour);
        Start(sim, Kind.RefundResolve, refunds, 48 * Hour);
        Start(sim, Kind.Review, reviews, 120 * Hour);
    }

    public override void Step(Double11Simulation sim)
    {
        OrderProcess.InFlight(sim, _stage, _late, _trackingDone, _trackingLeft).Step(sim);
        ScheduleNext(sim);
    }

    private static void Start(Double11Simulation sim, Kind kind, double ratePerSecond, long horizonMs)
    {
        if (ratePerSecond > 0)
        {
            new WarmOrderSource(kind, ratePerSecond, horizonMs, sim.Now).ScheduleNext(sim);
        }
    }

    private void ScheduleNext(Double11Simulation sim)
    {
        var meanGapMs = 1000 / _ratePerSecond;
        while (true)
        {
            _ageMs += sim.ExponentialMs(meanGapMs);
            if (_ageMs > _horizonMs)
            {
                return;
            }

            if (DrawDelayMs(sim) > _ageMs)
            {
                sim.Schedule(this, _originMs + (long)_ageMs);
                return;
            }
        }
    }

    /// <summary>Draws the delay of one pending step and remembers how the order enters.</summary>
    private long DrawDelayMs(Double11Simulation sim)
    {
        _late = false;
        switch (_kind)
        {
            case Kind.Cancel:
                _stage = OrderProcess.Stage.Cancel;
                return OrderProcess.CancelDelayMs(sim);
            case Kind.Ship:
                _stage = OrderProcess.Stage.Ship;
                _late = sim.Chance(0.06);
                return OrderProcess.ShipDelayMs(sim, sim.Chance(0.12) ? 48 * Hour : OrderProcess.DefaultShipWindowMs, _late);
            case Kind.Transit:
                // Pick one gap uniformly among all gaps: a scan gap (j of n) or the delivery gap.
                var gap = sim.Random.NextDouble() * 3.5;
                if (gap >= 2.5)
                {
                    _stage = OrderProcess.Stage.Deliver;
                    return OrderProcess.DeliveryGapMs(sim);
                }

                var pair = sim.Random.Next(10);
                var n = pair < 1 ? 1 : pair < 3 ? 2 : pair < 6 ? 3 : 4;
                var j = pair - (n * (n - 1) / 2) + 1;
                _stage = OrderProcess.Stage.Track;
                _trackingDone = j - 1;
                _trackingLeft = n - j + 1;
                return OrderProcess.TrackingGapMs(sim);
            case Kind.RefundRequest:
                _stage = OrderProcess.Stage.RefundRequest;
                return OrderProcess.RefundRequestDelayMs(sim);
            case Kind.RefundResolve:
                _stage = OrderProcess.Stage.RefundResolve;
                return OrderProcess.RefundResolveDelayMs(sim);
            default:
                _stage = OrderProcess.Stage.Review;
                return OrderProcess.ReviewDelayMs(sim);
        }
    }
}
