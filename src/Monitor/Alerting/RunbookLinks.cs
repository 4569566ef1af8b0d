using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>
/// Turns a rule's repo-relative <c>runbook</c> (<c>docs/runbook.md#chatoldestwaithigh</c>) into a link that
/// works in a notification on someone's phone: resolved against <see cref="AlertingOptions.RunbookBaseUrl"/>.
/// Absolute http(s) links stay as written.
/// </summary>
public static class RunbookLinks
{
    /// <summary>
    /// Where the repository's files are browsable (docs/runbook.md is under it). Change it with
    /// <c>alerting.runbookBaseUrl</c> or MONITOR_RUNBOOK_BASE_URL for a fork or an internal mirror.
    /// </summary>
    public static Uri DefaultBase { get; } = new("https://github.com/service-monitor/service-monitor/blob/main/");

    /// <summary>The link for <paramref name="runbook"/>: absolute http(s) as is, anything else relative to <paramref name="baseUrl"/>.</summary>
    public static string? Resolve(string? runbook, Uri baseUrl)
    {
        if (string.IsNullOrEmpty(runbook))
        {
            return runbook;
        }

        if (Uri.TryCreate(runbook, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return runbook;
        }

        // A base without a trailing slash names a directory all the same: .../blob/main + docs/x → .../blob/main/docs/x.
        var directory = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        return new Uri(directory, runbook.TrimStart('/')).AbsoluteUri;
    }

    /// <summary>Every rule of <paramref name="rules"/> with its runbook resolved against <paramref name="baseUrl"/>.</summary>
    public static AlertRuleSet Apply(AlertRuleSet rules, Uri baseUrl) => rules with
    {
        Thresholds = rules.Thresholds.Select(r => r with { Text = r.Text with { RunbookUrl = Resolve(r.Text.RunbookUrl, baseUrl) } }).ToArray(),
        Timers = rules.Timers.Select(r => r with { Text = r.Text with { RunbookUrl = Resolve(r.Text.RunbookUrl, baseUrl) } }).ToArray(),
    };
}
