using System.Globalization;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using YamlDotNet.RepresentationModel;

namespace Monitor.Alerting;

/// <summary>Reads one entry of <c>rules:</c> into a <see cref="ThresholdRule"/> (docs/alerts.md, "Rule file").</summary>
internal static class ThresholdRuleReader
{
    public static IReadOnlyList<string> Keys { get; } =
    [
        "name", "metric", "where", "groupBy", "direction", "for", "minSamples", "noDataAfter", "unit", "levels",
        .. RuleCommonKeys.Names,
    ];

    private static readonly string[] LevelKeys = ["threshold", "clear", "for", "labels"];
    private static readonly string[] MinSamplesKeys = ["field", "count"];
    private static readonly Direction[] Directions = [Direction.Above, Direction.Below];
    private static readonly ValueUnit[] Units = [ValueUnit.Number, ValueUnit.Ratio, ValueUnit.Seconds, ValueUnit.Count];

    /// <summary>A level as written, with the nodes its checks point at.</summary>
    private sealed record LevelDraft(Severity Severity, double Threshold, YamlNode ThresholdNode, double? Clear, YamlNode? ClearNode, TimeSpan? For, IReadOnlyDictionary<string, string> Labels);

    /// <summary>The rule, or null when something is wrong (every problem is in the reader's errors).</summary>
    public static ThresholdRule? Read(string name, YamlMappingNode node, IReadOnlyDictionary<string, YamlNode> keys, RuleFileReader reader)
    {
        var before = reader.Errors.Count;
        var (shape, field) = ReadMetric(node, keys, reader);
        var filters = keys.TryGetValue("where", out var whereNode) ? ReadWhere(whereNode, shape, reader) : [];
        IReadOnlyList<string> groupBy = keys.TryGetValue("groupBy", out var groupNode) ? ReadGroupBy(groupNode, shape, reader) : ["shop"];
        var direction = keys.TryGetValue("direction", out var directionNode)
            ? reader.Choice(directionNode, "direction", Directions, Label) ?? Direction.Above
            : Direction.Above;
        var hold = keys.TryGetValue("for", out var forNode) ? reader.Duration(forNode, "for") ?? TimeSpan.Zero : TimeSpan.Zero;
        var minSamples = keys.TryGetValue("minSamples", out var minNode) ? ReadMinSamples(minNode, shape, reader) : null;
        var noDataAfter = keys.TryGetValue("noDataAfter", out var noDataNode) ? reader.PositiveDuration(noDataNode, "noDataAfter") : null;
        var unit = keys.TryGetValue("unit", out var unitNode) ? reader.Choice(unitNode, "unit", Units, Label) ?? ValueUnit.Number : ValueUnit.Number;
        var common = RuleCommonKeys.Read(keys, reader, groupBy);

        var drafts = new List<LevelDraft>();
        if (!keys.TryGetValue("levels", out var levelsNode))
        {
            reader.Error(node, $"missing 'levels' (any of {string.Join(", ", Severities.All.Select(s => s.Label()))}, each with a threshold)");
        }
        else
        {
            drafts = ReadLevels(levelsNode, groupBy, reader);
            CheckLevels(drafts, direction, field is null ? null : shape?.Field(field), reader);
        }

        if (reader.Errors.Count > before || shape is null || field is null)
        {
            return null;
        }

        var levels = drafts
            .Select(d => new AlertLevel(d.Severity, d.Threshold, d.Clear ?? d.Threshold, d.For ?? hold) { Labels = d.Labels })
            .ToArray();
        return new ThresholdRule(name, shape.Name, field, direction, levels)
        {
            Filters = filters,
            GroupBy = groupBy,
            MinSamples = minSamples,
            NoDataAfter = noDataAfter ?? TimeSpan.FromMinutes(5),
            Unit = unit,
            Text = common.Text,
            Labels = common.Labels,
            Panel = common.Panel,
        };
    }

    private static (MeasurementShape? Shape, string? Field) ReadMetric(YamlNode node, IReadOnlyDictionary<string, YamlNode> keys, RuleFileReader reader)
    {
        if (!keys.TryGetValue("metric", out var metricNode))
        {
            reader.Error(node, "missing 'metric' (measurement.field, e.g. response_time.p90)");
            return (null, null);
        }

        if (reader.Text(metricNode, "metric") is not { } metric)
        {
            return (null, null);
        }

        var dot = metric.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == metric.Length - 1)
        {
            reader.Error(metricNode, $"metric must be measurement.field, e.g. response_time.p90, not '{metric}'");
            return (null, null);
        }

