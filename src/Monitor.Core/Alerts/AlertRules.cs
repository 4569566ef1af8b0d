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

    public MinSamples? MinSamples { get; init; }

    /// <summary>An instance with no matching point for this long (event time) resolves. Default 5 minutes.</summary>
    public TimeSpan NoDataAfter { get; init; } = TimeSpan.FromMinutes(5);

    public ValueUnit Unit { get; init; } = ValueUnit.Number;

    public AlertText Text { get; init; } = AlertText.Empty;

    /// <summary>Routing labels (e.g. <c>team</c>), added to every instance.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Grafana panel behind the rule (<c>dashboardUid/panelId</c>), for generatorURL.</summary>
    public string? Panel { get; init; }
}

/// <summary>The open items a per-item timer watches; each matches a <c>backlog</c> queue.</summary>
public enum TimerQueue
{
    Chat,
    Email,
    Social,
    Call,
    Refund,
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
    public TimeSpan? EscalateAfter { get; init; }

    public Severity EscalateSeverity { get; init; } = Severity.Critical;

    /// <summary>Labels the escalated alert adds or overrides (e.g. <c>team: cs-leads</c>).</summary>
    public IReadOnlyDictionary<string, string> EscalateLabels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How many of the oldest item ids the annotations carry. Default 5.</summary>
    public int ShowItems { get; init; } = 5;

    public AlertText Text { get; init; } = AlertText.Empty;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? Panel { get; init; }

    public static string QueueName(TimerQueue queue) => queue.ToString().ToLowerInvariant();
}

/// <summary>A whole rule file.</summary>
public sealed record AlertRuleSet(IReadOnlyList<ThresholdRule> Thresholds, IReadOnlyList<TimerRule> Timers)
{
    public static AlertRuleSet Empty { get; } = new([], []);

    /// <summary>The <c>service</c> label on every alert. Default <c>service-monitor</c>.</summary>
    public string Service { get; init; } = "service-monitor";

    public int Count => Thresholds.Count + Timers.Count;
}
