using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Alerts;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// A generic JSON webhook: every change is POSTed to <c>url</c> as an element of a JSON array (all
/// changes waiting at that moment in one request, at most <see cref="AlertingOptions.MaxBatchSize"/>),
/// in order, with the retries of <see cref="DeliveryLoop"/>. Each element:
/// <c>{kind, status, rule, severity, previousSeverity, labels, annotations, value, threshold, startsAt, at, generatorURL}</c>.
/// At most <see cref="AlertingOptions.MaxPendingNotifications"/> changes wait; beyond, the oldest is
/// dropped and counted. The Alertmanager credentials are never sent here.
/// </summary>
public sealed class WebhookSink : IAlertSink, IDeliveryQueue
{
    /// <summary>The default <c>sink</c> label value.</summary>
    public const string DefaultName = "webhook";

    private readonly AlertingOptions _options;
    private readonly TimeProvider _time;
    private readonly SinkTelemetry _telemetry;
    private readonly object _gate = new();
    private readonly PendingQueue<Queued> _queue;
    private readonly DeliveryLoop _loop;

    /// <summary>Validates <paramref name="options"/> and starts the send loop.</summary>
    /// <param name="url">Where to POST; its query string (it may hold a key) is never logged.</param>
    /// <param name="http">Client to send with (owned by the caller); null makes one the sink disposes.</param>
    /// <param name="name">The <c>sink</c> label; default <c>webhook</c> (give each webhook its own, e.g. <c>webhook2</c>).</param>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null.</param>
    public WebhookSink(
        Uri url,
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILogger<WebhookSink>? logger = null,
        string name = DefaultName,
        Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options.Validate();
        AlertingOptions.RequireHttpUrl(url, nameof(url));

        Name = name;
        _options = options;
        _time = time;
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        _telemetry = new SinkTelemetry(name, metrics, time, log);
        _queue = new PendingQueue<Queued>(options.MaxPendingNotifications);
        var shown = AlertingOptions.Show(url);
        log.LogInformation("Sending alert changes to webhook {Sink} at {Url}", name, shown);
        _loop = new DeliveryLoop($"Webhook {name} ({shown})", url, this, http, null, options, time, jitter ?? Random.Shared, _telemetry, log);
    }

    public string Name { get; }

    /// <inheritdoc />
    public void Publish(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_loop.IsClosed)
        {
            _telemetry.Dropped(1, "published after the sink was shut down");
            return;
        }

        var queued = new Queued(change, _options.GeneratorUrl(change.Panel), _time.GetTimestamp());
        int dropped;
        lock (_gate)
        {
            dropped = _queue.Add(queued);
        }

        if (dropped > 0)
        {
            _telemetry.Dropped(dropped, $"more than {_options.MaxPendingNotifications} changes were waiting; the oldest went unsent");
        }

        _loop.Wake();
    }

    /// <summary>Sends what is waiting (bounded by <see cref="AlertingOptions.ShutdownTimeout"/>) and stops.</summary>
    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    DateTimeOffset? IDeliveryQueue.NextDueAt => null;

    int IDeliveryQueue.Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    DeliveryBatch? IDeliveryQueue.Take(DateTimeOffset now)
    {
        var batch = new List<Queued>();
        long through;
        lock (_gate)
        {
            through = _queue.PeekInto(batch, _options.MaxBatchSize);
        }

        if (batch.Count == 0)
        {
            return null;
        }

        var body = AlertJson.Array(batch, (writer, queued) => AlertJson.Change(writer, queued.Change, queued.GeneratorUrl));
        return new DeliveryBatch(body, batch.Count, batch.Select(q => q.Received).ToArray(), through);
    }

    void IDeliveryQueue.Settle(DeliveryBatch batch)
    {
        lock (_gate)
        {
            _queue.RemoveThrough((long)batch.Token);
        }
    }

    void IDeliveryQueue.Recovered()
    {
        // Nothing to restore: a webhook keeps no state of ours.
    }

    private sealed record Queued(AlertChange Change, string? GeneratorUrl, long Received);
}
