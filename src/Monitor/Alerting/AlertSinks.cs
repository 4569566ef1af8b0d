using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>Builds the sinks <see cref="AlertingOptions"/> asks for.</summary>
public static class AlertSinks
{
    /// <summary>
    /// An <see cref="AlertmanagerSink"/> when <see cref="AlertingOptions.AlertmanagerUrl"/> is set, and a
    /// <see cref="WebhookSink"/> per <see cref="AlertingOptions.WebhookUrls"/> entry, named <c>webhook</c>,
    /// <c>webhook2</c>, … in order. Empty when neither is configured.
    /// </summary>
    public static IReadOnlyList<IAlertSink> Create(
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var sinks = new List<IAlertSink>();
        if (options.AlertmanagerUrl is not null)
        {
            sinks.Add(new AlertmanagerSink(options, http, time, metrics, loggers?.CreateLogger<AlertmanagerSink>()));
        }

        for (var i = 0; i < options.WebhookUrls.Count; i++)
        {
            var name = i == 0 ? WebhookSink.DefaultName : $"{WebhookSink.DefaultName}{i + 1}";
            sinks.Add(new WebhookSink(options.WebhookUrls[i], options, http, time, metrics, loggers?.CreateLogger<WebhookSink>(), name));
        }

        return sinks;
    }
}