        var (measurement, field) = (metric[..dot], metric[(dot + 1)..]);
        var shape = MetricContract.Find(measurement);
        if (shape is null)
        {
            reader.Error(metricNode, "metric: " + RuleFileReader.Unknown("", "measurement", measurement, MetricContract.All.Select(m => m.Name).ToArray()));
            return (null, null);
        }

        if (shape.Field(field) is null)
        {
            reader.Error(metricNode, $"metric: {RuleFileReader.Unknown("", $"field of {measurement}", field, shape.FieldNames.ToArray())}");
            return (shape, null);
        }

        return (shape, field);
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadWhere(YamlNode node, MeasurementShape? shape, RuleFileReader reader)
    {
        var filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (tag, keyNode, valueNode) in reader.Pairs(node, "where"))
        {
            var values = reader.Texts(valueNode, $"where.{tag}");
            if (shape is not null && !shape.HasTag(tag))
            {
                reader.Error(keyNode, $"where: {RuleFileReader.Unknown("", $"tag of {shape.Name}", tag, shape.TagNames.ToArray())}");
                continue;
            }

            var known = shape?.TagValues(tag);
            foreach (var value in values ?? [])
            {
                if (known is not null && !known.Contains(value))
                {
                    reader.Error(valueNode, $"where.{tag}: {RuleFileReader.Unknown("", $"value of {shape!.Name}.{tag}", value, known)}");
                }
            }

            if (values is not null)
            {
                filters[tag] = values;
            }
        }

