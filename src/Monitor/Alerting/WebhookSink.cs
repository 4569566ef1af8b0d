using Microsoft.Extensions.Logging;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Settings;

namespace Monitor.Alerting;

/// <summary>
/// A generic JSON webhook: every change is POSTed to <c>url</c> as an element of a JSON array (all
/// changes waiting at that moment in one request, at most <see cref="AlertingOptions.MaxBatchSize"/>),
/// in order, with the retries of <see cref="DeliveryLoop"/>. Each element:
/// <c>{kind, status, rule, severity, previousSeverity, labels, annotations, value, threshold, startsAt, at, generatorURL}</c>.
/// At most <see cref="AlertingOptions.MaxPendingNotifications"/> changes wait; beyond, the oldest is
/// dropped and counted. The Alertmanager credentials are never sent here.
/// </summary>
public sealed class WebhookSink : QueuedAlertSink<WebhookSink.Queued>
{
    /// <summary>The default <c>sink</c> label value.</summary>
    public const string DefaultName = "webhook";

    /// <summary>Validates <paramref name="options"/> and starts the send loop.</summary>
    /// <param name="url">Where to POST; only <see cref="AlertingOptions.Redact"/> of it is logged (the path and query may hold a key).</param>
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
        : base(name, options, time, metrics, logger)
    {
        OptionChecks.HttpUrl(url, "Alerting webhook", nameof(url));
        var shown = AlertingOptions.Redact(url);
        Logger.LogInformation("Sending alert changes to webhook {Sink} at {Url}", name, shown);
        Start($"Webhook {name} ({shown})", url, http, null, jitter);
    }

    private protected override void Accept(AlertChange change)
    {
        // A hand-over is internal bookkeeping between instances, not news for a receiver.
        if (change.Kind == AlertChangeKind.HandedOver)
        {
            return;
        }

        Enqueue(new Queued(change, Options.GeneratorUrl(change.Panel), Time.GetTimestamp()));
    }

    private protected override IReadOnlyList<KeyValuePair<string, string>> LabelsOf(Queued queued) => queued.Change.Labels;

    private protected override DeliveryBatch? Take(DateTimeOffset now)
    {
        var batch = new List<Queued>();
        long through;
        lock (Gate)
        {
            through = Queue.PeekInto(batch, Options.MaxBatchSize);
        }

        if (batch.Count == 0)
        {
            return null;
        }

        var body = AlertJson.Array(batch, (writer, queued) => AlertJson.Change(writer, queued.Change, queued.GeneratorUrl));
        return new DeliveryBatch(body, batch.Count, batch.Select(q => q.Received).ToArray(), through)
        {
            Labels = batch.Select(q => q.Change.Labels).ToArray(),
        };
    }

    /// <summary>A change waiting, with its Grafana link and when it reached the sink.</summary>
    public sealed record Queued(AlertChange Change, string? GeneratorUrl, long Received);
}
