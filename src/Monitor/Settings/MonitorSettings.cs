using Monitor.Alerting;
using Monitor.Core.Metrics;
using Monitor.Influx;
using Monitor.Kafka;

namespace Monitor.Settings;

/// <summary>
/// The settings of <c>monitor run</c>, from a YAML file (see docs/configuration.md) with secrets
/// from the environment or files: MONITOR_INFLUX_TOKEN / influx.tokenFile, MONITOR_INFLUX_PASSWORD,
/// MONITOR_KAFKA_SASL_PASSWORD, MONITOR_ALERTMANAGER_PASSWORD / MONITOR_ALERTMANAGER_TOKEN or
/// alerting.alertmanager.passwordFile / tokenFile. Secrets are never printed.
/// </summary>
public sealed class MonitorSettings
{
    /// <summary>Kafka bootstrap servers (<c>kafka.bootstrapServers</c>, MONITOR_KAFKA_BOOTSTRAP_SERVERS); default localhost:9092.</summary>
    public string KafkaBootstrapServers { get; set; } = "localhost:9092";
    /// <summary>Consumer group (<c>kafka.groupId</c>); default "monitor".</summary>
    public string KafkaGroupId { get; set; } = "monitor";
    /// <summary>Extra librdkafka settings (<c>kafka.properties</c>, secrets from <c>kafka.secretFiles</c> and MONITOR_KAFKA_SASL_PASSWORD), passed through.</summary>
    public Dictionary<string, string> KafkaProperties { get; } = new(StringComparer.Ordinal);

    /// <summary>False for a broker without a time index (the embedded broker): the look-back rebuild then starts at the first retained message.</summary>
    public bool KafkaTimeIndex { get; set; } = true;

    /// <summary>InfluxDB output (<c>influx</c>, MONITOR_INFLUX_URL); null writes no points to InfluxDB.</summary>
    public InfluxOptions? Influx { get; set; }

    /// <summary>
    /// What a verb writes to when only its command line names an InfluxDB (<c>--influx URL</c>, with no
    /// <c>influx</c> section and no MONITOR_INFLUX_URL): the defaults with the credentials of
    /// MONITOR_INFLUX_USERNAME, MONITOR_INFLUX_PASSWORD and MONITOR_INFLUX_TOKEN. Null when
    /// <see cref="Influx"/> is set.
    /// </summary>
    public InfluxOptions? InfluxWithoutSection { get; set; }

    /// <summary>Windows, step, lateness, caps, per-shop overrides and crisis settings (<c>pipeline</c>, <c>shops</c>, <c>crisis</c>).</summary>
    public EngineOptions Engine { get; set; } = new();

    /// <summary>Where /metrics, /healthz, /readyz and /api/alerts are served (<c>metrics.listen</c>); default http://127.0.0.1:9464.</summary>
    public string MetricsUrl { get; set; } = "http://127.0.0.1:9464";

    /// <summary>Furthest an event may be stamped ahead of the clock (<c>pipeline.maxFuture</c>); null: the lateness.</summary>
    public TimeSpan? MaxFuture { get; set; }

    /// <summary>Furthest an event may be stamped behind the clock (<c>pipeline.maxAge</c>); null: what the windows need.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Look-back re-read on partition assignment (null: what the windows need; 0: none).</summary>
    public TimeSpan? LookBack { get; set; }

    /// <summary>Complaint keyword dictionary file (YAML); null uses the shipped default.</summary>
    public string? KeywordsFile { get; set; }

    /// <summary>Alert rule file (YAML, docs/alerts.md); null evaluates no alerts.</summary>
    public string? AlertRulesFile { get; set; }

    /// <summary>Live alerts from early results reconciled with final values (default true); false waits for final values.</summary>
    public bool EarlyAlerts { get; set; } = true;

    /// <summary>Console log format (<c>logging.format</c>, MONITOR_LOG_FORMAT): text (default) or json.</summary>
    public Hosting.LogFormat LogFormat { get; set; } = Hosting.LogFormat.Text;

    /// <summary>Least level logged (<c>logging.level</c>, MONITOR_LOG_LEVEL); null: Information.</summary>
    public LogLevel? LogLevel { get; set; }

    /// <summary>Where alerts go: Alertmanager, webhooks, Grafana links.</summary>
    public AlertingOptions Alerting { get; set; } = new();

    /// <summary>The consumer settings these give (servers, group, extra properties, time index); topics and look-back keep their defaults.</summary>
    public KafkaSourceOptions ToKafkaSource() => new()
    {
        BootstrapServers = KafkaBootstrapServers,
        GroupId = KafkaGroupId,
        Extra = KafkaProperties,
        BrokerHasTimeIndex = KafkaTimeIndex,
    };
}

/// <summary>A problem in a settings file, with its place.</summary>
public sealed record SettingsError(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: message</c>, or <c>file: message</c> when the place is unknown (line 0).</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
