using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>Builds the sinks <see cref="AlertingOptions"/> asks for.</summary>
public static class AlertSinks
{
    /// <summary>
    /// An <see cref="AlertmanagerSink"/> when <see cref="AlertingOptions.AlertmanagerUrl"/> is set, and a
    /// <see cref="WebhookSink"/> per <see cref="AlertingOptions.WebhookUrls"/> entry, named <c>webhook</c>,
    /// <c>webhook2</c>, … in order, and a <see cref="DingTalkSink"/>, <see cref="WeComSink"/> or <see cref="FeishuSink"/> per entry of
    /// <see cref="AlertingOptions.Receivers"/>, under its name. Empty when none is configured.
    /// With <paramref name="include"/>, only the sinks whose name it takes (see <see cref="Names"/>).
    /// </summary>
    public static IReadOnlyList<IAlertSink> Create(
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILoggerFactory? loggers = null,
        Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        include ??= _ => true;
        var sinks = new List<IAlertSink>();
        if (options.AlertmanagerUrl is not null && include(AlertmanagerSink.SinkName))
        {
            sinks.Add(new AlertmanagerSink(options, http, time, metrics, loggers?.CreateLogger<AlertmanagerSink>()));
        }

        for (var i = 0; i < options.WebhookUrls.Count; i++)
        {
            var name = WebhookName(i);
            if (include(name))
            {
                sinks.Add(new WebhookSink(options.WebhookUrls[i], options, http, time, metrics, loggers?.CreateLogger<WebhookSink>(), name));
            }
        }

        foreach (var receiver in options.Receivers.Where(r => include(r.Name)))
        {
            sinks.Add(receiver.Type switch
            {
                ReceiverType.DingTalk => new DingTalkSink(receiver, options, http, time, metrics, loggers?.CreateLogger<DingTalkSink>()),
                ReceiverType.WeCom => new WeComSink(receiver, options, http, time, metrics, loggers?.CreateLogger<WeComSink>()),
                ReceiverType.Feishu => new FeishuSink(receiver, options, http, time, metrics, loggers?.CreateLogger<FeishuSink>()),
                _ => throw new ArgumentOutOfRangeException(nameof(options), receiver.Type, "not a receiver type"),
            });
        }

        return sinks;
    }

    /// <summary>The names of the sinks <see cref="Create"/> would make, in its order, without making them.</summary>
    public static IEnumerable<string> Names(AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AlertmanagerUrl is not null)
        {
            yield return AlertmanagerSink.SinkName;
        }

        for (var i = 0; i < options.WebhookUrls.Count; i++)
        {
            yield return WebhookName(i);
        }

        foreach (var receiver in options.Receivers)
        {
            yield return receiver.Name;
        }
    }

    private static string WebhookName(int index) => index == 0 ? WebhookSink.DefaultName : $"{WebhookSink.DefaultName}{index + 1}";
}
