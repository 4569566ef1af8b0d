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

    /// <summary>Where to POST this batch instead of the loop's endpoint (a URL signed per request); null for the loop's.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// Reads the body of a 2xx answer, for receivers that answer 200 with an error code inside
    /// (chat robots); null takes every 2xx as accepted.
    /// </summary>
    public Func<string, AnswerVerdict>? JudgeAnswer { get; init; }
}

/// <summary>What a receiver's 2xx answer says: accepted, worth trying again (with an optional wait), or refused for good.</summary>
internal readonly record struct AnswerVerdict(bool Accepted, string? Problem, bool Retry, TimeSpan? RetryAfter = null)
{
    public static AnswerVerdict Ok { get; } = new(true, null, false);

    public static AnswerVerdict TryAgain(string problem, TimeSpan? after = null) => new(false, problem, true, after);

    public static AnswerVerdict Refused(string problem) => new(false, problem, false);
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

    /// <summary>The alert labels of each notification still waiting (for the severity they count under at shutdown).</summary>
    IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> PendingLabels();

    /// <summary>The receiver answered the batch for good (accepted, or rejected with a 4xx): forget what it carried.</summary>
    void Settle(DeliveryBatch batch);

    /// <summary>The receiver accepted the batch (2xx); called after <see cref="Settle"/>.</summary>
    void Delivered(DeliveryBatch batch);

    /// <summary>The receiver answered again after failed attempts; it may have restarted and lost its state.</summary>
    void Recovered();
}
