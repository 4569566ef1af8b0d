using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// An HTTP sink whose changes wait in one bounded <see cref="PendingQueue{T}"/> (webhooks, chat
/// robots): adding with the drop counted, the pending count, and settling a batch through the
/// sequence its <see cref="DeliveryBatch.Token"/> holds.
/// </summary>
public abstract class QueuedAlertSink<TQueued> : HttpAlertSink
{
    private protected QueuedAlertSink(string name, AlertingOptions options, TimeProvider time, MonitorMetrics? metrics, ILogger? logger)
        : base(name, options, time, metrics, logger)
    {
        Queue = new PendingQueue<TQueued>(options.MaxPendingNotifications);
    }

    /// <summary>The changes waiting or in flight; lock <see cref="HttpAlertSink.Gate"/> to use it.</summary>
    private protected PendingQueue<TQueued> Queue { get; }

    private protected override int Pending
    {
        get
        {
            lock (Gate)
            {
                return Queue.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="queued"/>, counting the oldest waiting change dropped when the queue is full.</summary>
    private protected void Enqueue(TQueued queued)
    {
        bool full;
        TQueued? dropped;
        lock (Gate)
        {
            full = Queue.Add(queued, out dropped);
        }

        if (full)
        {
            Telemetry.Dropped(LabelsOf(dropped!), $"more than {Options.MaxPendingNotifications} changes were waiting; the oldest went unsent");
        }
    }

    /// <summary>The alert labels of a queued change.</summary>
    private protected abstract IReadOnlyList<KeyValuePair<string, string>> LabelsOf(TQueued queued);

    private protected override IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> PendingLabels()
    {
        lock (Gate)
        {
            return Queue.Items.Select(LabelsOf).ToArray();
        }
    }

    private protected override void Settle(DeliveryBatch batch)
    {
        lock (Gate)
        {
            Queue.RemoveThrough((long)batch.Token);
        }
    }
}
