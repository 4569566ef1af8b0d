using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;

namespace Monitor.IntegrationTests;

/// <summary>
/// A panel that shows the figure of a shipped alert rule (deploy/monitor/rules.yaml) is coloured at
/// the rule's thresholds, with one colour per severity: info yellow, warning orange, major red,
/// critical dark-red, green where no level holds. The panel's query reads the rule's measurement and
/// field with the rule's filters. The table below is the list of such panels; docs/dashboards.md
/// names the same pairs.
/// </summary>
public sealed class DashboardThresholdTests
{
    public static TheoryData<string, string, string> Aligned => new()
    {
        { "war-room.json", "First response p90", "ChatFirstResponseSlow" },
        { "war-room.json", "Oldest chat wait", "ChatOldestWaitHigh" },
        { "war-room.json", "Calls abandoned", "CallAbandonRateHigh" },
        { "war-room.json", "Call service level", "CallServiceLevelLow" },
        { "war-room.json", "Shipped on time", "ShipOnTimeLow" },
        { "war-room.json", "Ship on-time ratio by shop", "ShipOnTimeLow" },
        { "war-room.json", "Refunds open", "RefundBacklogHigh" },
        { "war-room.json", "Crisis level (worst shop)", "CrisisLevelRaised" },
        { "war-room.json", "Crisis level by shop", "CrisisLevelRaised" },
        { "war-room.json", "Complaints per 1000 messages by shop", "ComplaintRateHigh" },
        { "conversations-calls.json", "Chat first response p90 (agents) by shop", "ChatFirstResponseSlow" },
        { "conversations-calls.json", "Call abandon ratio by shop", "CallAbandonRateHigh" },
        { "conversations-calls.json", "Call service level by shop", "CallServiceLevelLow" },
        { "orders-logistics.json", "Ship on-time ratio by shop", "ShipOnTimeLow" },
        { "orders-logistics.json", "Overdue unshipped by shop", "ShipmentsOverdue" },
        { "orders-logistics.json", "Stalled shipments by shop", "ShipmentsStalled" },
        { "orders-logistics.json", "Refunds open by shop", "RefundBacklogHigh" },
        { "complaints.json", "Critical categories by shop", "ComplaintCriticalCategory" },
        { "complaints.json", "Warning categories by shop", "ComplaintCategorySurge" },
        { "complaints.json", "Complaint rate per 1,000 messages by shop", "ComplaintRateHigh" },
    };

    [Theory]
    [MemberData(nameof(Aligned))]
    public void Panel_IsColouredAtTheThresholdsOfItsRule(string file, string title, string ruleName)
    {
        var rule = ShippedRules().Thresholds.Single(r => r.Name == ruleName);
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(DeployArtifactTests.RepoRoot(), "dashboards", file)));
        var panel = dashboard.RootElement.GetProperty("panels").EnumerateArray().Single(p => p.GetProperty("title").GetString() == title);

        var steps = panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("thresholds").GetProperty("steps").EnumerateArray()
            .Select(s => (Color: s.GetProperty("color").GetString()!, Value: s.GetProperty("value").ValueKind == JsonValueKind.Null ? (double?)null : s.GetProperty("value").GetDouble()))
            .ToArray();
        Assert.Equal(Expected(rule), steps);

        foreach (var target in panel.GetProperty("targets").EnumerateArray())
        {
            var query = target.GetProperty("query").GetString()!;
            Assert.Contains($"FROM \"{rule.Measurement}\"", query, StringComparison.Ordinal);
            Assert.Contains($"(\"{rule.Field}\")", query, StringComparison.Ordinal);
            foreach (var (tag, values) in rule.Filters)
            {
                Assert.All(values, value => Assert.Contains($"\"{tag}\" = '{value}'", query, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void EveryAlignedRule_IsAShippedThresholdRule_AndEveryRuleHasAPanel()
    {
        var names = Aligned.Select(row => (string)row[2]).ToHashSet();
        Assert.Equal(ShippedRules().Thresholds.Select(r => r.Name).Order(), names.Order());
    }

    /// <summary>
    /// Above: green below the lowest threshold, then each level's colour from its threshold up.
    /// Below: the most severe colour below the lowest threshold, each threshold starting the colour
    /// of the next milder level, green from the mildest level's threshold up.
    /// </summary>
    private static (string Color, double? Value)[] Expected(ThresholdRule rule)
    {
        var levels = rule.Levels.OrderBy(l => l.Threshold).ToArray();
        if (rule.Direction == Direction.Above)
        {
            return [("green", null), .. levels.Select(l => (Colour(l.Severity), (double?)l.Threshold))];
        }

        return [(Colour(levels[0].Severity), null), .. levels.Select((l, i) => (i + 1 < levels.Length ? Colour(levels[i + 1].Severity) : "green", (double?)l.Threshold))];
    }

    private static string Colour(Severity severity) => severity switch
    {
        Severity.Info or Severity.Notice => "yellow",
        Severity.Warning => "orange",
        Severity.Major => "red",
        _ => "dark-red",
    };

    private static AlertRuleSet ShippedRules()
    {
        var (rules, errors) = AlertRulesLoader.Load(Path.Combine(DeployArtifactTests.RepoRoot(), "deploy", "monitor", "rules.yaml"));
        Assert.True(rules is not null, string.Join("; ", errors));
        return rules;
    }
}
