using Monitor.Core.Events;
using Monitor.Core.Metrics.Items;
using Monitor.Core.Metrics.Windows;

namespace Monitor.Core.Metrics;

/// <summary>
/// Refunds of one shop, keyed by refundId and applied on arrival: a <c>refund_requested</c> opens
/// one (also for an order not in state), a repeated request for an open one is ignored, a
/// completion or rejection closes it (one for an unknown refund is ignored). Read as of each
/// boundary: the open count and oldest request (backlog queue=refund) and the exact decimal sum of
/// their amounts (orders.refund_open_amount). Every event touches the orders series' activity.
/// </summary>
internal sealed class RefundState(Activity activity, long stepMs) : ItemFamily<RefundState.Refund, RefundState.RefundEvent, RefundState.RefundOp>
{
    /// <summary>Refund amounts above this are clamped, so the exact decimal sum can never overflow.</summary>
    private const double MaxRefundAmount = 1e15;

    private readonly AsOfCounter<decimal> _amount = new(stepMs);

    public AsOfIntervals Backlog { get; } = new(stepMs);

    public decimal OpenAmount(in View view) => _amount.Read(view);

    public bool Apply(string refundId, RefundEvent e, bool late, long watermarkMs) => base.Apply(refundId, e, late, watermarkMs);

    public void EvictStale(long boundaryMs, long cutoffMs)
    {
        List<Item>? stale = null;
        foreach (var item in Items.Values)
        {
            Fold(item, boundaryMs);
            if (item.Settled.Exists && item.Settled.RequestedMs < cutoffMs)
            {
                (stale ??= []).Add(item);
            }
        }

        foreach (var item in stale ?? [])
        {
            ChangeAsOf(item, boundaryMs, (ref Refund refund) =>
            {
                Contribute(item, new RefundOp(RefundOpKind.Close, boundaryMs - 1, refund.RequestedMs, refund.Amount));
                refund = default;
            });
        }
    }

    protected override bool Exists(in Refund state) => state.Exists;

    /// <summary>A late event for an open refund older than its request is not applied.</summary>
    protected override bool DropLate(in Refund settled, in RefundEvent e) => e.TimestampMs < settled.RequestedMs;

    protected override void Step(Item item, ref Refund refund, in RefundEvent e)
    {
        var ts = e.TimestampMs;
        if (e.Type == EventType.RefundRequested)
        {
            Contribute(item, new RefundOp(RefundOpKind.Touch, ts, 0, 0));
            if (!refund.Exists)
            {
                refund = new Refund { Exists = true, RequestedMs = ts, Amount = Math.Min(e.Amount, MaxRefundAmount) };
                Contribute(item, new RefundOp(RefundOpKind.Open, ts, ts, refund.Amount));
            }

            return;
        }

        if (refund.Exists)
        {
            Contribute(item, new RefundOp(RefundOpKind.Close, ts, refund.RequestedMs, refund.Amount));
            refund = default;
        }

        Contribute(item, new RefundOp(RefundOpKind.Touch, ts, 0, 0));
    }

    protected override void ApplyOp(Item item, in RefundOp op, int sign)
    {
        switch (op.Kind)
        {
            case RefundOpKind.Touch when sign > 0:
                activity.Touch(op.TimeMs);
                break;
            case RefundOpKind.Touch:
                activity.Untouch(op.TimeMs);
                break;
            case RefundOpKind.Open:
                if (sign > 0)
                {
                    Backlog.Open(op.StartMs, item.Id);
                }
                else
                {
                    Backlog.UndoOpen(op.StartMs, item.Id);
                }

                _amount.Add(op.TimeMs, sign * (decimal)op.Amount);
                break;
            case RefundOpKind.Close:
                if (sign > 0)
                {
                    Backlog.Close(op.StartMs, item.Id, op.TimeMs);
                }
                else
                {
                    Backlog.UndoClose(op.StartMs, item.Id, op.TimeMs);
                }

                _amount.Add(op.TimeMs, -sign * (decimal)op.Amount);
                break;
        }
    }

    internal struct Refund
    {
        public bool Exists;
        public long RequestedMs;
        public double Amount;
    }

    internal readonly struct RefundEvent(MonitorEvent e) : ILoggedEvent
    {
        public long TimestampMs { get; } = e.TimestampMs;

        public string EventId { get; } = e.EventId;

        public EventType Type { get; } = e.Type;

        /// <summary>Requested amount (missing = 0).</summary>
        public double Amount { get; } = e.Amount ?? 0;

        public int Rank => EventRank.Of(Type, Sender.Customer);
    }

    internal enum RefundOpKind : byte
    {
        Touch,
        Open,
        Close,
    }

    internal readonly record struct RefundOp(RefundOpKind Kind, long TimeMs, long StartMs, double Amount);
}
