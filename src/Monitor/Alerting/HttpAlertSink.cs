using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Alerts;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// What the HTTP sinks share: a non-blocking <see cref="Publish"/> that records the change in the
/// sink's own queue and wakes its <see cref="DeliveryLoop"/>, telemetry under the sink's name, and
/// disposal that flushes within <see cref="AlertingOptions.ShutdownTimeout"/>.
/// </summary>
public abstract class HttpAlertSink : IAlertSink, IDeliveryQueue
{
    private DeliveryLoop? _loop;

    private protected HttpAlertSink(string name, AlertingOptions options, TimeProvider time, MonitorMetrics? metrics, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        Name = name;
        Options = options;
        Time = time;
        Logger = logger ?? NullLogger.Instance;
        Telemetry = new SinkTelemetry(name, metrics, time, Logger);
    }

    /// <inheritdoc />
    public string Name { get; }

    private protected AlertingOptions Options { get; }

    private protected TimeProvider Time { get; }

    private protected ILogger Logger { get; }

    private protected SinkTelemetry Telemetry { get; }

    private protected object Gate { get; } = new();

    /// <summary>
    /// Called on the sink's loop each time the receiver accepted a POST (2xx), with the labels of every
    /// alert it carried (firing or resolved, re-sends included); default none. For measurements such as
    /// <c>monitor-bench --alert-latency</c>: it delays the next POST, so keep it quick. An exception it
    /// throws is logged and ignored.
    /// </summary>
    public Action<IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>>>? Accepted { get; set; }

    private DeliveryLoop Loop => _loop ?? throw new InvalidOperationException("The sink's loop was not started.");

    /// <inheritdoc />
    public void Publish(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Loop.IsClosed)
        {
            Telemetry.Dropped(change.Labels, "published after the sink was shut down");
            return;
        }

        Accept(change);
        Loop.Wake();
    }

    /// <summary>Sends what is waiting (bounded by <see cref="AlertingOptions.ShutdownTimeout"/>) and stops.</summary>
    public ValueTask DisposeAsync() => Loop.DisposeAsync();

    /// <summary>Starts the loop; the last step of a derived constructor, once its queue exists.</summary>
    /// <param name="receiver">Names the receiver in log lines; holds no secret.</param>
    private protected void Start(string receiver, Uri endpoint, HttpClient? http, AuthenticationHeaderValue? authorization, Random? jitter) =>
        _loop = new DeliveryLoop(receiver, endpoint, this, http, authorization, Options, Time, jitter ?? Random.Shared, Telemetry, Logger);

    /// <summary>Records <paramref name="change"/> in the queue (counting what a bound drops); called on the publishing thread.</summary>
    private protected abstract void Accept(AlertChange change);

    DeliveryBatch? IDeliveryQueue.Take(DateTimeOffset now) => Take(now);

    DateTimeOffset? IDeliveryQueue.NextDueAt => NextDueAt;

    int IDeliveryQueue.Pending => Pending;

    IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> IDeliveryQueue.PendingLabels() => PendingLabels();

    void IDeliveryQueue.Settle(DeliveryBatch batch) => Settle(batch);

    void IDeliveryQueue.Recovered() => Recovered();

    void IDeliveryQueue.Delivered(DeliveryBatch batch)
    {
        try
        {
            Accepted?.Invoke(batch.Labels);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "The Accepted hook of alert sink {Sink} threw; ignored", Name);
        }
    }

    private protected abstract DeliveryBatch? Take(DateTimeOffset now);

    private protected virtual DateTimeOffset? NextDueAt => null;

    private protected abstract int Pending { get; }

    /// <summary>The labels of each notification counted in <see cref="Pending"/>.</summary>
    private protected abstract IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> PendingLabels();

    private protected abstract void Settle(DeliveryBatch batch);

    private protected virtual void Recovered()
    {
    }
}
