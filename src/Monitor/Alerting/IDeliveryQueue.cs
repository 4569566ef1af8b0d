namespace Monitor.Alerting;

/// <summary>
/// One POST for <see cref="DeliveryLoop"/>: the JSON body, how many notifications it carries, the
/// <see cref="TimeProvider.GetTimestamp"/> at which each change it delivers for the first time reached
/// the sink (for <c>monitor_alert_delivery_seconds</c>), and the queue's own note of what it holds.
/// </summary>
internal sealed record DeliveryBatch(byte[] Body, int Count, IReadOnlyList<long> FirstDeliveries, object Token)
{
    /// <summary>The labels of each alert the batch carries, for <see cref="HttpAlertSink.Accepted"/>.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Labels { get; init; } = [];
}

/// <summary>
/// What a sink keeps for its <see cref="DeliveryLoop"/>. The loop asks for a batch, posts it, and
/// settles it once the receiver answered for good; a batch that failed is simply asked for again
/// (rebuilt from the queue, so changes that arrived meanwhile ride along). Implementations lock
/// their own state: <c>Publish</c> runs on the pipeline thread, these on the loop.
/// </summary>
internal interface IDeliveryQueue
{
    /// <summary>The next batch to post (at most <see cref="AlertingOptions.MaxBatchSize"/> notifications), or null when nothing is due at <paramref name="now"/>.</summary>
    DeliveryBatch? Take(DateTimeOffset now);

    /// <summary>When something falls due without a new change (a periodic re-send), or null.</summary>
    DateTimeOffset? NextDueAt { get; }

    /// <summary>Notifications still waiting; at shutdown they count as failed.</summary>
    int Pending { get; }

    /// <summary>The receiver answered the batch for good (accepted, or rejected with a 4xx): forget what it carried.</summary>
    void Settle(DeliveryBatch batch);

    /// <summary>The receiver accepted the batch (2xx); called after <see cref="Settle"/>.</summary>
    void Delivered(DeliveryBatch batch);

    /// <summary>The receiver answered again after failed attempts; it may have restarted and lost its state.</summary>
    void Recovered();
}
