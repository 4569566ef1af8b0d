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
    /// <summary>Creates every collector in <paramref name="registry"/>.</summary>
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

    /// <summary>The registry every collector here was created in; serving it exports them all.</summary>
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

    /// <summary><c>monitor_events_consumed_total{topic}</c>: events read from Kafka or a replay file.</summary>
    public Counter EventsConsumed { get; }
    /// <summary><c>monitor_events_invalid_total{topic,reason}</c>: events rejected by decoding or validation and dead-lettered.</summary>
    public Counter EventsInvalid { get; }
    /// <summary><c>monitor_duplicate_events_total{topic}</c>: events dropped because their eventId was already seen.</summary>
    public Counter EventsDuplicate { get; }

    /// <summary><c>monitor_events_replayed_total{topic}</c>: events read again on partition assignment to rebuild state from the look-back window, not counted as consumed.</summary>
    public Counter EventsReplayed { get; }
    /// <summary><c>monitor_events_rebuild_rejected_total{topic,reason}</c>: look-back events rejected by the live validation; dead-lettered the first time, not again.</summary>
    public Counter EventsRebuildRejected { get; }
    /// <summary><c>monitor_late_events_total{topic}</c>: events behind the watermark; applied to state, not to windows already emitted.</summary>
    public Counter EventsLate { get; }
    /// <summary><c>monitor_dead_letter_failures_total{topic}</c>: invalid events that could not be written to the dead-letter topic.</summary>
    public Counter DeadLetterFailures { get; }
    /// <summary><c>monitor_kafka_consume_errors_total</c>: errors reported by the Kafka consumer; the loop goes on.</summary>
    public Counter ConsumeErrors { get; }
    /// <summary><c>monitor_kafka_messages_not_owned_total</c>: messages fetched for a partition a rebalance has since revoked, left to its new owner.</summary>
    public Counter EventsNotOwned { get; }
    /// <summary><c>monitor_kafka_consumer_lag_messages{topic,partition}</c>: messages between the consumer position and the end of the partition.</summary>
    public Gauge ConsumerLag { get; }

    /// <summary><c>monitor_engine_shops</c>: shops the engine holds state for, at the latest step boundary.</summary>
    public Gauge EngineShops { get; }

    /// <summary><c>monitor_engine_shops_capacity</c>: the <c>pipeline.maxShops</c> cap; beyond it a new shop is over_capacity.</summary>
    public Gauge EngineShopsCapacity { get; }

    /// <summary><c>monitor_engine_items</c>: open items (conversations, calls, orders, refunds, agents) over all shops, at the latest step boundary.</summary>
    public Gauge EngineItems { get; }

    /// <summary><c>monitor_engine_items_capacity</c>: the <c>pipeline.maxItems</c> cap; beyond it a new item is over_capacity.</summary>
    public Gauge EngineItemsCapacity { get; }
    /// <summary><c>monitor_watermark_lag_seconds</c>: wall clock minus the event-time watermark, in seconds.</summary>
    public Gauge WatermarkLag { get; }
    /// <summary><c>monitor_points_emitted_total{measurement}</c>: metric points produced by the pipeline.</summary>
    public Counter PointsEmitted { get; }

    /// <summary><c>monitor_influx_points_written_total</c>: points InfluxDB accepted.</summary>
    public Counter InfluxPointsWritten { get; }
    /// <summary><c>monitor_influx_points_failed_total</c>: points InfluxDB rejected or that failed after every retry.</summary>
    public Counter InfluxPointsFailed { get; }
    /// <summary><c>monitor_influx_points_dropped_total</c>: points dropped because the write buffer was full.</summary>
    public Counter InfluxPointsDropped { get; }
    /// <summary><c>monitor_influx_points_buffered</c>: points waiting in the write buffer.</summary>
    public Gauge InfluxPointsBuffered { get; }
    /// <summary><c>monitor_influx_write_retries_total</c>: write attempts retried after a 408, a 429, a 5xx, a network error or a timeout.</summary>
    public Counter InfluxRetries { get; }
    /// <summary><c>monitor_influx_up</c>: 1 while the last write to InfluxDB succeeded (or none was made yet), 0 while writes fail and are retried.</summary>
    public Gauge InfluxUp { get; }
    /// <summary><c>monitor_influx_buffer_capacity_points</c>: capacity of the InfluxDB write buffer, in points.</summary>
    public Gauge InfluxBufferCapacity { get; }
    /// <summary><c>monitor_influx_write_blocked_seconds_total</c>: time the pipeline waited for room in the full write buffer (back-pressure), in seconds.</summary>
    public Counter InfluxWriteBlocked { get; }
    /// <summary><c>monitor_influx_write_duration_seconds</c>: duration of one batch write to InfluxDB including retries, in seconds.</summary>
    public Histogram InfluxWriteDuration { get; }

    /// <summary><c>monitor_alerts_firing{alertname,severity}</c>: alert instances firing now.</summary>
    public Gauge AlertsFiring { get; }
    /// <summary><c>monitor_alert_notifications_total{sink,outcome,severity}</c>: alert notifications per sink, outcome (sent, retried, failed, dropped) and severity.</summary>
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
    /// <summary><c>monitor_alert_delivery_seconds{sink}</c>: time from an alert change reaching a sink to the receiver accepting it, retries included, in seconds.</summary>
    public Histogram AlertDelivery { get; }

    /// <summary><c>monitor_backlog_waiting{shop,queue}</c>: items waiting in a queue at the latest step boundary.</summary>
    public Gauge BacklogWaiting { get; }
    /// <summary><c>monitor_backlog_oldest_wait_seconds{shop,queue}</c>: age of the oldest waiting item at the latest step boundary, in seconds.</summary>
    public Gauge BacklogOldestWait { get; }
    /// <summary><c>monitor_response_time_p90_seconds{shop,channel}</c>: nearest-rank 90th percentile of chat response times over the window, all kinds and responders, in seconds.</summary>
    public Gauge ResponseTimeP90 { get; }
    /// <summary><c>monitor_responses_in_window{shop,channel}</c>: responses in the window, all kinds and responders.</summary>
    public Gauge ResponseCount { get; }

    /// <summary><c>monitor_call_answer_p90_seconds{shop}</c>: nearest-rank 90th percentile of call answer times over the window, in seconds.</summary>
    public Gauge CallAnswerP90 { get; }
    /// <summary><c>monitor_call_abandon_ratio{shop}</c>: abandoned over offered calls in the window (0..1).</summary>
    public Gauge CallAbandonRatio { get; }
    /// <summary><c>monitor_call_service_level_ratio{shop}</c>: calls answered within the service-level threshold over offered calls in the window (0..1).</summary>
    public Gauge CallServiceLevelRatio { get; }
    /// <summary><c>monitor_shipping_on_time_ratio{shop}</c>: orders due in the window shipped by their deadline, over orders due (0..1).</summary>
    public Gauge ShippingOnTimeRatio { get; }
    /// <summary><c>monitor_shipping_overdue_unshipped{shop}</c>: orders past their ship deadline, neither shipped nor cancelled.</summary>
    public Gauge ShippingOverdueUnshipped { get; }
    /// <summary><c>monitor_shipping_stalled{shop}</c>: shipments with no tracking update for longer than the stall limit.</summary>
    public Gauge ShippingStalled { get; }
    /// <summary><c>monitor_order_cancel_ratio{shop}</c>: orders cancelled over orders paid in the window (0..1).</summary>
    public Gauge OrderCancelRatio { get; }
    /// <summary><c>monitor_bot_resolved_ratio{shop,channel}</c>: conversations closed by the bot over all closed in the window (0..1).</summary>
    public Gauge BotResolvedRatio { get; }
    /// <summary><c>monitor_crisis_quotient{shop}</c>: incoming volume per minute over agent capacity per minute.</summary>
    public Gauge CrisisQuotient { get; }
    /// <summary><c>monitor_crisis_level{shop}</c>: crisis level 0..4 from the Crisis Quotient thresholds.</summary>
    public Gauge CrisisLevel { get; }
    /// <summary><c>monitor_complaint_keyword_hits{shop,category}</c>: complaint keyword hits in customer texts over the window, summed per category.</summary>
    public Gauge ComplaintKeywordHits { get; }
}
