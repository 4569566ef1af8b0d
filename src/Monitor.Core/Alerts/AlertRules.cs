namespace Monitor.Core.Alerts;

/// <summary>Which side of a threshold is bad.</summary>
public enum Direction
{
    /// <summary>The value is bad at or above the threshold (response times, backlogs).</summary>
    Above,

    /// <summary>The value is bad at or below the threshold (on-time ratio, service level).</summary>
    Below,
}

/// <summary>How a value is shown in summaries and descriptions.</summary>
public enum ValueUnit
{
    /// <summary>Plain number, up to three decimals.</summary>
    Number,

    /// <summary>A 0..1 ratio shown as a percentage (0.875 → 87.5%).</summary>
    Ratio,

    /// <summary>Seconds shown as a duration (125 → 2m05s).</summary>
    Seconds,

    /// <summary>A whole count.</summary>
    Count,
}

/// <summary>
/// One severity level of a threshold rule. The level is entered when the value is at or beyond
/// <see cref="Threshold"/> (in the rule's direction) for the level's hold time, and left when the
/// value is back on the good side of <see cref="Clear"/> (hysteresis; defaults to the threshold).
/// </summary>
public sealed record AlertLevel(Severity Severity, double Threshold, double Clear, TimeSpan For)
{
    /// <summary>Labels this level adds or overrides (e.g. a different <c>team</c> for critical).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Do not judge a point whose <see cref="Field"/> (a sample count) is below <see cref="Count"/>.</summary>
public sealed record MinSamples(string Field, long Count);

/// <summary>What every rule carries for the people who receive it.</summary>
public sealed record AlertText(string Summary, string Description, string? RunbookUrl)
{
    /// <summary>No summary, description or runbook URL: the default of a rule that sets none.</summary>
    public static AlertText Empty { get; } = new("", "", null);
}

/// <summary>
/// A threshold rule over one field of one measurement (DESIGN §5): points matching
/// <see cref="Filters"/> are grouped by <see cref="GroupBy"/> tags, one alert instance per group.
/// Levels are ordered lowest severity first; thresholds grow more extreme with severity.
/// </summary>
public sealed record ThresholdRule(
    string Name,
    string Measurement,
    string Field,
    Direction Direction,
    IReadOnlyList<AlertLevel> Levels)
{
    /// <summary>Tag filters: a point matches when each named tag has one of the listed values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>Tags that split instances; default <c>shop</c>. Their values become alert labels.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = ["shop"];

    /// <summary>Skip points with too few samples behind them (e.g. a p90 of two replies); none by default.</summary>
    public MinSamples? MinSamples { get; init; }

    /// <summary>An instance with no matching point for this long (event time) resolves. Default 5 minutes.</summary>
    public TimeSpan NoDataAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How the value and threshold are shown in the text. Default <see cref="ValueUnit.Number"/>.</summary>
    public ValueUnit Unit { get; init; } = ValueUnit.Number;

    /// <summary>Summary and description templates and the runbook URL of the rule's alerts.</summary>
    public AlertText Text { get; init; } = AlertText.Empty;

    /// <summary>Routing labels (e.g. <c>team</c>), added to every instance.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Grafana panel behind the rule (<c>dashboardUid/panelId</c>), for generatorURL.</summary>
    public string? Panel { get; init; }
}

/// <summary>The open items a per-item timer watches; each matches a <c>backlog</c> queue.</summary>
public enum TimerQueue
{
    /// <summary>Chat conversations waiting for a reply.</summary>
    Chat,
    /// <summary>Email conversations waiting for a reply.</summary>
    Email,
    /// <summary>Social conversations waiting for a reply.</summary>
    Social,
    /// <summary>Calls queued, neither answered nor abandoned.</summary>
    Call,
    /// <summary>Refunds requested, neither completed nor rejected.</summary>
    Refund,
    /// <summary>Orders past their shipping deadline, neither shipped nor cancelled.</summary>
    Shipment,
}

/// <summary>
/// The "30-minute rule" (DESIGN §1, §5): an item of <see cref="Queue"/> open for
/// <see cref="RemindAfter"/> is due a reminder, again every <see cref="RepeatEvery"/>, and is
/// escalated once open for <see cref="EscalateAfter"/>. All due items of one shop make one alert
/// (count and oldest ids in annotations), never one alert per item.
/// </summary>
public sealed record TimerRule(
    string Name,
    TimerQueue Queue,
    TimeSpan RemindAfter,
    TimeSpan RepeatEvery,
    Severity Severity)
{
    /// <summary>How long an item may stay open before its shop's escalation alert fires; null (the default) never escalates.</summary>
    public TimeSpan? EscalateAfter { get; init; }

    /// <summary>The severity of the escalation alert, a separate instance beside the reminder. Default critical.</summary>
    public Severity EscalateSeverity { get; init; } = Severity.Critical;

    /// <summary>Labels the escalated alert adds or overrides (e.g. <c>team: cs-leads</c>).</summary>
    public IReadOnlyDictionary<string, string> EscalateLabels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How many of the oldest item ids the annotations carry. Default 5.</summary>
    public int ShowItems { get; init; } = 5;

    /// <summary>Summary and description templates and the runbook URL of the reminder and escalation alerts.</summary>
    public AlertText Text { get; init; } = AlertText.Empty;

    /// <summary>Routing labels (e.g. <c>team</c>), added to the reminder and the escalation.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Grafana panel behind the rule (<c>dashboardUid/panelId</c>), for generatorURL.</summary>
    public string? Panel { get; init; }

    /// <summary>The queue's name in rule files and the <c>backlog</c> <c>queue</c> tag, e.g. <c>shipment</c>.</summary>
    public static string QueueName(TimerQueue queue) => queue.ToString().ToLowerInvariant();
}

/// <summary>A whole rule file.</summary>
public sealed record AlertRuleSet(IReadOnlyList<ThresholdRule> Thresholds, IReadOnlyList<TimerRule> Timers)
{
    /// <summary>No rules.</summary>
    public static AlertRuleSet Empty { get; } = new([], []);

    /// <summary>The <c>service</c> label on every alert. Default <c>service-monitor</c>.</summary>
    public string Service { get; init; } = "service-monitor";

    /// <summary>Rules in the set, threshold and timer rules together.</summary>
    public int Count => Thresholds.Count + Timers.Count;
}
