namespace Monitor.Core.Alerts;

/// <summary>
/// Ordered alert severities (info &lt; notice &lt; warning &lt; major &lt; critical). The lower-case
/// name is the <c>severity</c> label sent to Alertmanager and written to the <c>alerts</c> measurement.
/// </summary>
public enum Severity
{
    /// <summary>The lowest severity, label <c>info</c>.</summary>
    Info = 1,
    /// <summary>Above info, label <c>notice</c>.</summary>
    Notice = 2,
    /// <summary>The middle severity, label <c>warning</c>.</summary>
    Warning = 3,
    /// <summary>Above warning, label <c>major</c>.</summary>
    Major = 4,
    /// <summary>The highest severity, label <c>critical</c>.</summary>
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

    /// <summary>Parses a label value (exact, lower case); false for any other text.</summary>
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
