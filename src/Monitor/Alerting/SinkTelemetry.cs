using Microsoft.Extensions.Logging;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Prometheus;

namespace Monitor.Alerting;

/// <summary>
/// One sink's share of <c>monitor_alert_notifications_total{sink,outcome,severity}</c> and
/// <c>monitor_alert_delivery_seconds{sink}</c> (no-ops without metrics), and its drop warnings, at
/// most one a minute so a flood cannot flood the log too. Each notification counts under its
/// alert's severity label.
/// </summary>
internal sealed class SinkTelemetry
{
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromMinutes(1);
    private static readonly string[] Outcomes = ["sent", "retried", "failed", "dropped"];

    private readonly string _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter? _notifications;
    private readonly Histogram.Child? _delivery;
    private readonly object _dropGate = new();
    private long _droppedSinceLog;
    private long _lastDropLog = long.MinValue;

    public SinkTelemetry(string sink, MonitorMetrics? metrics, TimeProvider time, ILogger logger)
    {
        _sink = sink;
        _time = time;
        _logger = logger;
        _notifications = metrics?.AlertNotifications;
        _delivery = metrics?.AlertDelivery.WithLabels(sink);

        // Every outcome and severity exists at 0 from the start: a quiet receiver shows 0, not "No data".
        foreach (var outcome in Outcomes)
        {
            foreach (var severity in Severities.All)
            {
                _notifications?.WithLabels(sink, outcome, severity.Label());
            }
        }
    }

    public void Sent(DeliveryBatch batch)
    {
        Count("sent", batch);
        var now = _time.GetTimestamp();
        foreach (var received in batch.FirstDeliveries)
        {
            _delivery?.Observe(_time.GetElapsedTime(received, now).TotalSeconds);
        }
    }

    public void Retried(DeliveryBatch batch) => Count("retried", batch);

    public void Failed(DeliveryBatch batch) => Count("failed", batch);

    /// <summary>Notifications that will not be sent (unsent at shutdown), by their alerts' labels.</summary>
    public void Failed(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> notifications)
    {
        foreach (var labels in notifications)
        {
            Count("failed", labels);
        }
    }

    /// <summary>One notification dropped.</summary>
    /// <param name="labels">The dropped alert's labels (for its severity).</param>
    /// <param name="why">Why, for the log: a fixed phrase, never alert text.</param>
    public void Dropped(IReadOnlyList<KeyValuePair<string, string>> labels, string why)
    {
        Count("dropped", labels);
        lock (_dropGate)
        {
            _droppedSinceLog++;
            var now = _time.GetTimestamp();
            if (_lastDropLog != long.MinValue && _time.GetElapsedTime(_lastDropLog, now) < DropLogInterval)
            {
                return;
            }

            _logger.LogWarning(
                "Alert sink {Sink} dropped {Dropped} notifications since the last warning: {Reason}",
                _sink, _droppedSinceLog, why);
            _lastDropLog = now;
            _droppedSinceLog = 0;
        }
    }

    private void Count(string outcome, DeliveryBatch batch)
    {
        if (_notifications is null)
        {
            return;
        }

        foreach (var labels in batch.Labels)
        {
            Count(outcome, labels);
        }

        // A batch that does not list its alerts' labels counts the rest as unknown.
        if (batch.Count > batch.Labels.Count)
        {
            _notifications.WithLabels(_sink, outcome, "unknown").Inc(batch.Count - batch.Labels.Count);
        }
    }

    private void Count(string outcome, IReadOnlyList<KeyValuePair<string, string>> labels) =>
        _notifications?.WithLabels(_sink, outcome, MonitorMetrics.NotificationSeverity(labels)).Inc();
}
