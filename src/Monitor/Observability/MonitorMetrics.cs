using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Prometheus;

namespace Monitor.Observability;

/// <summary>
/// Every Prometheus collector the monitor exports about itself, created in one registry so several
/// hosts (tests) can live in one process. Names follow the Prometheus conventions: prefix
/// <c>monitor_</c>, base units, counters end in <c>_total</c>, labels never hold ids.
/// </summary>
public sealed class MonitorMetrics
{
    public MonitorMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);

        EventsConsumed = factory.CreateCounter(
            "monitor_events_consumed_total", "Events read from Kafka or a replay file, per topic.", "topic");
        EventsInvalid = factory.CreateCounter(
            "monitor_events_invalid_total", "Events rejected by decoding or validation and sent to the dead-letter topic.", "topic", "reason");
        EventsDuplicate = factory.CreateCounter(
            "monitor_duplicate_events_total", "Events dropped because their eventId was already seen.", "topic");
        EventsReplayed = factory.CreateCounter(
            "monitor_events_replayed_total", "Events read again on partition assignment to rebuild state from the look-back window (not counted as consumed).", "topic");
        EventsRebuildRejected = factory.CreateCounter(
            "monitor_events_rebuild_rejected_total",
            "Events read again for the look-back rebuild and rejected by the same validation as live (future_timestamp, too_old, ...); dead-lettered the first time, not again.",
            "topic", "reason");
        EventsLate = factory.CreateCounter(
            "monitor_late_events_total", "Events that arrived after the watermark had passed their timestamp; applied to state, not to emitted windows.", "topic");
        DeadLetterFailures = factory.CreateCounter(
            "monitor_dead_letter_failures_total", "Invalid events that could not be written to the dead-letter topic.", "topic");
        ConsumeErrors = factory.CreateCounter(
            "monitor_kafka_consume_errors_total", "Errors reported by the Kafka consumer; the loop goes on.");
        EventsNotOwned = factory.CreateCounter(
            "monitor_kafka_messages_not_owned_total", "Messages delivered for a partition no longer assigned (fetched before a rebalance revoked it); left to its new owner.");
        ConsumerLag = factory.CreateGauge(
            "monitor_kafka_consumer_lag_messages", "Messages between the consumer position and the end of the partition.", "topic", "partition");
        WatermarkLag = factory.CreateGauge(
            "monitor_watermark_lag_seconds", "Wall clock minus the event-time watermark, in seconds.");
        EngineShops = factory.CreateGauge(
            "monitor_engine_shops", "Shops the engine holds state for, at the latest step boundary.");
        EngineShopsCapacity = factory.CreateGauge(
            "monitor_engine_shops_capacity", "pipeline.maxShops: beyond it a new shop is over_capacity.");
        EngineItems = factory.CreateGauge(
            "monitor_engine_items", "Open items (conversations, calls, orders, refunds, agents) the engine holds over all shops, at the latest step boundary.");
        EngineItemsCapacity = factory.CreateGauge(
            "monitor_engine_items_capacity", "pipeline.maxItems: beyond it a new item is over_capacity.");
        PointsEmitted = factory.CreateCounter(
            "monitor_points_emitted_total", "Metric points produced by the pipeline, per measurement.", "measurement");

        InfluxPointsWritten = factory.CreateCounter(
            "monitor_influx_points_written_total", "Points InfluxDB accepted.");
        InfluxPointsFailed = factory.CreateCounter(
            "monitor_influx_points_failed_total", "Points InfluxDB rejected or that failed after every retry.");
        InfluxPointsDropped = factory.CreateCounter(
            "monitor_influx_points_dropped_total", "Points dropped because the write buffer was full.");
        InfluxPointsBuffered = factory.CreateGauge(
            "monitor_influx_points_buffered", "Points waiting in the write buffer.");
        InfluxRetries = factory.CreateCounter(
            "monitor_influx_write_retries_total", "Write attempts retried after a 408, a 429, a 5xx, a network error or a timeout.");
        InfluxUp = factory.CreateGauge(
            "monitor_influx_up", "1 while the last write attempt to InfluxDB succeeded (or none was made yet), 0 while writes fail and are retried.");
        InfluxBufferCapacity = factory.CreateGauge(
            "monitor_influx_buffer_capacity_points", "Capacity of the InfluxDB write buffer, in points.");
        InfluxWriteBlocked = factory.CreateCounter(
            "monitor_influx_write_blocked_seconds_total", "Time the pipeline waited for room in the full InfluxDB write buffer (back-pressure), in seconds.");
        InfluxWriteDuration = factory.CreateHistogram(
            "monitor_influx_write_duration_seconds", "Duration of one batch write to InfluxDB including retries, in seconds.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

        AlertsFiring = factory.CreateGauge(
            "monitor_alerts_firing", "Alert instances firing now, per alert name and severity.", "alertname", "severity");
        AlertNotifications = factory.CreateCounter(
            "monitor_alert_notifications_total",
            "Alert notifications per sink (receiver), outcome and the alert's severity: sent (accepted), retried (in an attempt that failed and is tried again), failed (rejected with a 4xx, or unsent at shutdown), dropped (a memory bound was hit).",
            "sink", "outcome", "severity");
        AlertDelivery = factory.CreateHistogram(
            "monitor_alert_delivery_seconds", "Time from an alert change reaching a sink to the receiver accepting it, retries included, in seconds.",
            new HistogramConfiguration { LabelNames = ["sink"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

        BacklogWaiting = factory.CreateGauge(
            "monitor_backlog_waiting", "Items waiting in a queue at the latest step boundary.", "shop", "queue");
        BacklogOldestWait = factory.CreateGauge(
            "monitor_backlog_oldest_wait_seconds", "Age of the oldest waiting item at the latest step boundary, in seconds.", "shop", "queue");
        ResponseTimeP90 = factory.CreateGauge(
            "monitor_response_time_p90_seconds", "90th percentile (nearest rank) of chat response times over the window, all kinds and responders, in seconds.", "shop", "channel");
        ResponseCount = factory.CreateGauge(
            "monitor_responses_in_window", "Responses in the window, all kinds and responders.", "shop", "channel");

        CallAnswerP90 = factory.CreateGauge(
            "monitor_call_answer_p90_seconds", "90th percentile (nearest rank) of call answer times over the window, in seconds.", "shop");
        CallAbandonRatio = factory.CreateGauge(
            "monitor_call_abandon_ratio", "Abandoned calls over offered calls in the window (0..1).", "shop");
        CallServiceLevelRatio = factory.CreateGauge(
            "monitor_call_service_level_ratio", "Calls answered within the service-level threshold over offered calls in the window (0..1).", "shop");
        ShippingOnTimeRatio = factory.CreateGauge(
            "monitor_shipping_on_time_ratio", "Orders due in the window shipped by their deadline, over orders due (0..1).", "shop");
        ShippingOverdueUnshipped = factory.CreateGauge(
            "monitor_shipping_overdue_unshipped", "Orders past their ship deadline, neither shipped nor cancelled.", "shop");
        ShippingStalled = factory.CreateGauge(
            "monitor_shipping_stalled", "Shipments with no tracking update for longer than the stall limit.", "shop");
        OrderCancelRatio = factory.CreateGauge(
            "monitor_order_cancel_ratio", "Orders cancelled over orders paid in the window (0..1).", "shop");
        BotResolvedRatio = factory.CreateGauge(
            "monitor_bot_resolved_ratio", "Conversations closed by the bot over all closed in the window (0..1).", "shop", "channel");
        CrisisQuotient = factory.CreateGauge(
            "monitor_crisis_quotient", "Incoming volume per minute over agent capacity per minute.", "shop");
        CrisisLevel = factory.CreateGauge(
            "monitor_crisis_level", "Crisis level 0..4 from the Crisis Quotient thresholds.", "shop");
        ComplaintKeywordHits = factory.CreateGauge(
            "monitor_complaint_keyword_hits", "Complaint keyword hits in customer texts over the window, summed per category.", "shop", "category");
    }

    public CollectorRegistry Registry { get; }

    /// <summary>
    /// Exports every per-topic event counter of <paramref name="topics"/> (each invalid reason too)
    /// and every alert rule's <c>monitor_alerts_firing</c> series at 0 from the start, so rate() and
    /// sum() see 0 instead of no series until the first such event (dashboards and alert rules on
    /// an absent series show nothing).
    /// </summary>
    public void PublishZeros(IEnumerable<string> topics, AlertRuleSet? rules)
    {
        foreach (var topic in topics)
        {
            EventsConsumed.WithLabels(topic);
            EventsDuplicate.WithLabels(topic);
            EventsReplayed.WithLabels(topic);
            EventsLate.WithLabels(topic);
            DeadLetterFailures.WithLabels(topic);
            foreach (var reason in Enum.GetValues<InvalidReason>())
            {
                EventsInvalid.WithLabels(topic, InvalidReasons.Label(reason));
            }

            foreach (var reason in new[] { InvalidReason.FutureTimestamp, InvalidReason.TooOld })
            {
                EventsRebuildRejected.WithLabels(topic, InvalidReasons.Label(reason));
            }
        }

        if (rules is null)
        {
            return;
        }

        var firing = rules.Thresholds.SelectMany(rule => rule.Levels.Select(level => (rule.Name, level.Severity)))
            .Concat(rules.Timers.Select(timer => (timer.Name, timer.Severity)))
            .Concat(rules.Timers.Where(timer => timer.EscalateAfter is not null).Select(timer => (timer.Name, timer.EscalateSeverity)));
        foreach (var (name, severity) in firing.Distinct())
        {
            AlertsFiring.WithLabels(name, severity.Label());
        }
    }

    public Counter EventsConsumed { get; }
    public Counter EventsInvalid { get; }
    public Counter EventsDuplicate { get; }

    public Counter EventsReplayed { get; }
    public Counter EventsRebuildRejected { get; }
    public Counter EventsLate { get; }
    public Counter DeadLetterFailures { get; }
    public Counter ConsumeErrors { get; }
    public Counter EventsNotOwned { get; }
    public Gauge ConsumerLag { get; }

    public Gauge EngineShops { get; }

    public Gauge EngineShopsCapacity { get; }

    public Gauge EngineItems { get; }

    public Gauge EngineItemsCapacity { get; }
    public Gauge WatermarkLag { get; }
    public Counter PointsEmitted { get; }

    public Counter InfluxPointsWritten { get; }
    public Counter InfluxPointsFailed { get; }
    public Counter InfluxPointsDropped { get; }
    public Gauge InfluxPointsBuffered { get; }
    public Counter InfluxRetries { get; }
    public Gauge InfluxUp { get; }
    public Gauge InfluxBufferCapacity { get; }
    public Counter InfluxWriteBlocked { get; }
    public Histogram InfluxWriteDuration { get; }

    public Gauge AlertsFiring { get; }
    public Counter AlertNotifications { get; }

    /// <summary>The <c>severity</c> label of a notification counted in <see cref="AlertNotifications"/>: the alert's own, or <c>unknown</c> when it has none.</summary>
    public static string NotificationSeverity(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        foreach (var (key, value) in labels)
        {
            if (key == "severity" && value.Length > 0)
            {
                return value;
            }
        }

        return "unknown";
    }

    /// <summary>Notifications of <paramref name="sink"/> with <paramref name="outcome"/>, over every severity.</summary>
    public double Notifications(string sink, string outcome) =>
        AlertNotifications.GetAllLabelValues()
            .Where(l => l[0] == sink && l[1] == outcome)
            .Sum(l => AlertNotifications.WithLabels(l).Value);
    public Histogram AlertDelivery { get; }

    public Gauge BacklogWaiting { get; }
    public Gauge BacklogOldestWait { get; }
    public Gauge ResponseTimeP90 { get; }
    public Gauge ResponseCount { get; }

    public Gauge CallAnswerP90 { get; }
    public Gauge CallAbandonRatio { get; }
    public Gauge CallServiceLevelRatio { get; }
    public Gauge ShippingOnTimeRatio { get; }
    public Gauge ShippingOverdueUnshipped { get; }
    public Gauge ShippingStalled { get; }
    public Gauge OrderCancelRatio { get; }
    public Gauge BotResolvedRatio { get; }
    public Gauge CrisisQuotient { get; }
    public Gauge CrisisLevel { get; }
    public Gauge ComplaintKeywordHits { get; }
}
