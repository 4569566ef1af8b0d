using Monitor.Core.Alerts;
using YamlDotNet.RepresentationModel;

namespace Monitor.Alerting;

/// <summary>Reads one entry of <c>timers:</c> into a <see cref="TimerRule"/> (docs/alerts.md, "Per-item timers").</summary>
internal static class TimerRuleReader
{
    public static IReadOnlyList<string> Keys { get; } =
    [
        "name", "queue", "remindAfter", "repeatEvery", "escalateAfter", "severity", "escalate", "showItems",
        .. RuleCommonKeys.Names,
    ];

    /// <summary>Timer alerts are one per shop, so <c>shop</c> is their only group tag.</summary>
    private static readonly string[] GroupTags = ["shop"];

    private static readonly string[] EscalateKeys = ["severity", "labels"];
    private static readonly TimerQueue[] Queues = Enum.GetValues<TimerQueue>();

    public static TimerRule? Read(string name, YamlMappingNode node, IReadOnlyDictionary<string, YamlNode> keys, RuleFileReader reader)
    {
        var before = reader.Errors.Count;
        TimerQueue? queue = null;
        if (keys.TryGetValue("queue", out var queueNode))
        {
            queue = reader.Choice(queueNode, "queue", Queues, TimerRule.QueueName);
        }
        else
        {
            reader.Error(node, $"missing 'queue' ({string.Join(", ", Queues.Select(TimerRule.QueueName))})");
        }

        TimeSpan? remindAfter = null;
        if (keys.TryGetValue("remindAfter", out var remindNode))
        {
            remindAfter = reader.PositiveDuration(remindNode, "remindAfter");
        }
        else
        {
            reader.Error(node, "missing 'remindAfter' (e.g. 30m)");
        }

        var repeatEvery = keys.TryGetValue("repeatEvery", out var repeatNode) ? reader.PositiveDuration(repeatNode, "repeatEvery") : TimeSpan.FromMinutes(15);
        var severity = keys.TryGetValue("severity", out var severityNode)
            ? reader.Choice(severityNode, "severity", Severities.All, Severities.Label)
            : Severity.Warning;
        var showItems = keys.TryGetValue("showItems", out var showNode) ? (int?)reader.Whole(showNode, "showItems", 1, 20) : 5;
        var common = RuleCommonKeys.Read(keys, reader, GroupTags);

        TimeSpan? escalateAfter = null;
        if (keys.TryGetValue("escalateAfter", out var escalateAfterNode)
            && reader.PositiveDuration(escalateAfterNode, "escalateAfter") is { } after)
        {
            escalateAfter = after;
            if (remindAfter is { } remind && after <= remind)
            {
                reader.Error(escalateAfterNode, $"escalateAfter {Show(after)} must be longer than remindAfter {Show(remind)}");
            }
        }

        var (escalateSeverity, escalateLabels) = ReadEscalate(node, keys, keys.ContainsKey("escalateAfter"), severity, reader);

        if (reader.Errors.Count > before || queue is null || remindAfter is null || repeatEvery is null || severity is null || showItems is null)
        {
            return null;
        }

        return new TimerRule(name, queue.Value, remindAfter.Value, repeatEvery.Value, severity.Value)
        {
            EscalateAfter = escalateAfter,
            EscalateSeverity = escalateSeverity,
            EscalateLabels = escalateLabels,
            ShowItems = showItems.Value,
            Text = common.Text,
            Labels = common.Labels,
            Panel = common.Panel,
        };
    }

    /// <summary><c>escalate: {severity, labels}</c>: needs escalateAfter; its severity (default critical) must be above the timer's.</summary>
    private static (Severity Severity, IReadOnlyDictionary<string, string> Labels) ReadEscalate(
        YamlNode node, IReadOnlyDictionary<string, YamlNode> keys, bool hasEscalateAfter, Severity? severity, RuleFileReader reader)
    {
        var escalateSeverity = Severity.Critical;
        YamlNode severityNode = node;
        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (keys.TryGetValue("escalate", out var escalateNode))
        {
            severityNode = escalateNode;
            var escalate = reader.Keys(escalateNode, "escalate", EscalateKeys);
            if (escalate.TryGetValue("severity", out var valueNode))
            {
                severityNode = valueNode;
                escalateSeverity = reader.Choice(valueNode, "escalate.severity", Severities.All, Severities.Label) ?? escalateSeverity;
            }

            if (escalate.TryGetValue("labels", out var labelsNode))
            {
                labels = RuleCommonKeys.Labels(labelsNode, "escalate.labels", GroupTags, reader);
            }

            if (!hasEscalateAfter)
            {
                reader.Error(escalateNode, "escalate needs escalateAfter (how long an item is open before it escalates)");
            }
        }

        if (hasEscalateAfter && severity is { } remind && escalateSeverity <= remind)
        {
            reader.Error(severityNode, $"escalate.severity {escalateSeverity.Label()} must be above the timer's severity {remind.Label()}");
        }

        return (escalateSeverity, labels);
    }

    /// <summary>A duration as people write it in the file: 90s, 30m, 1h, 1.5h.</summary>
    private static string Show(TimeSpan value) => value switch
    {
        _ when value.TotalHours >= 1 && value.TotalMinutes % 60 == 0 => $"{value.TotalHours}h",
        _ when value.TotalMinutes >= 1 && value.TotalSeconds % 60 == 0 => $"{value.TotalMinutes}m",
        _ => $"{value.TotalSeconds}s",
    };
}
