namespace Monitor.Core.Alerts;

/// <summary>
/// Ordered alert severities (info &lt; notice &lt; warning &lt; major &lt; critical). The lower-case
/// name is the <c>severity</c> label sent to Alertmanager and written to the <c>alerts</c> measurement.
/// </summary>
public enum Severity
{
    Info = 1,
    Notice = 2,
    Warning = 3,
    Major = 4,
    Critical = 5,
}

/// <summary>The severities in order, and their label values (the <c>severity</c> label of alerts and rules).</summary>
public static class Severities
{
    /// <summary>Every severity, lowest first.</summary>
    public static IReadOnlyList<Severity> All { get; } = [Severity.Info, Severity.Notice, Severity.Warning, Severity.Major, Severity.Critical];

    /// <summary>The label value: <c>info</c>, <c>notice</c>, <c>warning</c>, <c>major</c> or <c>critical</c>.</summary>
    public static string Label(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Notice => "notice",
        Severity.Warning => "warning",
        Severity.Major => "major",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "not a severity"),
    };

    public static bool TryParse(string? text, out Severity severity)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Label(), text, StringComparison.Ordinal))
            {
                severity = candidate;
                return true;
            }
        }

        severity = default;
        return false;
    }
}
