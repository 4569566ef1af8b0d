using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Alerts;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>The alerts firing now (latest change per instance, highest severity first) and the latest changes (newest first).</summary>
public sealed record AlertsSnapshot(IReadOnlyList<AlertChange> Active, IReadOnlyList<AlertChange> Recent)
{
    /// <summary>No alert firing and no change yet.</summary>
    public static AlertsSnapshot Empty { get; } = new([], []);
}

/// <summary>
/// Fans every alert change out to the sinks and keeps what <c>/api/alerts</c> shows: the latest
/// change of each firing instance (removed on <see cref="AlertChangeKind.Resolved"/>) and the last
/// <c>recentCapacity</c> (200) changes. Sets <c>monitor_alerts_firing{alertname,severity}</c>.
/// </summary>
/// <remarks>
/// Thread-safe: the pipeline thread publishes while HTTP threads read <see cref="Snapshot"/>. Sinks
/// never block, so <see cref="Publish"/> returns at once. The dispatcher owns the sinks and disposes
/// them. At most <c>maxActive</c> (50 000) instances are kept for the view; beyond, a new instance is
/// still sent to the sinks but not listed, and counted as <c>dropped</c> under <c>sink="dispatcher"</c>.
/// </remarks>
public sealed class AlertDispatcher : IAsyncDisposable
{
    /// <summary>The <c>sink</c> label of instances left out of the view.</summary>
    public const string ViewName = "dispatcher";

    /// <summary>The <c>sink</c> label under which changes held back by inhibition are counted (outcome <c>held</c>).</summary>
    public const string InhibitionName = "inhibition";

    private readonly IAlertSink[] _sinks;
    private readonly MonitorMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly int _recentCapacity;
    private readonly int _maxActive;
    private readonly object _gate = new();
    private readonly Dictionary<string, AlertChange> _active = new(StringComparer.Ordinal);
    private readonly Queue<AlertChange> _recent = new();
    private readonly Dictionary<(string AlertName, string Severity), int> _firing = new();
    private readonly ShopInhibition? _inhibition;
    private int _disposed;

    /// <summary>
    /// Takes ownership of <paramref name="sinks"/>; keeps the last <paramref name="recentCapacity"/> changes and at most
    /// <paramref name="maxActive"/> firing instances for the view; without <paramref name="metrics"/> nothing is counted.
    /// With <paramref name="inhibition"/>, the sinks get what it lets through (the view keeps every change).
    /// </summary>
    public AlertDispatcher(
        IEnumerable<IAlertSink> sinks,
        MonitorMetrics? metrics = null,
        ILogger<AlertDispatcher>? logger = null,
        int recentCapacity = 200,
        int maxActive = 50_000,
        ShopInhibition? inhibition = null)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recentCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxActive);
        _sinks = sinks.ToArray();
        _metrics = metrics;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _recentCapacity = recentCapacity;
        _maxActive = maxActive;
        _inhibition = inhibition;
    }


    /// <summary>The sinks every change goes to, in publishing order.</summary>
    public IReadOnlyList<IAlertSink> Sinks => _sinks;

    /// <summary>
    /// Records <paramref name="change"/> and hands it, or what the inhibition lets through of it, to every
    /// sink (in order; one failing sink does not stop the others).
    /// </summary>
    public void Publish(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            Record(change);
            if (_inhibition is null)
            {
                Fan(change);
                return;
            }

            var held = _inhibition.Held;
            foreach (var outgoing in _inhibition.Filter(change))
            {
                Fan(outgoing);
            }

            if (_inhibition.Held > held)
            {
                _metrics?.AlertNotifications.WithLabels(InhibitionName, "held", MonitorMetrics.NotificationSeverity(change.Labels)).Inc();
            }
        }
    }

    private void Fan(AlertChange change)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Publish(change);
            }
            catch (Exception ex)
            {
                _metrics?.AlertNotifications.WithLabels(sink.Name, "failed", MonitorMetrics.NotificationSeverity(change.Labels)).Inc();
                _logger.LogError("Alert sink {Sink} threw {Error} on publish; the change is lost for that sink", sink.Name, ex.GetType().Name);
            }
        }
    }

    /// <summary>A copy of the firing instances and recent changes, safe to read while the pipeline goes on publishing.</summary>
    public AlertsSnapshot Snapshot()
    {
        lock (_gate)
        {
            var active = _active.Values
                .OrderByDescending(c => c.Severity)
                .ThenBy(c => c.StartsAtMs)
                .ThenBy(c => c.InstanceKey, StringComparer.Ordinal)
                .ToArray();
            return new AlertsSnapshot(active, _recent.Reverse().ToArray());
        }
    }

    /// <summary>Disposes every sink at once (each flushes within its own shutdown timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_sinks.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private void Record(AlertChange change)
    {
        _recent.Enqueue(change);
        if (_recent.Count > _recentCapacity)
        {
            _recent.Dequeue();
        }

        if (_active.Remove(change.InstanceKey, out var before))
        {
            CountFiring(before, -1);
        }

        if (!change.IsFiring)
        {
            return;
        }

        if (before is null && _active.Count >= _maxActive)
        {
            _metrics?.AlertNotifications.WithLabels(ViewName, "dropped", MonitorMetrics.NotificationSeverity(change.Labels)).Inc();
            return;
        }

        _active[change.InstanceKey] = change;
        CountFiring(change, +1);
    }

    private void CountFiring(AlertChange change, int delta)
    {
        var key = (change.Label("alertname") ?? change.Rule, change.Severity.Label());
        var count = _firing.GetValueOrDefault(key) + delta;
        _firing[key] = count;
        _metrics?.AlertsFiring.WithLabels(key.Item1, key.Item2).Set(count);
    }
}
