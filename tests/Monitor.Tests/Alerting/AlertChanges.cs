using System.Text.Json;
using Monitor.Core.Alerts;

namespace Monitor.Tests.Alerting;

/// <summary>Alert changes as the evaluator makes them, for the delivery tests.</summary>
internal static class AlertChanges
{
    public const string Panel = "service-war-room/4";

    public static IReadOnlyList<KeyValuePair<string, string>> Labels(string shop, Severity severity, string rule = "ChatFirstResponseSlow", string team = "chat") =>
    [
        KeyValuePair.Create("alertname", rule),
        KeyValuePair.Create("service", "service-monitor"),
        KeyValuePair.Create("severity", severity.Label()),
        KeyValuePair.Create("shop", shop),
        KeyValuePair.Create("team", team),
    ];

    public static IReadOnlyList<KeyValuePair<string, string>> Annotations(string summary = "Chat first response p90 is 4m10s in shop s1") =>
    [
        KeyValuePair.Create("description", "Customers wait; 客户投诉 risk."),
        KeyValuePair.Create("runbook_url", "docs/runbook.md#chatfirstresponseslow"),
        KeyValuePair.Create("summary", summary),
        KeyValuePair.Create("value", "250"),
    ];

    public static AlertChange Fired(string shop, Severity severity, long startsAtMs, string rule = "ChatFirstResponseSlow", IReadOnlyList<KeyValuePair<string, string>>? annotations = null) =>
        new(AlertChangeKind.Fired, rule, $"{rule}|shop={shop}", severity, Labels(shop, severity, rule), annotations ?? Annotations(), 250, 180, startsAtMs, startsAtMs)
        {
            Panel = Panel,
        };

    public static AlertChange Moved(AlertChange before, Severity severity, long atMs) =>
        before with
        {
            Kind = severity > before.Severity ? AlertChangeKind.Escalated : AlertChangeKind.Deescalated,
            Severity = severity,
            Labels = Labels(before.Label("shop")!, severity, before.Rule),
            PreviousSeverity = before.Severity,
            PreviousLabels = before.Labels,
            Value = 400,
            Threshold = 300,
            AtMs = atMs,
        };

    public static AlertChange Resolved(AlertChange firing, long atMs) =>
        firing with { Kind = AlertChangeKind.Resolved, PreviousSeverity = null, PreviousLabels = null, Value = 90, AtMs = atMs };

    public static Dictionary<string, string> Object(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    public static Dictionary<string, string> ToDictionary(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    public static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
}

/// <summary>Backoff jitter that always draws the same fraction.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;

    protected override double Sample() => value;
}
