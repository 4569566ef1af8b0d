using Monitor.Core.Alerts;
using Monitor.Settings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitor.Alerting;

/// <summary>
/// Reads an alert rule file (docs/alerts.md, "Rule file") into an <see cref="AlertRuleSet"/>,
/// collecting every problem with file:line:column and the rule it belongs to instead of stopping at
/// the first, so <c>monitor check --rules</c> can list them all. The rule set is null whenever
/// there is an error: a half-read file is never used.
/// </summary>
public static class AlertRulesLoader
{
    private static readonly string[] RootKeys = ["service", "rules", "timers"];

    /// <summary>The war-room defaults (deploy/monitor/rules.yaml) shipped beside the executable; the demo uses them.</summary>
    public static string DefaultFile => Path.Combine(AppContext.BaseDirectory, "config", "rules.yaml");

    /// <summary>Reads <paramref name="path"/> with each rule's repo-relative runbook resolved against <paramref name="runbookBase"/> (<see cref="RunbookLinks"/>).</summary>
    public static (AlertRuleSet? Rules, IReadOnlyList<SettingsError> Errors) Load(string path, Uri runbookBase)
    {
        var (rules, errors) = Load(path);
        return (rules is null ? null : RunbookLinks.Apply(rules, runbookBase), errors);
    }

    /// <summary>Reads <paramref name="path"/>; runbooks stay as written.</summary>
    public static (AlertRuleSet? Rules, IReadOnlyList<SettingsError> Errors) Load(string path)
    {
        if (!File.Exists(path))
        {
            return (null, [new SettingsError(path, 0, 0, "file not found")]);
        }

        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (IOException ex)
        {
            return (null, [new SettingsError(path, 0, 0, $"cannot be read: {ex.Message}")]);
        }
    }

    /// <summary>Reads rule YAML from a string; <paramref name="sourceName"/> names it in errors.</summary>
    public static (AlertRuleSet? Rules, IReadOnlyList<SettingsError> Errors) Parse(string yaml, string sourceName)
    {
        var errors = new List<SettingsError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add(new SettingsError(sourceName, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return (null, errors);
        }

        var reader = new RuleFileReader(sourceName, errors);
        AlertRuleSet? rules = null;
        switch (stream.Documents.FirstOrDefault()?.RootNode)
        {
            case null or YamlScalarNode { Value: null or "" }:
                errors.Add(new SettingsError(sourceName, 0, 0, "the file is empty; it needs a 'rules' or a 'timers' list"));
                break;
            case YamlMappingNode root:
                rules = ReadRoot(root, reader);
                break;
            case var other:
                reader.Error(other, "the top level must be a mapping with service, rules and timers");
                break;
        }

        // In file order, however the checks ran: the list reads top to bottom beside the file.
        return errors.Count > 0 ? (null, errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToArray()) : (rules, errors);
    }

    private static AlertRuleSet ReadRoot(YamlMappingNode root, RuleFileReader reader)
    {
        var keys = reader.Keys(root, "top level", RootKeys);
        if (!keys.ContainsKey("rules") && !keys.ContainsKey("timers"))
        {
            reader.Error(root, "the file defines nothing: it needs a 'rules' or a 'timers' list");
        }

        var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var thresholds = Entries(keys, "rules", "rule", ThresholdRuleReader.Keys, names, reader, ThresholdRuleReader.Read);
        var timers = Entries(keys, "timers", "timer", TimerRuleReader.Keys, names, reader, TimerRuleReader.Read);
        var set = new AlertRuleSet(thresholds, timers);
        return keys.TryGetValue("service", out var serviceNode) && reader.Text(serviceNode, "service") is { } service
            ? set with { Service = service }
            : set;
    }

    /// <summary>
    /// Reads the list under <paramref name="section"/>: each entry's name (CamelCase, unique across
    /// rules and timers) scopes its errors, then <paramref name="read"/> builds the entry.
    /// </summary>
    private static List<T> Entries<T>(
        IReadOnlyDictionary<string, YamlNode> keys,
        string section,
        string noun,
        IReadOnlyList<string> known,
        Dictionary<string, YamlNode> names,
        RuleFileReader reader,
        Func<string, YamlMappingNode, IReadOnlyDictionary<string, YamlNode>, RuleFileReader, T?> read)
        where T : class
    {
        var entries = new List<T>();
        if (!keys.TryGetValue(section, out var sectionNode) || sectionNode is YamlScalarNode { Value: null or "" })
        {
            return entries;
        }

        if (sectionNode is not YamlSequenceNode list)
        {
            reader.Error(sectionNode, $"{section} must be a list of {noun}s");
            return entries;
        }

        for (var index = 0; index < list.Children.Count; index++)
        {
            var item = list.Children[index];
            if (item is not YamlMappingNode mapping)
            {
                reader.Error(item, $"{section}[{index}]: a {noun} must be a mapping with a name");
                continue;
            }

            var nameNode = mapping.Children.TryGetValue(new YamlScalarNode("name"), out var found) ? found : null;
            var written = (nameNode as YamlScalarNode)?.Value?.Trim();
            var scoped = reader.Scoped(string.IsNullOrEmpty(written) ? $"{section}[{index}]" : $"{noun} {written}");
            var name = Name(mapping, nameNode, names, scoped);
            var entryKeys = scoped.Keys(mapping, "", known);
            if (read(name ?? "", mapping, entryKeys, scoped) is { } entry && name is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static string? Name(YamlMappingNode entry, YamlNode? node, Dictionary<string, YamlNode> names, RuleFileReader reader)
    {
        if (node is null)
        {
            reader.Error(entry, "missing 'name' (CamelCase, e.g. ChatFirstResponseSlow)");
            return null;
        }

        var name = reader.Text(node, "name");
        if (name is null)
        {
            return null;
        }

        if (!IsCamelCase(name))
        {
            reader.Error(node, $"name '{name}' must be CamelCase: letters and digits, starting with a capital (e.g. ChatFirstResponseSlow)");
            return null;
        }

        if (!names.TryAdd(name, node))
        {
            reader.Error(node, $"name '{name}' is already used at line {names[name].Start.Line}; names are unique across rules and timers");
            return null;
        }

        return name;
    }

    private static bool IsCamelCase(string name) =>
        char.IsAsciiLetterUpper(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}