        return filters;
    }

    private static IReadOnlyList<string> ReadGroupBy(YamlNode node, MeasurementShape? shape, RuleFileReader reader)
    {
        if (node is YamlSequenceNode { Children.Count: 0 })
        {
            return [];
        }

        var tags = new List<string>();
        var items = node is YamlSequenceNode list ? list.Children : [node];
        foreach (var item in items)
        {
            var tag = reader.Text(item, "groupBy");
            if (tag is null)
            {
                continue;
            }

            if (shape is not null && !shape.HasTag(tag))
            {
                reader.Error(item, IsIdLike(tag)
                    ? $"groupBy: '{tag}' is an id, and no tag ever holds an id (one alert per conversation or order would flood the receivers); use the per-item timers for items"
                    : $"groupBy: {RuleFileReader.Unknown("", $"tag of {shape.Name}", tag, shape.TagNames.ToArray())}");
            }
            else if (tags.Contains(tag))
            {
                reader.Error(item, $"groupBy: '{tag}' is listed twice");
            }
            else
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    private static bool IsIdLike(string tag) =>
        tag.Equals("id", StringComparison.OrdinalIgnoreCase)
        || tag.EndsWith("Id", StringComparison.Ordinal)
        || tag.EndsWith("ID", StringComparison.Ordinal)
        || tag.EndsWith("_id", StringComparison.OrdinalIgnoreCase);

    private static MinSamples? ReadMinSamples(YamlNode node, MeasurementShape? shape, RuleFileReader reader)
    {
        var keys = reader.Keys(node, "minSamples", MinSamplesKeys);
        string? field = null;
        if (!keys.TryGetValue("field", out var fieldNode))
        {
            reader.Error(node, "minSamples: missing 'field' (an integer field such as count)");
        }
        else if (reader.Text(fieldNode, "minSamples.field") is { } name)
        {
            var counts = shape?.Fields.Where(f => f.Unit == FieldUnit.Count).Select(f => f.Name).ToArray();
            if (counts is not null && !counts.Contains(name))
            {
                reader.Error(fieldNode, $"minSamples.field: '{name}' is not an integer field of {shape!.Name} (integer fields: {string.Join(", ", counts)})");
            }
            else
            {
                field = name;
            }
        }

        long? count = null;
        if (!keys.TryGetValue("count", out var countNode))
        {
            reader.Error(node, "minSamples: missing 'count'");
        }
        else
        {
            count = reader.Whole(countNode, "minSamples.count", 1, 1_000_000_000);
        }

        return field is not null && count is not null ? new MinSamples(field, count.Value) : null;
    }

    private static List<LevelDraft> ReadLevels(YamlNode node, IReadOnlyList<string> groupBy, RuleFileReader reader)
    {
        var drafts = new List<LevelDraft>();
        var severityNames = Severities.All.Select(s => s.Label()).ToArray();
        foreach (var (key, keyNode, value) in reader.Pairs(node, "levels"))
        {
            if (!Severities.TryParse(key, out var severity))
            {
                reader.Error(keyNode, RuleFileReader.Unknown("levels", "severity", key, severityNames));
                continue;
            }

            var what = $"levels.{key}";
            if (value is YamlScalarNode)
            {
                if (reader.Number(value, $"{what}.threshold") is { } only)
                {
                    drafts.Add(new LevelDraft(severity, only, value, null, null, null, new Dictionary<string, string>(StringComparer.Ordinal)));
                }

                continue;
            }

            var keys = reader.Keys(value, what, LevelKeys);
            if (!keys.TryGetValue("threshold", out var thresholdNode))
            {
                if (value is YamlMappingNode)
                {
                    reader.Error(value, $"{what}: missing 'threshold'");
                }

                continue;
            }

            var threshold = reader.Number(thresholdNode, $"{what}.threshold");
            var clearNode = keys.GetValueOrDefault("clear");
            var clear = clearNode is null ? null : reader.Number(clearNode, $"{what}.clear");
            var hold = keys.TryGetValue("for", out var forNode) ? reader.Duration(forNode, $"{what}.for") : null;
            var labels = keys.TryGetValue("labels", out var labelsNode)
                ? RuleCommonKeys.Labels(labelsNode, $"{what}.labels", groupBy, reader)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            if (threshold is not null && (clearNode is null || clear is not null))
            {
                drafts.Add(new LevelDraft(severity, threshold.Value, thresholdNode, clear, clearNode, hold, labels));
            }
        }

        if (node is YamlMappingNode { Children.Count: 0 })
        {
            reader.Error(node, $"levels needs at least one of {string.Join(", ", severityNames)}");
        }

        return drafts.OrderBy(d => d.Severity).ToList();
    }

    /// <summary>
    /// Thresholds grow more extreme with severity in the rule's direction; each clear lies on the
    /// good side of (or at) its threshold; ratio fields stay within 0..1.
    /// </summary>
    private static void CheckLevels(IReadOnlyList<LevelDraft> levels, Direction direction, FieldUnit? kind, RuleFileReader reader)
    {
        var side = Label(direction);
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            var what = $"levels.{level.Severity.Label()}";
            if (i > 0 && !IsWorse(level.Threshold, levels[i - 1].Threshold, direction))
            {
                var lower = levels[i - 1];
                reader.Error(level.ThresholdNode, $"{what}.threshold {Show(level.Threshold)} must be {side} {lower.Severity.Label()}'s {Show(lower.Threshold)} for direction {side}");
            }

            if (level.Clear is { } clear && IsWorse(clear, level.Threshold, direction))
            {
                var bound = direction == Direction.Above ? "at or below" : "at or above";
                reader.Error(level.ClearNode!, $"{what}.clear {Show(clear)} must be {bound} its threshold {Show(level.Threshold)} for direction {side}");
            }

            if (kind == FieldUnit.Ratio)
            {
                CheckRatio(level.Threshold, level.ThresholdNode, $"{what}.threshold", reader);
                if (level.Clear is { } ratioClear)
                {
                    CheckRatio(ratioClear, level.ClearNode!, $"{what}.clear", reader);
                }
            }
        }
    }

    private static void CheckRatio(double value, YamlNode node, string what, RuleFileReader reader)
    {
        if (value is < 0 or > 1)
        {
            reader.Error(node, $"{what} {Show(value)} is outside 0..1: the field is a ratio (95% is 0.95)");
        }
    }

    private static bool IsWorse(double value, double than, Direction direction) =>
        direction == Direction.Above ? value > than : value < than;

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Label(Direction direction) => direction == Direction.Above ? "above" : "below";

    private static string Label(ValueUnit unit) => unit.ToString().ToLowerInvariant();
}
