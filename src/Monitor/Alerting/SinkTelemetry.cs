using Microsoft.Extensions.Logging;
using Monitor.Observability;
using Prometheus;

namespace Monitor.Alerting;

/// <summary>
/// One sink's share of <c>monitor_alert_notifications_total{sink,outcome}</c> and
/// <c>monitor_alert_delivery_seconds{sink}</c> (no-ops without metrics), and its drop warnings, at
/// most one a minute so a flood cannot flood the log too.
/// </summary>
internal sealed class SinkTelemetry
{
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromMinutes(1);

    private readonly string _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter.Child? _sent;
    private readonly Counter.Child? _retried;
    private readonly Counter.Child? _failed;
    private readonly Counter.Child? _dropped;
    private readonly Histogram.Child? _delivery;
    private readonly object _dropGate = new();
    private long _droppedSinceLog;
    private long _lastDropLog = long.MinValue;

    public SinkTelemetry(string sink, MonitorMetrics? metrics, TimeProvider time, ILogger logger)
    {
        _sink = sink;
        _time = time;
        _logger = logger;
        _sent = metrics?.AlertNotifications.WithLabels(sink, "sent");
        _retried = metrics?.AlertNotifications.WithLabels(sink, "retried");
        _failed = metrics?.AlertNotifications.WithLabels(sink, "failed");
        _dropped = metrics?.AlertNotifications.WithLabels(sink, "dropped");
        _delivery = metrics?.AlertDelivery.WithLabels(sink);
    }

    public void Sent(DeliveryBatch batch)
    {
        _sent?.Inc(batch.Count);
        var now = _time.GetTimestamp();
        foreach (var received in batch.FirstDeliveries)
        {
            _delivery?.Observe(_time.GetElapsedTime(received, now).TotalSeconds);
        }
    }

    public void Retried(int count) => _retried?.Inc(count);

    public void Failed(int count) => _failed?.Inc(count);

    /// <param name="why">Why, for the log: a fixed phrase, never alert text.</param>
    public void Dropped(int count, string why)
    {
        _dropped?.Inc(count);
        lock (_dropGate)
        {
            _droppedSinceLog += count;
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
}
