using System.Globalization;
using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>
/// Prints an alert history for people (<c>monitor replay --rules</c>): one line per state change
/// in event time, then per rule how often it fired, its worst severity and how long it was firing.
/// Annotations with item ids are left out; the summary says what a receiver would have read.
/// </summary>
public sealed class AlertHistoryWriter(TextWriter output)
{
    private readonly Dictionary<string, RuleTally> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _firingSince = new(StringComparer.Ordinal);
    private long _lastMs = long.MinValue;

    /// <summary>Prints one line for <paramref name="change"/> (event time, kind, severity, rule and group, value, summary) and adds it to its rule's totals.</summary>
    public void Write(AlertChange change)
    {
        _lastMs = Math.Max(_lastMs, change.AtMs);
        var group = string.Join(",", change.GroupTags.Select(tag => $"{tag.Key}={tag.Value}"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Time(change.AtMs)}  {Kind(change.Kind),-11} {change.Severity.Label(),-8}  {change.Rule}{{{group}}}  value {change.Annotation("value")}  {change.Annotation("summary")}"));

        var tally = _rules.TryGetValue(change.Rule, out var existing) ? existing : _rules[change.Rule] = new RuleTally();
        switch (change.Kind)
        {
            case AlertChangeKind.Fired:
                tally.Fired++;
                _firingSince[change.InstanceKey] = change.AtMs;
                break;
            case AlertChangeKind.Escalated:
            case AlertChangeKind.Deescalated:
                tally.LevelChanges++;
                break;
            case AlertChangeKind.Reminded:
                tally.Reminders++;
                break;
            case AlertChangeKind.Resolved when _firingSince.Remove(change.InstanceKey, out var since):
                tally.FiringMs += change.AtMs - since;
                break;
        }

        if (change.IsFiring && (tally.Worst is not { } worst || change.Severity > worst))
        {
            tally.Worst = change.Severity;
        }
    }

    /// <summary>Per-rule totals; instances still firing at the end count up to the last change seen.</summary>
    public void WriteSummary()
    {
        foreach (var (key, since) in _firingSince)
        {
            _rules[key[..key.IndexOf('{', StringComparison.Ordinal)]].FiringMs += _lastMs - since;
            _rules[key[..key.IndexOf('{', StringComparison.Ordinal)]].StillFiring++;
        }

        output.WriteLine(_rules.Count == 0 ? "alerts: no rule fired" : "alerts by rule:");
        foreach (var (rule, tally) in _rules.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {rule,-32} fired {tally.Fired,5}  level changes {tally.LevelChanges,4}  reminders {tally.Reminders,4}  worst {tally.Worst?.Label() ?? "-",-8}  firing {AlertTemplate.Duration(tally.FiringMs / 1000.0)}{(tally.StillFiring > 0 ? $" ({tally.StillFiring} still firing at the end)" : "")}"));
        }
    }

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Kind(AlertChangeKind kind) => kind switch
    {
        AlertChangeKind.Fired => "FIRED",
        AlertChangeKind.Escalated => "ESCALATED",
        AlertChangeKind.Deescalated => "DOWNGRADED",
        AlertChangeKind.Reminded => "REMINDED",
        AlertChangeKind.HandedOver => "HANDED OVER",
        _ => "RESOLVED",
    };

    private sealed class RuleTally
    {
        public int Fired { get; set; }
        public int LevelChanges { get; set; }
        public int Reminders { get; set; }
        public int StillFiring { get; set; }
        public Severity? Worst { get; set; }
        public long FiringMs { get; set; }
    }
}
