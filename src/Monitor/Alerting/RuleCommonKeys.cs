using Monitor.Core.Alerts;
using YamlDotNet.RepresentationModel;

namespace Monitor.Alerting;

/// <summary>What threshold rules and timers both carry for the people who receive them.</summary>
internal sealed record RuleCommon(AlertText Text, IReadOnlyDictionary<string, string> Labels, string? Panel);

/// <summary>
/// Reads the keys threshold rules and timers share: <c>summary</c>, <c>description</c>,
/// <c>runbook</c>, <c>labels</c>, <c>panel</c>; and checks labels and template placeholders.
/// </summary>
internal static class RuleCommonKeys
{
    public static IReadOnlyList<string> Names { get; } = ["summary", "description", "runbook", "labels", "panel"];

    /// <summary>Labels the monitor sets itself; a rule may not set them.</summary>
    public static IReadOnlyList<string> Reserved { get; } = ["alertname", "severity", "service"];

    /// <summary>Placeholders every template may use besides its labels and group tags.</summary>
    private static readonly string[] AlwaysAvailable = [.. AlertTemplate.BuiltIns, "alertname", "service"];

    /// <param name="groupTags">Labels the data sets for each instance (the rule's groupBy; <c>shop</c> for timers).</param>
    public static RuleCommon Read(IReadOnlyDictionary<string, YamlNode> keys, RuleFileReader reader, IReadOnlyList<string> groupTags)
    {
        var labels = keys.TryGetValue("labels", out var labelsNode)
            ? Labels(labelsNode, "labels", groupTags, reader)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var available = AlwaysAvailable.Concat(groupTags).Concat(labels.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var summary = Template(keys, "summary", available, reader);
        var description = Template(keys, "description", available, reader);

        string? runbook = null;
        if (keys.TryGetValue("runbook", out var runbookNode) && reader.Text(runbookNode, "runbook") is { } url)
        {
            if (url.Any(char.IsWhiteSpace))
            {
                reader.Error(runbookNode, $"runbook must be a URL or a path such as docs/runbook.md#anchor, without spaces, not '{url}'");
            }
            else
            {
                runbook = url;
            }
        }

        string? panel = null;
        if (keys.TryGetValue("panel", out var panelNode) && reader.Text(panelNode, "panel") is { } text)
        {
            if (IsPanel(text))
            {
                panel = text;
            }
            else
            {
                reader.Error(panelNode, $"panel must be dashboardUid/panelId, e.g. service-monitor-war-room/5, not '{text}'");
            }
        }

        return new RuleCommon(new AlertText(summary, description, runbook), labels, panel);
    }

    /// <summary>
    /// Routing labels: names match <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, are not reserved (alertname,
    /// severity, service, or starting with <c>__</c>) and are not a group tag, whose value comes from the data.
    /// </summary>
    public static Dictionary<string, string> Labels(YamlNode node, string what, IReadOnlyList<string> groupTags, RuleFileReader reader)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, keyNode, valueNode) in reader.Pairs(node, what))
        {
            if (!IsLabelName(name))
            {
                reader.Error(keyNode, $"{what}: label name '{name}' must match [a-zA-Z_][a-zA-Z0-9_]*");
            }
            else if (Reserved.Contains(name) || name.StartsWith("__", StringComparison.Ordinal))
            {
                reader.Error(keyNode, $"{what}: label '{name}' is reserved; the monitor sets it");
            }
            else if (groupTags.Contains(name))
            {
                reader.Error(keyNode, $"{what}: label '{name}' is a group tag; its value comes from the data");
            }
            else if (reader.Text(valueNode, $"{what}.{name}") is { } value)
            {
                labels[name] = value;
            }
        }

        return labels;
    }

    private static string Template(IReadOnlyDictionary<string, YamlNode> keys, string key, IReadOnlyList<string> available, RuleFileReader reader)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return "";
        }

        var template = reader.Text(node, key) ?? "";
        foreach (var name in AlertTemplate.Placeholders(template))
        {
            if (!available.Contains(name))
            {
                reader.Error(node, Suggestions.Closest(name, available) is { } close
                    ? $"{key}: unknown placeholder {Braced(name)}; did you mean {Braced(close)}?"
                    : $"{key}: unknown placeholder {Braced(name)} (available: {string.Join(", ", available.Select(Braced))})");
            }
        }

        var lastOpen = template.LastIndexOf("{{", StringComparison.Ordinal);
        if (lastOpen >= 0 && template.IndexOf("}}", lastOpen + 2, StringComparison.Ordinal) < 0)
        {
            reader.Error(node, $"{key}: '{{{{' at {lastOpen + 1} is never closed with '}}}}'");
        }

        return template;
    }

    private static string Braced(string name) => "{{" + name + "}}";

    private static bool IsLabelName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool IsPanel(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && text[..slash].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            && text[(slash + 1)..] is { Length: > 0 } id
            && id.All(char.IsAsciiDigit);
    }
}
