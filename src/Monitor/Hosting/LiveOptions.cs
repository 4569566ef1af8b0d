using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Influx;
using Monitor.Kafka;

namespace Monitor.Hosting;

/// <summary>Everything a live instance (demo or run) needs.</summary>
public sealed record LiveOptions
{
    /// <summary>The Kafka consumer; its look-back is replaced by <see cref="EffectiveLookBack"/>.</summary>
    public required KafkaSourceOptions Kafka { get; init; }

    /// <summary>The metric engine: step, windows, lateness, caps, crisis settings (defaults as in DESIGN §4).</summary>
    public EngineOptions Engine { get; init; } = new();

    /// <summary>InfluxDB to write to; null writes nowhere (Prometheus and the board still work).</summary>
    public InfluxOptions? Influx { get; init; }

    /// <summary>How the host writes its log lines to the console (<c>logging.format</c>); default one text line each.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Least level logged (<c>logging.level</c>, MONITOR_LOG_LEVEL); null: Information.</summary>
    public LogLevel? LogLevel { get; init; }

    /// <summary>Where /metrics, /healthz and /readyz are served (default http://127.0.0.1:9464).</summary>
    public string MetricsUrl { get; init; } = "http://127.0.0.1:9464";

    /// <summary>
    /// Events stamped further ahead of the clock than this are rejected as <c>future_timestamp</c>
    /// (<c>pipeline.maxFuture</c>); null (default): the allowed lateness, so no accepted event can hold
    /// the watermark ahead of the clock by more than the lateness it already waits.
    /// </summary>
    public TimeSpan? MaxFutureSkew { get; init; }

    /// <summary>The bound in effect: <see cref="MaxFutureSkew"/>, or the engine's allowed lateness.</summary>
    public TimeSpan EffectiveMaxFuture => MaxFutureSkew ?? Engine.AllowedLateness;

    /// <summary>
    /// Events stamped further behind the clock than this are rejected as <c>too_old</c> (<c>pipeline.maxAge</c>),
    /// on every input path: live, the look-back rebuild, replay (behind its newest event) and the demo.
    /// Null (default): what the windows need, as <see cref="EffectiveLookBack"/> computes it (61 min).
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The bound in effect: <see cref="MaxAge"/>, or the engine's <see cref="EngineOptions.DefaultMaxAge"/>.</summary>
    public TimeSpan EffectiveMaxAge => MaxAge ?? Engine.DefaultMaxAge;

    /// <summary>
    /// Processing-time tick (default 250 ms): it advances an idle stream's watermark and, with
    /// <see cref="EarlyAlerts"/>, re-judges open windows and ages, so an alert goes out within
    /// about one tick of its event.
    /// </summary>
    public TimeSpan ClockTick { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Notify alerts from early results (open windows, no lateness) reconciled with final values
    /// (DESIGN §5); false notifies on final values only, a lateness plus a step later. Default true.
    /// </summary>
    public bool EarlyAlerts { get; init; } = true;

    /// <summary>Alert rules evaluated on the metric stream; null or empty evaluates none.</summary>
    public AlertRuleSet? AlertRules { get; init; }

    /// <summary>Where alert changes go (Alertmanager, webhooks); /api/alerts shows them either way.</summary>
    public AlertingOptions Alerting { get; init; } = new();

    /// <summary>
    /// How far before now a newly assigned partition is read again to rebuild state and alert
    /// state (DESIGN §2). Null (default): the longest window plus the lateness and a step (61 min
    /// with the defaults); zero: no rebuild, start at the committed offset.
    /// </summary>
    public TimeSpan? LookBack { get; init; }

    /// <summary>The look-back in effect: <see cref="LookBack"/>, or what the engine's windows need.</summary>
    public TimeSpan? EffectiveLookBack => LookBack switch
    {
        { } zero when zero <= TimeSpan.Zero => null,
        { } set => set,
        null => Engine.DefaultMaxAge,
    };

    /// <summary>eventIds remembered for duplicate detection (default 1,000,000).</summary>
    public int DedupCapacity { get; init; } = 1_000_000;
}

/// <summary>Console log format of <c>monitor run</c>.</summary>
public enum LogFormat
{
    /// <summary>One line per entry: <c>HH:mm:ss level: category[id] message</c>.</summary>
    Text,

    /// <summary>One JSON object per line (the runtime's JSON console formatter), UTC timestamps, for log shippers.</summary>
    Json,
}
