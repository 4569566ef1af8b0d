namespace Monitor.Core.Alerts;

/// <summary>What happened to an alert instance.</summary>
public enum AlertChangeKind
{
    /// <summary>The instance went from ok to a severity.</summary>
    Fired,

    /// <summary>A firing instance moved to a higher severity (re-notifies).</summary>
    Escalated,

    /// <summary>A firing instance moved to a lower severity (re-notifies).</summary>
    Deescalated,

    /// <summary>A per-item timer's reminder is due again (every RepeatEvery while items stay open).</summary>
    Reminded,

    /// <summary>The instance is back to ok, or had no data for NoDataAfter.</summary>
    Resolved,

    /// <summary>
    /// Its shop's partition went to another instance, which evaluates it from now on: forget it
    /// without resolving (a resolve would fight the new owner's firing alert).
    /// </summary>
    HandedOver,
}

/// <summary>
/// One state change of one alert instance, in event time. <see cref="InstanceKey"/> identifies the
/// instance across severities (rule + group labels); <see cref="Labels"/> are the Alertmanager
/// labels (alertname, severity, service, shop, routing labels, other group tags), sorted by key
/// and never holding an id; ids of open items travel only in <see cref="Annotations"/>.
/// </summary>
public sealed record AlertChange(
    AlertChangeKind Kind,
    string Rule,
    string InstanceKey,
    Severity Severity,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    IReadOnlyList<KeyValuePair<string, string>> Annotations,
    double Value,
    double Threshold,
    long StartsAtMs,
    long AtMs)
{
    /// <summary>The severity before an escalation or de-escalation; null otherwise.</summary>
    public Severity? PreviousSeverity { get; init; }

    /// <summary>The labels the instance carried before this change (differ from <see cref="Labels"/> only in severity and level labels).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? PreviousLabels { get; init; }

    /// <summary>The group-by tags that tell this instance apart (e.g. shop), a subset of <see cref="Labels"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GroupTags { get; init; } = [];

    /// <summary>Grafana panel behind the rule (<c>dashboardUid/panelId</c>), for generatorURL.</summary>
    public string? Panel { get; init; }

    /// <summary>True when the instance is still firing after this change (fired, escalated, de-escalated or reminded).</summary>
    public bool IsFiring => Kind is not (AlertChangeKind.Resolved or AlertChangeKind.HandedOver);

    /// <summary>The value of one label, or null when the instance has none by that key.</summary>
    public string? Label(string key) => Find(Labels, key);

    /// <summary>The value of one annotation (summary, description, runbook_url, ...), or null.</summary>
    public string? Annotation(string key) => Find(Annotations, key);

    private static string? Find(IReadOnlyList<KeyValuePair<string, string>> pairs, string key)
    {
        foreach (var pair in pairs)
        {
            if (pair.Key == key)
            {
                return pair.Value;
            }
        }

        return null;
    }
}
